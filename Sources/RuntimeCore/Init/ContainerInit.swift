import Glibc
import CLinux
import LinuxSys
import OCISpec
import Cgroups

/// What the container's init process needs; built by `create` before forking.
struct InitContext {
    let id: String
    let spec: Spec
    let bundle: String
    let rootfs: String
    let namespaces: NamespacePlan
    let process: ProcessPlan
    let cgroup: CgroupManager
    let consoleSocket: Int32      // -1 without a terminal
    let listenFd: Int32           // the start socket `start` connects to
    let preserveFds: Int
    let noPivot: Bool
    let hooksState: (Int32, OCISpec.ContainerStatus) -> [UInt8] // state JSON for createContainer/startContainer hooks, given the init's host pid
}

/// The container's init (pid 1 in a new pid namespace): a fork of the runtime,
/// single-threaded, so it may run Swift code. It reports failures to the parent
/// over `sync` and exits; on success it waits for `start` and execs.
enum ContainerInit {
    nonisolated(unsafe) static var hostPid: Int32 = 0

    static func run(_ ctx: InitContext, sync: SyncChannel, awaitUserNS: Bool) -> Never {
        do {
            if awaitUserNS {
                // Cloned straight into a new user namespace: wait for our id maps, then become its root.
                try sync.expect("userns-ok")
                try sys("setresgid", "0 in the new user namespace") { berth_setresgid(0, 0, 0) }
                try sys("setresuid", "0 in the new user namespace") { berth_setresuid(0, 0, 0) }
            }
            guard let go = try sync.receive(), go.hasPrefix("go "), let pid = Int32(go.dropFirst(3)) else { _exit(1) }
            hostPid = pid
            let exePath = try prepare(ctx, sync: sync)
            try sync.send("ready")
            sync.close()
            waitForStartAndExec(ctx, exePath: exePath)
        } catch {
            try? sync.send("error \(error)")
            _exit(1)
        }
    }

    private static func prepare(_ ctx: InitContext, sync: SyncChannel) throws -> String {
        _ = setsid()
        let hasMountNS = ctx.namespaces.has(.mount)
        if hasMountNS {
            try Rootfs(spec: ctx.spec, rootfs: ctx.rootfs, bundle: ctx.bundle, cgroup: ctx.cgroup,
                       userns: ctx.namespaces.has(.user)).prepare()
        }
        try sync.send("hooks")
        // The parent answers once we sit in our cgroups: only now does a new cgroup
        // namespace get the container's cgroup as its root.
        try sync.expect("hooks-ok")
        if ctx.namespaces.new.contains(.cgroup) {
            try sys("unshare", "CLONE_NEWCGROUP") { berth_unshare(NamespaceKind.cgroup.cloneFlag) }
        }
        if let hooks = ctx.spec.hooks?.createContainer {
            try HookRunner.run(hooks, phase: "createContainer", state: ctx.hooksState(hostPid, .creating))
        }
        if hasMountNS {
            try PivotRoot.enter(ctx.rootfs, noPivot: ctx.noPivot)
        } else if ctx.rootfs != "/" {
            throw RuntimeError("a container without a mount namespace cannot have its own root; add {\"type\": \"mount\"} to linux.namespaces")
        }
        try applySysctls(ctx.spec.linux?.sysctl ?? [:])
        try applyNames(ctx)
        if hasMountNS {
            for p in ctx.spec.linux?.maskedPaths ?? [] { try PivotRoot.mask(p) }
            for p in ctx.spec.linux?.readonlyPaths ?? [] { try PivotRoot.readOnly(p) }
        }
        if ctx.consoleSocket >= 0 {
            try Console.setup(socket: ctx.consoleSocket, size: ctx.spec.process?.consoleSize, bindConsole: hasMountNS)
        }
        if hasMountNS, ctx.spec.root?.readonly == true {
            try Mounter.remountBind("/", UInt(MS_RDONLY))
        }
        if let p = ctx.spec.linux?.personality { try Personality.apply(p) }
        if chdir(ctx.process.process.cwd) != 0 {
            throw SyscallError("chdir", "to cwd (\"\(ctx.process.process.cwd)\") set in config.json")
        }
        return try Finalize.lookPath(ctx.process.args[0], env: ctx.process.env)
    }

    private static func applySysctls(_ sysctls: [String: String]) throws {
        for (k, v) in sysctls.sorted(by: { $0.key < $1.key }) {
            // A byte scan for "..": String.contains(String) would link in _StringProcessing.
            guard !zip(k.utf8, k.utf8.dropFirst()).contains(where: { $0 == 0x2E && $1 == 0x2E }) && !k.hasPrefix("/") else {
                throw RuntimeError("linux.sysctl: invalid name \"\(k)\"")
            }
            let path = "/proc/sys/" + k.replacingOccurrences(".", with: "/")
            do { try FileIO.writeExisting(path, v) } catch {
                throw RuntimeError("linux.sysctl \"\(k)\" = \"\(v)\": \(error)")
            }
        }
    }

    private static func applyNames(_ ctx: InitContext) throws {
        if let h = ctx.spec.hostname, !h.isEmpty {
            guard ctx.namespaces.has(.uts) else {
                throw RuntimeError("hostname is set but the container has no UTS namespace; add {\"type\": \"uts\"} to linux.namespaces")
            }
            try sys("sethostname", h) { berth_sethostname(h, h.utf8.count) }
        }
        if let d = ctx.spec.domainname, !d.isEmpty {
            guard ctx.namespaces.has(.uts) else {
                throw RuntimeError("domainname is set but the container has no UTS namespace")
            }
            try sys("setdomainname", d) { berth_setdomainname(d, d.utf8.count) }
        }
    }

    /// Blocks in accept() until `start` connects, then runs startContainer hooks
    /// and execs. An exec failure is written back on the connection; success
    /// closes it (close-on-exec), which `start` reads as end-of-file.
    private static func waitForStartAndExec(_ ctx: InitContext, exePath: String) -> Never {
        var conn: Int32 = -1
        conn = berth_accept_cloexec(ctx.listenFd)
        Glibc.close(ctx.listenFd)
        guard conn >= 0 else { _exit(1) }
        var b: UInt8 = 0
        var n: Int
        repeat { n = read(conn, &b, 1) } while n < 0 && errno == EINTR
        // The connection closed without the go byte: `start` gave up, so do we.
        guard n == 1 else { _exit(1) }
        do {
            if let hooks = ctx.spec.hooks?.startContainer {
                try HookRunner.run(hooks, phase: "startContainer", state: ctx.hooksState(hostPid, .created))
            }
            Timing.mark("init: go received")
            try Finalize.apply(ctx.process, preserveFds: ctx.preserveFds)
            Timing.mark("init: finalized")
        } catch {
            try? FileIO.writeAll(fd: conn, "\(error)")
            _exit(1)
        }
        let e = Finalize.exec(path: exePath, args: ctx.process.args, env: ctx.process.env)
        try? FileIO.writeAll(fd: conn, "exec \(exePath): \(Errno.describe(e))")
        _exit(127)
    }
}

extension String {
    func replacingOccurrences(_ a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}
