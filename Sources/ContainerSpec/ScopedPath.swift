import Glibc
import LinuxSys

/// O_PATH, which Glibc's Swift overlay hides behind _GNU_SOURCE (same value on every Linux ABI we build for).
private let oPath: Int32 = 0o10000000

/// Walks a path inside a root directory the way a process chrooted there would see it:
/// symlinks, absolute or relative, and ".." never lead out of `root`. A rootfs is
/// untrusted (an image may ship `/etc/passwd -> /etc/shadow` or `-> ../../../etc/passwd`),
/// so every step is an openat(O_PATH|O_NOFOLLOW) relative to the previous directory fd:
/// there is no string path that a concurrent rename could redirect.
struct ScopedPath: ~Copyable {
    /// Directory fds from the root down to the current directory; [0] is the root.
    private var stack: [Int32]
    private let root: String

    init(root: String) throws {
        self.root = root
        let fd = try sys("open", root) { open(root, oPath | O_DIRECTORY | O_CLOEXEC) }
        stack = [fd]
    }

    deinit {
        for fd in stack { close(fd) }
    }

    /// The contents of the regular file at `path`, or nil when it does not exist or is not
    /// a regular file (a FIFO would block the daemon). Files over `limit` bytes are refused.
    static func readFile(root: String, _ path: String, limit: Int = 16 << 20) throws -> [UInt8]? {
        var walker = try ScopedPath(root: root)
        guard let (dir, name) = try walker.walk(path, create: nil), !name.isEmpty else { return nil }
        let fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ELOOP || errno == ENOTDIR { return nil }
            throw SyscallError("open", "\(path) in \(root)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard st.st_size <= limit else {
            throw ContainerSpecError.system("\(path) in the container's root filesystem is larger than \(limit) bytes")
        }
        return try FileIO.readAll(fd: fd)
    }

    /// Creates `path` and its missing parents inside `root` (mode 0755, owned by uid:gid;
    /// existing directories are left as they are, as moby's MkdirAllAndChown WithOnlyNew).
    static func mkdirAll(root: String, _ path: String, uid: UInt32, gid: UInt32) throws {
        var walker = try ScopedPath(root: root)
        _ = try walker.walk(path, create: (uid, gid))
    }

    /// Whether `path` resolves (inside root) to something that is not a directory.
    static func isNonDirectory(root: String, _ path: String) throws -> Bool {
        var walker = try ScopedPath(root: root)
        guard let (dir, name) = try walker.walk(path, create: nil), !name.isEmpty else { return false }
        var st = stat()
        guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        return (st.st_mode & S_IFMT) != S_IFDIR
    }

    /// Resolves `path` component by component. Without `owner` it stops at the last name and
    /// returns its directory fd (owned by the walker) and that name, resolved through symlinks
    /// until it names a non-link; nil when a directory on the way is missing. With `owner`
    /// missing directories are created, owned by it, and anything but a directory is an error.
    private mutating func walk(_ path: String, create owner: (uid: UInt32, gid: UInt32)?) throws -> (Int32, String)? {
        var pending = components(path)
        var links = 0
        while let part = pending.first {
            pending.removeFirst()
            if part == ".." { pop(); continue }
            let dir = stack[stack.count - 1]
            var fd = openat(dir, part, oPath | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0, errno == ENOENT, let owner {
                if mkdirat(dir, part, 0o755) != 0 && errno != EEXIST { throw SyscallError("mkdir", "\(path) in \(root)") }
                fchownat(dir, part, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW)
                fd = openat(dir, part, oPath | O_NOFOLLOW | O_CLOEXEC)
            }
            if fd < 0 {
                if owner == nil && (errno == ENOENT || errno == ENOTDIR) { return pending.isEmpty ? (dir, part) : nil }
                throw SyscallError("open", "\(part) of \(path) in \(root)")
            }
            var st = stat()
            fstat(fd, &st)
            let type = st.st_mode & S_IFMT
            if type == S_IFLNK {
                let target = try readLink(fd)
                close(fd)
                links += 1
                if links > 40 { throw SyscallError("open", "\(path) in \(root)", errno: ELOOP) }
                if target.hasPrefix("/") { popToRoot() }
                pending = components(target) + pending
                continue
            }
            if type == S_IFDIR && (owner != nil || !pending.isEmpty) {
                stack.append(fd)
                continue
            }
            close(fd)
            if owner != nil { throw ContainerSpecError.invalid("Cannot mkdir: \(path) is not a directory") }
            return pending.isEmpty ? (dir, part) : nil // a file in the middle of the path: ENOTDIR
        }
        // The path named a directory (or the root itself): report it as "." of itself.
        return (stack[stack.count - 1], ".")
    }

    private func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }

    private mutating func pop() {
        if stack.count > 1 { close(stack.removeLast()) }
    }

    private mutating func popToRoot() {
        while stack.count > 1 { close(stack.removeLast()) }
    }

    private func readLink(_ fd: Int32) throws -> String {
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let n = buf.withUnsafeMutableBytes { readlinkat(fd, "", $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        if n < 0 { throw SyscallError("readlink", "in \(root)") }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }
}
