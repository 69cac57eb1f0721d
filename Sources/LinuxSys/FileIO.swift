import Glibc

/// Small, allocation-light file helpers over raw fds; every fd is O_CLOEXEC.
public enum FileIO {
    /// Reads straight into the result, sized from fstat for regular files: no 64 KiB
    /// scratch buffer to allocate and zero for every small cgroup or /proc file.
    public static func readAll(fd: Int32) throws -> [UInt8] {
        var st = stat()
        var size = 4096
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 {
            size = Int(st.st_size) + 1 // one spare byte, so end-of-file needs no second buffer
        }
        var out = [UInt8](repeating: 0, count: size)
        var used = 0
        while true {
            if used == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SyscallError("read", "fd \(fd)")
            }
            if n == 0 {
                out.removeLast(out.count - used)
                return out
            }
            used += n
        }
    }

    public static func read(path: String) throws -> [UInt8] {
        let fd = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try readAll(fd: fd)
    }

    public static func readString(_ path: String) throws -> String {
        String(decoding: try read(path: path), as: UTF8.self)
    }

    public static func readStringIfPresent(_ path: String) -> String? {
        try? readString(path)
    }

    public static func writeAll(fd: Int32, _ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SyscallError("write", "fd \(fd)")
            }
            off += n
        }
    }

    public static func writeAll(fd: Int32, _ s: String) throws {
        try writeAll(fd: fd, Array(s.utf8))
    }

    /// Writes a whole value to a file that must exist (procfs, sysfs, cgroupfs).
    public static func writeExisting(_ path: String, _ value: String) throws {
        let fd = try sys("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
        defer { close(fd) }
        do { try writeAll(fd: fd, value) } catch let e as SyscallError {
            throw SyscallError("write", "\(path) \"\(value)\"", errno: e.errno)
        }
    }

    /// Crash-safe replace: temp file, fsync, rename, so readers see old or new, never half.
    /// `durable: false` skips the fsync: enough when only a process may crash, not the
    /// machine (runtime state under /run is gone at reboot anyway).
    public static func writeAtomic(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600, durable: Bool = true) throws {
        let tmp = path + ".tmp"
        let fd = try sys("open", tmp) { open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        do {
            try writeAll(fd: fd, bytes)
            if durable { try sys("fsync", tmp) { fsync(fd) } }
            close(fd)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        try sys("rename", "\(tmp) to \(path)") { rename(tmp, path) }
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func mkdirAll(_ path: String, mode: mode_t = 0o755) throws {
        if path.isEmpty || path == "/" { return }
        if mkdir(path, mode) == 0 { return }
        let e = errno
        if e == EEXIST { return }
        if e == ENOENT {
            try mkdirAll(parent(of: path), mode: mode)
            if mkdir(path, mode) == 0 || errno == EEXIST { return }
            throw SyscallError("mkdir", path)
        }
        throw SyscallError("mkdir", path, errno: e)
    }

    /// Removes a directory tree without following symlinks.
    public static func removeAll(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? listDirectory(path)) ?? [] { removeAll(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    public static func listDirectory(_ path: String) throws -> [String] {
        guard let d = opendir(path) else { throw SyscallError("opendir", path) }
        defer { closedir(d) }
        var names: [String] = []
        while let ent = readdir(d) {
            let name = withUnsafePointer(to: ent.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func parent(of path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        if i == path.startIndex { return "/" }
        return String(path[..<i])
    }

    public static func base(of path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: i)...])
    }
}
