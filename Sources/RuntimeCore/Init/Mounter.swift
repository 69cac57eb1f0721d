import Glibc
import CLinux
import LinuxSys
import OCISpec

/// mount(2) with errors that carry op, source, target, type and flags.
enum Mounter {
    static func mount(_ source: String, _ target: String, _ type: String, _ flags: UInt, _ data: String = "") throws {
        let r = berth_mount(source, target, type.isEmpty ? nil : type, flags, data.isEmpty ? nil : data)
        if r != 0 {
            let e = errno
            var d = "\(source.isEmpty ? "none" : source) to \(target)"
            if !type.isEmpty { d += " (type \(type)" + (data.isEmpty ? "" : ", options \(data)") + ")" }
            d += " flags 0x" + String(flags, radix: 16)
            throw SyscallError("mount", d, errno: e)
        }
    }

    /// mount(2) flags the kernel reports on an existing mount; a bind remount must
    /// keep the locked ones (nosuid, nodev, noexec, atime) or it fails in a user namespace.
    static func lockedFlags(_ path: String) -> UInt {
        berth_mount_flags_of(path) & ~UInt(MS_RDONLY)
    }

    static func remountBind(_ target: String, _ flags: UInt) throws {
        let base = UInt(MS_BIND) | UInt(MS_REMOUNT)
        let want = flags & ~(UInt(MS_BIND) | UInt(MS_REC) | UInt(MS_REMOUNT))
        do {
            try mount("", target, "", base | want)
        } catch let e as SyscallError where e.errno == EPERM {
            try mount("", target, "", base | want | lockedFlags(target))
        }
    }

    /// Creates the mount point: a directory, or an empty file when binding a file.
    static func makeTarget(_ path: String, file: Bool) throws {
        if file {
            try FileIO.mkdirAll(FileIO.parent(of: path))
            var st = stat()
            if stat(path, &st) == 0 { return }
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            if fd < 0 { throw SyscallError("create mount point", path) }
            close(fd)
        } else {
            try FileIO.mkdirAll(path)
        }
    }
}
