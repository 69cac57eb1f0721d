import CLinux
import Glibc
import LinuxSys

/// *at-style helpers on raw names ([UInt8] without the NUL): file names are bytes, and a
/// tree walk must reopen exactly the name it read.
enum FS {
    static func withCName<R>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var z = name
        z.append(0)
        return try z.withUnsafeBufferPointer { p in
            try p.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// lstat relative to a directory; nil if the name does not exist.
    static func lstatAt(_ dirfd: Int32, _ name: [UInt8], what: @autoclosure () -> String) throws -> stat? {
        var st = stat()
        let r = withCName(name) { fstatat(dirfd, $0, &st, AT_SYMLINK_NOFOLLOW) }
        if r == 0 { return st }
        if errno == ENOENT { return nil }
        throw SyscallError("lstat", what())
    }

    static func fstatFD(_ fd: Int32, what: @autoclosure () -> String) throws -> stat {
        var st = stat()
        try sys("fstat", what()) { fstat(fd, &st) }
        return st
    }

    /// Names in an open directory (not "." and ".."), sorted bytewise; the fd stays open.
    static func listDirectory(_ fd: Int32, what: @autoclosure () -> String) throws -> [[UInt8]] {
        let dupfd = try sys("dup", what()) { fcntl(fd, F_DUPFD_CLOEXEC, 0) }
        guard let dir = fdopendir(dupfd) else {
            let e = errno
            close(dupfd)
            throw SyscallError("opendir", what(), errno: e)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let ent = readdir(dir) else {
                if errno != 0 { throw SyscallError("readdir", what()) }
                break
            }
            let name: [UInt8] = withUnsafePointer(to: &ent.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) { p in
                    Array(UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))))
                }
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        return names
    }

    /// Removes `name` in `dirfd`, a whole tree if it is a directory, never following symlinks.
    static func removeAll(_ dirfd: Int32, _ name: [UInt8], what: String) throws {
        if withCName(name, { unlinkat(dirfd, $0, 0) }) == 0 { return }
        let e = errno
        if e == ENOENT { return }
        guard e == EISDIR else { throw SyscallError("unlink", what, errno: e) }
        let fd = try sys("open", what) {
            withCName(name) { openat(dirfd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        }
        do {
            for child in try listDirectory(fd, what: what) {
                try removeAll(fd, child, what: what + "/" + String(decoding: child, as: UTF8.self))
            }
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        try sys("rmdir", what) { withCName(name) { unlinkat(dirfd, $0, AT_REMOVEDIR) } }
    }

    static func major(_ dev: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
    }

    static func minor(_ dev: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
    }

    static func makedev(_ major: UInt32, _ minor: UInt32) -> UInt64 {
        let ma = UInt64(major), mi = UInt64(minor)
        return ((ma & 0xfff) << 8) | ((ma & ~UInt64(0xfff)) << 32) | (mi & 0xff) | ((mi & ~UInt64(0xff)) << 12)
    }

    static func kind(of mode: mode_t) -> TarEntry.Kind? {
        switch mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFCHR: return .charDevice
        case S_IFBLK: return .blockDevice
        case S_IFIFO: return .fifo
        default: return nil // sockets cannot be archived
        }
    }

    /// "/proc/self/fd/N/name": a path to `name` in a pinned directory, for the calls that
    /// have no *at form (lgetxattr, lsetxattr). Only the directory goes through the magic link.
    static func procPath(_ dirfd: Int32, _ name: [UInt8]) -> [UInt8] {
        Array("/proc/self/fd/\(dirfd)/".utf8) + name
    }
}
