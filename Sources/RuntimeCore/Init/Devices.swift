import Glibc
import CLinux
import LinuxSys
import OCISpec

/// /dev contents every container gets (runtime-spec "Default Devices"), and
/// the config's `linux.devices`.
enum Devices {
    static let defaults: [(name: String, major: UInt32, minor: UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    static func createDefault(rootfs: String, userns: Bool) throws {
        let dev = rootfs + "/dev"
        try FileIO.mkdirAll(dev)
        for d in defaults {
            try node(path: dev + "/" + d.name, type: S_IFCHR, major: d.major, minor: d.minor,
                     mode: 0o666, uid: 0, gid: 0, userns: userns, hostPath: "/dev/" + d.name)
        }
    }

    static func create(_ list: [LinuxDevice], rootfs: String, userns: Bool) throws {
        for (i, d) in list.enumerated() {
            guard d.path.hasPrefix("/dev/") else {
                throw RuntimeError("linux.devices[\(i)].path \"\(d.path)\" must be under /dev")
            }
            let type: mode_t
            switch d.type {
            case "c", "u": type = S_IFCHR
            case "b": type = S_IFBLK
            case "p": type = S_IFIFO
            default: throw RuntimeError("linux.devices[\(i)].type \"\(d.type)\" must be one of c, u, b, p")
            }
            let path = try secureJoin(root: rootfs, d.path)
            try FileIO.mkdirAll(FileIO.parent(of: path))
            try node(path: path, type: type, major: UInt32(truncatingIfNeeded: d.major), minor: UInt32(truncatingIfNeeded: d.minor),
                     mode: mode_t(d.fileMode ?? 0o666), uid: d.uid ?? 0, gid: d.gid ?? 0, userns: userns, hostPath: d.path)
        }
    }

    /// mknod, or in a user namespace (where mknod is refused) a bind mount of the host's node.
    private static func node(path: String, type: mode_t, major: UInt32, minor: UInt32, mode: mode_t,
                             uid: UInt32, gid: UInt32, userns: Bool, hostPath: String) throws {
        unlink(path)
        if userns {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            if fd < 0 { throw SyscallError("create device mount point", path) }
            close(fd)
            try Mounter.mount(hostPath, path, "bind", UInt(MS_BIND))
            return
        }
        let old = umask(0)
        defer { umask(old) }
        if berth_mknod(path, type | (mode & 0o7777), major, minor) != 0 {
            throw SyscallError("mknod", "\(path) \(major):\(minor)")
        }
        if chown(path, uid, gid) != 0 { throw SyscallError("chown", path) }
    }

    static func links(rootfs: String) throws {
        let dev = rootfs + "/dev"
        let links = [("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
                     ("/proc/self/fd/2", "stderr"), ("pts/ptmx", "ptmx")]
        for (target, name) in links {
            let p = dev + "/" + name
            if name == "ptmx" { unlink(p) }
            if symlink(target, p) != 0 && errno != EEXIST { throw SyscallError("symlink", "\(target) \(p)") }
        }
        if FileIO.exists("/proc/kcore") { _ = symlink("/proc/kcore", dev + "/core") }
    }
}
