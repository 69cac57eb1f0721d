import Glibc
import CLinux
import LinuxSys
import OCISpec
import Cgroups

public struct ExecOptions {
    public var id = ""
    public var processFile: String?
    public var args: [String] = []
    public var tty = false
    public var detach = false
    public var pidFile: String?
    public var consoleSocket: String?
    public var cwd: String?
    public var env: [String] = []
    public var user: String?
    public var additionalGids: [UInt32] = []
    public var caps: [String] = []
    public var noNewPrivs = false
    public var preserveFds = 0
    public var apparmor: String?
    public var processLabel: String?
}

/// `exec`: a new process in a running container's namespaces and cgroup, with
/// the container's security settings unless the process spec overrides them.
enum Exec {
    static func run(_ rt: Runtime, _ o: ExecOptions) throws -> Int32 {
        let r = try rt.store.load(o.id)
        switch r.status(store: rt.store) {
        case .running, .created: break
        case .paused: throw RuntimeError("cannot exec in a paused container")
        default: throw RuntimeError("cannot exec in a stopped container")
        }
        let process = try buildProcess(r, o)
        let plan = try ProcessPlan(process: process, seccomp: r.spec.linux?.seccomp)
        let wantsTTY = process.terminal == true
        var consoleFd: Int32 = -1, ownConsole: Int32 = -1
        if wantsTTY {
            if let path = o.consoleSocket {
                consoleFd = try sys("connect", "console socket \(path)") { berth_unix_connect(path, Int32(SOCK_STREAM.rawValue)) }
            } else if o.detach {
                throw RuntimeError("cannot allocate tty if berth-runtime will detach without setting console socket")
            } else {
                var fds: [Int32] = [-1, -1]
                try sys("socketpair", "console") { berth_socketpair_stream(&fds) }
                consoleFd = fds[1]; ownConsole = fds[0]
            }
        }
        // Open every namespace of the init before forking: after setns(mnt) the host's /proc is gone.
        var nsFds: [(NamespaceKind, Int32)] = []
        defer { for (_, fd) in nsFds { close(fd) } }
        let namespaces = try NamespacePlan(r.spec.linux?.namespaces)
        for kind in NamespaceKind.joinOrder where namespaces.has(kind) {
            let path = "/proc/\(r.initPid)/ns/\(kind.procName)"
            nsFds.append((kind, try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }))
        }
        if !o.detach { _ = berth_set_child_subreaper(1) }
        let pair = try SyncChannel.pair()
        let intermediate = ChildFork.clone()
        if intermediate < 0 { throw SyscallError("fork", "") }
        if intermediate == 0 {
            pair.parent.close()
            if ownConsole >= 0 { close(ownConsole) }
            enterAndFork(nsFds, plan: plan, console: consoleFd, preserveFds: o.preserveFds, sync: pair.child)
        }
        pair.child.close()
        if consoleFd >= 0 { close(consoleFd) }
        defer { pair.parent.close() }
        var st: Int32 = 0
        guard let msg = try pair.parent.receive() else { throw RuntimeError("exec: helper exited unexpectedly") }
        _ = waitpid(intermediate, &st, 0)
        if msg.hasPrefix("error ") { throw RuntimeError(String(msg.dropFirst(6))) }
        guard msg.hasPrefix("pid "), let pid = Int32(msg.dropFirst(4)) else { throw RuntimeError("exec: bad message \(msg)") }
        do {
            try r.cgroup.addProcess(pid)
            try pair.parent.send("go")
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
        // EOF means exec succeeded; a message is the reason it did not.
        if let err = try pair.parent.receive() {
            throw RuntimeError(err.hasPrefix("error ") ? String(err.dropFirst(6)) : err)
        }
        if let p = o.pidFile { try writePidFile(p, pid) }
        if o.detach { return 0 }
        var master: Int32 = -1
        if ownConsole >= 0 {
            var name = [UInt8](repeating: 0, count: 128)
            _ = berth_recv_fd(ownConsole, &master, &name, name.count)
            close(ownConsole)
        }
        return ForegroundWait.wait(pid: pid, master: master)
    }

    static func buildProcess(_ r: ContainerRecord, _ o: ExecOptions) throws -> Process {
        if let file = o.processFile {
            var p = try SpecFile.load(Process.self, from: file)
            if p.cwd.isEmpty { p.cwd = "/" }
            return p
        }
        guard !o.args.isEmpty else { throw RuntimeError("exec: give the command to run, or --process FILE") }
        var p = r.spec.process ?? Process()
        p.args = o.args
        p.terminal = o.tty
        p.consoleSize = nil
        if let c = o.cwd { p.cwd = c }
        p.env = (p.env ?? []) + o.env
        if let u = o.user {
            let parts = u.split(separator: ":", omittingEmptySubsequences: false)
            guard let uid = UInt32(parts[0]), parts.count <= 2 else {
                throw RuntimeError("--user \"\(u)\": want UID[:GID] as numbers")
            }
            p.user.uid = uid
            p.user.gid = parts.count == 2 ? (UInt32(parts[1]) ?? 0) : 0
        }
        if !o.additionalGids.isEmpty { p.user.additionalGids = o.additionalGids }
        if o.noNewPrivs { p.noNewPrivileges = true }
        if let a = o.apparmor { p.apparmorProfile = a }
        if let l = o.processLabel { p.selinuxLabel = l }
        if !o.caps.isEmpty {
            var c = p.capabilities ?? LinuxCapabilities()
            for cap in o.caps {
                for kp in [\LinuxCapabilities.bounding, \.effective, \.permitted, \.ambient] {
                    var l = c[keyPath: kp] ?? []
                    if !l.contains(cap) { l.append(cap) }
                    c[keyPath: kp] = l
                }
            }
            p.capabilities = c
        }
        return p
    }

    private static func enterAndFork(_ nsFds: [(NamespaceKind, Int32)], plan: ProcessPlan, console: Int32,
                                     preserveFds: Int, sync: SyncChannel) -> Never {
        do {
            for (kind, fd) in nsFds {
                try sys("setns", kind.rawValue) { berth_setns(fd, kind.cloneFlag) }
            }
            let pid = ChildFork.clone()
            if pid < 0 { throw SyscallError("fork", "") }
            if pid == 0 { execChild(plan: plan, console: console, preserveFds: preserveFds, sync: sync) }
            try sync.send("pid \(pid)")
            _exit(0)
        } catch {
            try? sync.send("error \(error)")
            _exit(1)
        }
    }

    private static func execChild(plan: ProcessPlan, console: Int32, preserveFds: Int, sync: SyncChannel) -> Never {
        do {
            try sync.expect("go")
            if console >= 0 {
                _ = setsid()
                try Console.setup(socket: console, size: plan.process.consoleSize, bindConsole: false)
            }
            if chdir(plan.process.cwd) != 0 { throw SyscallError("chdir", plan.process.cwd) }
            let path = try Finalize.lookPath(plan.args[0], env: plan.env)
            try Finalize.apply(plan, preserveFds: preserveFds)
            let e = Finalize.exec(path: path, args: plan.args, env: plan.env)
            try? sync.send("error exec \(path): \(Errno.describe(e))")
        } catch {
            try? sync.send("error \(error)")
        }
        _exit(127)
    }
}

/// Waits for a process in the foreground: signals forwarded, terminal relayed
/// in raw mode, and the exit status mapped the shell's way (128+signal).
enum ForegroundWait {
    static func wait(pid: pid_t, master: Int32) -> Int32 {
        var saved = [UInt8](repeating: 0, count: berth_termios_size())
        let raw = master >= 0 && isatty(0) == 1 && berth_tty_make_raw(0, &saved, saved.count) == 0
        var status: Int32 = 0
        _ = berth_proxy_wait(pid, master, &status)
        if raw { _ = berth_tty_restore(0, saved, saved.count) }
        if master >= 0 { close(master) }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
