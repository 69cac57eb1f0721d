import Glibc
import CLinux
import LinuxSys
import OCISpec

enum PivotRoot {
    /// pivot_root(".", ".") with the old root stacked under the new one, then
    /// detached: no directory to create and no path to the host left behind.
    static func enter(_ rootfs: String, noPivot: Bool) throws {
        if noPivot {
            try sys("chdir", rootfs) { chdir(rootfs) }
            try Mounter.mount(rootfs, "/", "", UInt(MS_MOVE))
            try sys("chroot", rootfs) { chroot(".") }
            try sys("chdir", "/") { chdir("/") }
            return
        }
        let oldRoot = try sys("open", "/") { open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC) }
        defer { close(oldRoot) }
        let newRoot = try sys("open", rootfs) { open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC) }
        defer { close(newRoot) }
        try sys("fchdir", rootfs) { fchdir(newRoot) }
        try sys("pivot_root", rootfs) { berth_pivot_root(".", ".") }
        try sys("fchdir", "old root") { fchdir(oldRoot) }
        // Our propagation changes must not reach the host's mounts through the old root.
        try Mounter.mount("", ".", "", UInt(MS_SLAVE) | UInt(MS_REC))
        try sys("umount2", "old root") { berth_umount2(".", Int32(MNT_DETACH)) }
        try sys("chdir", "/") { chdir("/") }
    }

    /// Masks a path: an empty read-only tmpfs over a directory, /dev/null over a file.
    static func mask(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            try Mounter.mount("tmpfs", path, "tmpfs", UInt(MS_RDONLY), "size=0k")
        } else {
            do {
                try Mounter.mount("/dev/null", path, "bind", UInt(MS_BIND))
            } catch let e as SyscallError where e.errno == ENOENT {
                return
            }
        }
    }

    static func readOnly(_ path: String) throws {
        guard FileIO.exists(path) else { return }
        try Mounter.mount(path, path, "bind", UInt(MS_BIND) | UInt(MS_REC))
        try Mounter.remountBind(path, UInt(MS_RDONLY) | UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_NOEXEC))
    }
}

enum Personality {
    static func apply(_ p: LinuxPersonality) throws {
        var persona: UInt
        switch p.domain {
        case "LINUX": persona = 0
        case "LINUX32": persona = 0x0008
        default: throw RuntimeError("linux.personality.domain \"\(p.domain)\" must be LINUX or LINUX32")
        }
        for f in p.flags ?? [] {
            throw RuntimeError("linux.personality.flags: \"\(f)\" is not supported")
        }
        try sys("personality", p.domain) { berth_personality(persona) }
    }
}

enum Console {
    /// Opens a pty in the container's devpts, makes it the controlling terminal
    /// and stdio, and hands the master to whoever listens on the console socket.
    static func setup(socket: Int32, size: Box?, bindConsole: Bool) throws {
        var slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 64)
        let master = berth_openpty("/dev/ptmx", &slave, &name, name.count)
        if master < 0 { throw SyscallError("open pty", "/dev/ptmx") }
        let ptsName = String(cString: name)
        if let size {
            _ = berth_tty_set_winsize(master, UInt16(clamping: size.height), UInt16(clamping: size.width))
        }
        if bindConsole, FileIO.exists("/dev"), !ptsName.isEmpty {
            try Mounter.makeTarget("/dev/console", file: true)
            try Mounter.mount(ptsName, "/dev/console", "bind", UInt(MS_BIND))
        }
        try sys("sendmsg", "console master to the console socket") {
            ptsName.withCString { berth_send_fd(socket, master, $0, strlen($0)) }
        }
        close(master)
        close(socket)
        for fd in Int32(0)...2 { try sys("dup2", "pty to fd \(fd)") { dup2(slave, fd) } }
        if slave > 2 { close(slave) }
        try sys("ioctl TIOCSCTTY", ptsName) { berth_tty_set_ctty(0) }
    }
}
