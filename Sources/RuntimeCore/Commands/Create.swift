import Glibc
import CLinux
import LinuxSys
import OCISpec
import Cgroups

public struct CreateOptions {
    public var id = ""
    public var bundle = "."
    public var pidFile: String?
    public var consoleSocket: String?
    public var noPivot = false
    public var preserveFds = 0
    /// For `run` in the foreground: the console socket is our own socketpair.
    var consoleFd: Int32 = -1
    /// `run` has already read the bundle's config; no need to parse it twice.
    var preloaded: (bundle: String, spec: Spec)?
}

/// `create`: everything up to the user process's exec, which waits for `start`.
enum Create {
    static func run(_ rt: Runtime, _ o: CreateOptions) throws -> ContainerRecord {
        Timing.mark("start")
        let bundle = try o.preloaded?.bundle ?? absolute(o.bundle)
        let spec = try o.preloaded?.spec ?? Spec.load(from: bundle + "/config.json")
        try Validation.check(spec)
        Timing.mark("load config")
        guard let process = spec.process else { throw RuntimeError("config.json: process is required to create a container") }
        let rootPath = spec.root?.path ?? "rootfs"
        let rootfs = try realPath(rootPath.hasPrefix("/") ? rootPath : bundle + "/" + rootPath, what: "root.path (rootfs)")
        guard FileIO.isDirectory(rootfs) else { throw RuntimeError("root.path \(rootfs) is not a directory") }
        let namespaces = try NamespacePlan(spec.linux?.namespaces)
        Timing.mark("plan: rootfs+namespaces")
        let plan = try ProcessPlan(process: process, seccomp: spec.linux?.seccomp)
        Timing.mark("plan: process")
        for w in plan.warnings { rt.log.warn(w) }
        if process.terminal == true && o.consoleSocket == nil && o.consoleFd < 0 {
            throw RuntimeError("process.terminal is true: --console-socket is required to receive the pty master (or use `run` in the foreground)")
        }
        if namespaces.new.contains(.user) && (spec.linux?.uidMappings ?? []).isEmpty {
            throw RuntimeError("linux.uidMappings is required with a new user namespace")
        }
        let cgroup = try CgroupManager(cgroupsPath: spec.linux?.cgroupsPath, containerID: o.id)
        Timing.mark("plan: cgroup layout")
        if spec.linux?.resources?.unified?.isEmpty == false && cgroup.mode != .unified {
            throw RuntimeError("linux.resources.unified requires cgroup v2 (this host runs cgroup \(cgroup.mode.rawValue))")
        }

        Timing.mark("plan")
        try rt.store.claim(o.id)
        var cleanup = Cleanup(store: rt.store, id: o.id, cgroup: cgroup)
        defer { cleanup.run() }
        try cgroup.create()
        cleanup.cgroupCreated = true
        // mkdir first: the primer holds cgroup_mutex while it waits for the grace period.
        // On pure v2 with a direct clone the init is born in its cgroup: no migration to prime,
        // and a primer holding cgroup_mutex would only delay that clone.
        if !(cgroup.mode == .unified && namespaces.join.isEmpty && !namespaces.new.contains(.time)) {
            MigrationPrimer.start()
        }
        if let r = DefaultDeviceRules.effective(spec.linux?.resources) { try cgroup.apply(r) }
        Timing.mark("cgroup create+apply")

        var consoleFd = o.consoleFd
        if let path = o.consoleSocket {
            consoleFd = try sys("connect", "console socket \(path)") { berth_unix_connect(path, Int32(SOCK_STREAM.rawValue)) }
        }
        defer { if consoleFd >= 0 && o.consoleFd < 0 { close(consoleFd) } }
        let listenFd = try sys("listen", rt.store.startSocket(o.id)) {
            berth_unix_listen(shortPath(rt.store.startSocket(o.id)), 1, Int32(SOCK_STREAM.rawValue))
        }
        defer { close(listenFd) }

        var record = ContainerRecord(id: o.id, initPid: 0, initStartTime: 0, bundle: bundle, rootfs: rootfs,
                                     created: WallTime.now().rfc3339Nano, owner: ownerName(), cgroup: cgroup, spec: spec)
        let store = rt.store
        let base = record
        let pair = try SyncChannel.pair()
        let ctx = InitContext(id: o.id, spec: spec, bundle: bundle, rootfs: rootfs, namespaces: namespaces,
                              process: plan, cgroup: cgroup, consoleSocket: consoleFd, listenFd: listenFd,
                              preserveFds: o.preserveFds, noPivot: o.noPivot,
                              hooksState: { pid, status in var r = base; r.initPid = pid; return r.hookState(store: store, status: status) })
        let sync = pair.parent
        defer { sync.close() }
        func initStarted(_ pid: pid_t, inCgroup: Bool = false) throws {
            cleanup.initPid = pid
            record.initPid = pid
            record.initStartTime = berth_proc_start_time(pid)
            Timing.mark("init forked")
            // The init builds its root filesystem while we move it into its cgroups: the
            // move may wait out an RCU grace period (see MigrationPrimer). It waits for
            // "hooks-ok", which we send only after the move, before anything cgroup-bound.
            try sync.send("go \(pid)")
            if !inCgroup { try cgroup.addProcess(pid) }
            Timing.mark("cgroup add")
        }
        // Without namespaces to join or a time namespace (which clone(2) cannot
        // create), one clone makes the init directly: a fork and a round trip saved.
        let direct = namespaces.join.isEmpty && !namespaces.new.contains(.time)
        let userns = namespaces.new.contains(.user)
        if direct {
            var flags = namespaces.unshareFlags
            if userns { flags |= NamespaceKind.user.cloneFlag }
            // On pure cgroup v2 the init is born in its cgroup (clone3 CLONE_INTO_CGROUP).
            var bornInCgroup = false
            var pid: pid_t = -1
            if cgroup.mode == .unified, let dir = cgroup.paths[""] {
                let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if dfd >= 0 {
                    pid = ChildFork.cloneIntoCgroup(UInt(UInt32(bitPattern: flags)), dfd)
                    bornInCgroup = pid >= 0
                    if pid != 0 { close(dfd) }
                }
            }
            if !bornInCgroup { pid = ChildFork.clone(UInt(UInt32(bitPattern: flags))) }
            if pid < 0 { throw SyscallError("clone", "container init with namespace flags 0x" + String(UInt32(bitPattern: flags), radix: 16)) }
            if pid == 0 {
                sync.close()
                ContainerInit.run(ctx, sync: pair.child, awaitUserNS: userns)
            }
            pair.child.close()
            if userns {
                try writeIDMaps(pid: pid, spec.linux)
                try sync.send("userns-ok")
            }
            try initStarted(pid, inCgroup: bornInCgroup)
        } else {
            let intermediate = ChildFork.clone()
            if intermediate < 0 { throw SyscallError("fork", "") }
            if intermediate == 0 {
                sync.close()
                Intermediate.run(namespaces: namespaces, timeOffsets: spec.linux?.timeOffsets, sync: pair.child) { sync in
                    ContainerInit.run(ctx, sync: sync, awaitUserNS: false)
                }
            }
            pair.child.close()
            cleanup.intermediate = intermediate
        }
        Timing.mark("fork")
        var staged: String?
        while let msg = try sync.receive() {
            if msg == "userns" {
                try writeIDMaps(pid: cleanup.intermediate, spec.linux)
                try sync.send("userns-ok")
            } else if msg.hasPrefix("pid ") {
                guard let pid = Int32(msg.dropFirst(4)) else { throw RuntimeError("bad pid message \(msg)") }
                var st: Int32 = 0
                _ = waitpid(cleanup.intermediate, &st, 0)
                cleanup.intermediate = 0
                try initStarted(pid)
            } else if msg == "hooks" {
                Timing.mark("rootfs")
                let state = record.hookState(store: store, status: .creating)
                if let h = spec.hooks?.prestart { try HookRunner.run(h, phase: "prestart", state: state) }
                if let h = spec.hooks?.createRuntime { try HookRunner.run(h, phase: "createRuntime", state: state) }
                try sync.send("hooks-ok")
                // The record is complete: write it while the init pivots and execs.
                staged = try store.stage(record)
                Timing.mark("state staged")
            } else if msg == "ready" {
                Timing.mark("init ready")
                if let staged { try store.publish(staged: staged, id: o.id) } else { try store.save(record) }
                if let p = o.pidFile { try writePidFile(p, record.initPid) }
                cleanup.disarm()
                return record
            } else if msg.hasPrefix("error ") {
                throw RuntimeError(String(msg.dropFirst(6)))
            } else {
                throw RuntimeError("unexpected message from container init: \(msg)")
            }
        }
        throw RuntimeError("container init exited before the container was created")
    }

    static func writeIDMaps(pid: pid_t, _ linux: Linux?) throws {
        func render(_ m: [LinuxIDMapping]?) -> String {
            (m ?? []).map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        }
        try FileIO.writeExisting("/proc/\(pid)/uid_map", render(linux?.uidMappings))
        if let g = linux?.gidMappings, !g.isEmpty {
            try FileIO.writeExisting("/proc/\(pid)/gid_map", render(g))
        }
    }
}

/// Undoes a failed create: no state dir, cgroup, or process may be left behind.
struct Cleanup {
    let store: StateStore
    let id: String
    let cgroup: CgroupManager
    var intermediate: pid_t = 0
    var initPid: pid_t = 0
    var cgroupCreated = false
    private var armed = true

    init(store: StateStore, id: String, cgroup: CgroupManager) {
        self.store = store; self.id = id; self.cgroup = cgroup
    }

    mutating func disarm() { armed = false }

    func run() {
        guard armed else { return }
        var st: Int32 = 0
        if intermediate > 0 { kill(intermediate, SIGKILL); _ = waitpid(intermediate, &st, 0) }
        if initPid > 0 {
            kill(initPid, SIGKILL)
            Wait.forExit(pid: initPid, timeout: 5)
        }
        if cgroupCreated {
            try? cgroup.killAll(signal: SIGKILL)
            try? cgroup.destroy()
        }
        store.remove(id)
    }
}

func absolute(_ path: String) throws -> String {
    if path.hasPrefix("/") { return try realPath(path, what: "bundle") }
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
    guard getcwd(&buf, buf.count) != nil else { throw SyscallError("getcwd", "") }
    return try realPath(String(cString: buf) + "/" + path, what: "bundle")
}

func realPath(_ path: String, what: String) throws -> String {
    guard let r = realpath(path, nil) else { throw SyscallError("\(what)", path) }
    defer { free(r) }
    return String(cString: r)
}

/// sun_path holds 108 bytes; long state paths go through /proc/self/fd of the directory.
func shortPath(_ path: String) -> String {
    if path.utf8.count < 100 { return path }
    let dir = FileIO.parent(of: path)
    let fd = berth_open_path_dir(dir) // left open for the process's lifetime on purpose: the path refers to it
    return fd < 0 ? path : "/proc/self/fd/\(fd)/" + FileIO.base(of: path)
}

func ownerName() -> String {
    let uid = getuid()
    // Skips NSS (which may talk to nscd or sssd) for the common case.
    if uid == 0 { return "root" }
    if let pw = getpwuid(uid), let n = pw.pointee.pw_name { return String(cString: n) }
    return String(uid)
}

func writePidFile(_ path: String, _ pid: Int32) throws {
    try FileIO.writeAtomic(path, Array(String(pid).utf8), mode: 0o644)
}
