import Glibc
import CLinux
import LinuxSys
import OCISpec
import Cgroups

/// Builds the container's filesystem view inside its new mount namespace,
/// before pivot_root. Runs in the container's init process (single-threaded).
struct Rootfs {
    let spec: Spec
    let rootfs: String
    let bundle: String
    let cgroup: CgroupManager
    let userns: Bool

    func prepare() throws {
        // Keep host mount events from leaking in and ours from leaking out.
        let prop = try propagationFlag(spec.linux?.rootfsPropagation) ?? (UInt(MS_SLAVE) | UInt(MS_REC))
        try Mounter.mount("", "/", "", prop)
        try makeParentPrivate()
        try Mounter.mount(rootfs, rootfs, "bind", UInt(MS_BIND) | UInt(MS_REC))
        var devIsBound = false
        for (i, m) in (spec.mounts ?? []).enumerated() {
            do {
                try mountOne(m)
            } catch {
                throw RuntimeError("mounts[\(i)] (\(m.destination)): \(error)")
            }
            if m.destination == "/dev", isBind(m) { devIsBound = true }
        }
        if !devIsBound {
            try Devices.createDefault(rootfs: rootfs, userns: userns)
        }
        try Devices.create(spec.linux?.devices ?? [], rootfs: rootfs, userns: userns)
        if !devIsBound { try Devices.links(rootfs: rootfs) }
    }

    /// pivot_root refuses a new root whose parent mount is shared.
    private func makeParentPrivate() throws {
        var p = rootfs
        while true {
            if berth_mount(nil, p, nil, UInt(MS_PRIVATE), nil) == 0 { return }
            if errno != EINVAL || p == "/" { return }
            p = FileIO.parent(of: p)
        }
    }

    func propagationFlag(_ s: String?) throws -> UInt? {
        guard let s, !s.isEmpty else { return nil }
        guard let f = MountOptions.propagationTable[s] else {
            throw RuntimeError("linux.rootfsPropagation: unknown propagation \"\(s)\"")
        }
        return f
    }

    private func isBind(_ m: Mount) -> Bool {
        m.type == "bind" || (m.options ?? []).contains { $0 == "bind" || $0 == "rbind" }
    }

    func mountOne(_ m: Mount) throws {
        guard m.destination.hasPrefix("/") else {
            throw RuntimeError("destination must be an absolute path")
        }
        var opts = try MountOptions(parsing: m.options ?? [])
        let type = m.type ?? ""
        if type == "bind" && !opts.isBind { opts.flags |= UInt(MS_BIND) }
        let dest = try secureJoin(root: rootfs, m.destination)
        if opts.isBind {
            try bindMount(m, opts, dest)
        } else if type == "cgroup" || type == "cgroup2" {
            try mountCgroup(opts, dest, type: type)
        } else {
            guard !type.isEmpty else { throw RuntimeError("mount type is required for a non-bind mount") }
            try Mounter.makeTarget(dest, file: false)
            let flags = opts.flags & ~UInt(MS_REMOUNT)
            do {
                try Mounter.mount(m.source ?? type, dest, type, flags, opts.dataString)
            } catch let e as SyscallError where type == "sysfs" && (e.errno == EPERM || e.errno == EBUSY) {
                // Without a private network namespace sysfs cannot be mounted: bind the host's, as runc does.
                try Mounter.mount("/sys", dest, "bind", UInt(MS_BIND) | UInt(MS_REC))
                try Mounter.remountBind(dest, flags | UInt(MS_RDONLY))
            } catch let e as SyscallError where type == "mqueue" && e.errno == EPERM {
                try Mounter.mount("/dev/mqueue", dest, "bind", UInt(MS_BIND) | UInt(MS_REC))
            }
        }
        try applyPropagationAndAttrs(opts, dest)
    }

    private func bindMount(_ m: Mount, _ opts: MountOptions, _ dest: String) throws {
        guard var src = m.source, !src.isEmpty else { throw RuntimeError("bind mount needs a source") }
        if !src.hasPrefix("/") { src = bundle + "/" + src }
        var st = stat()
        guard stat(src, &st) == 0 else { throw SyscallError("stat bind source", src) }
        let isDir = (st.st_mode & S_IFMT) == S_IFDIR
        try Mounter.makeTarget(dest, file: !isDir)
        try Mounter.mount(src, dest, "bind", opts.flags & (UInt(MS_BIND) | UInt(MS_REC)))
        let extra = opts.flags & ~(UInt(MS_BIND) | UInt(MS_REC) | UInt(MS_REMOUNT))
        if extra != 0 { try Mounter.remountBind(dest, extra) }
    }

    /// A cgroup mount shows the container its own cgroups, not the host's tree:
    /// the container's directory of each hierarchy bound under a tmpfs (v1), or
    /// its unified directory (v2), as runc and Docker present it.
    private func mountCgroup(_ opts: MountOptions, _ dest: String, type: String) throws {
        let ro = opts.flags & UInt(MS_RDONLY) != 0
        let base = opts.flags & (UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_NOEXEC) | UInt(MS_RELATIME))
        try Mounter.makeTarget(dest, file: false)
        if cgroup.mode == .unified || type == "cgroup2" {
            guard let dir = cgroup.paths[""] else { return }
            try Mounter.mount(dir, dest, "bind", UInt(MS_BIND) | UInt(MS_REC))
            try Mounter.remountBind(dest, base | (ro ? UInt(MS_RDONLY) : 0))
            return
        }
        try Mounter.mount("tmpfs", dest, "tmpfs", base, "mode=755")
        for (mountName, dir) in cgroup.v1Mounts() {
            let target = dest + "/" + mountName
            try Mounter.makeTarget(target, file: false)
            try Mounter.mount(dir, target, "bind", UInt(MS_BIND) | UInt(MS_REC))
            try Mounter.remountBind(target, base | (ro ? UInt(MS_RDONLY) : 0))
            // Co-mounted hierarchies ("cpu,cpuacct") are reachable under each name.
            let parts = mountName.split(separator: ",").map(String.init)
            if parts.count > 1 { for p in parts { symlink(mountName, dest + "/" + p) } }
        }
        if cgroup.mode == .hybrid, let dir = cgroup.paths[""] {
            let target = dest + "/unified"
            try Mounter.makeTarget(target, file: false)
            try Mounter.mount(dir, target, "bind", UInt(MS_BIND) | UInt(MS_REC))
            try Mounter.remountBind(target, base | (ro ? UInt(MS_RDONLY) : 0))
        }
        if ro { try Mounter.remountBind(dest, base | UInt(MS_RDONLY)) }
    }

    private func applyPropagationAndAttrs(_ opts: MountOptions, _ dest: String) throws {
        for p in opts.propagation { try Mounter.mount("", dest, "", p) }
        if opts.recursiveReadOnly {
            if berth_mount_setattr_recursive_ro(AT_FDCWD, dest) != 0 {
                throw SyscallError("mount_setattr rro", dest)
            }
        }
    }
}
