import Glibc
import LinuxSys
import OCISpec
import ShimAPI
import Wire

/// The shim's logic, free of transport: one container, its init and exec'd processes, their
/// stdio and exits. `ShimServer` adapts it to the wire protocol.
public final class ShimService: @unchecked Sendable {
    public let id: String
    public let paths: ShimPaths
    let reaper: Reaper
    let log: ShimLog
    /// Sends a task event to subscribers (set by the server).
    var publish: @Sendable (String, TaskEvent) -> Void = { _, _ in }
    /// Guards `container` and every process's mutable fields; broadcast on each exit.
    let state = Condition()
    /// Held across an OOM count check and its event, so the exit (which checks last) cannot
    /// be published between the poller's check and its TaskOOM.
    let oomCheck = Lock()
    var container: Container?
    private var creating = false
    private var closing = false
    private var consoles = 0

    public init(id: String, paths: ShimPaths, reaper: Reaper, log: ShimLog) {
        self.id = id
        self.paths = paths
        self.reaper = reaper
        self.log = log
    }

    // MARK: lookup

    func current() throws -> Container {
        guard let c = state.with({ container }) else { throw WireError.notFound("task \(id) does not exist in this shim") }
        return c
    }

    func process(_ execID: String?) throws -> (Container, ShimProcess) {
        let c = try current()
        guard let execID else { return (c, c.initProcess) }
        guard let p = state.with({ c.execs[execID] }) else {
            throw WireError.notFound("exec \(execID) does not exist in task \(id)")
        }
        return (c, p)
    }

    // MARK: create

    public func create(_ params: ShimCreateParams) throws -> PidResult {
        guard params.id == id else {
            throw WireError.invalid("params.id: this shim serves task \(id), not \(params.id)")
        }
        guard params.bundle.hasPrefix("/") else { throw WireError.invalid("params.bundle: \(params.bundle) is not an absolute path") }
        guard FileIO.exists(params.bundle + "/config.json") else {
            throw WireError.invalid("params.bundle: \(params.bundle)/config.json: \(Errno.describe(ENOENT))")
        }
        if let maxFiles = params.log?.maxFiles, maxFiles < 1 { throw WireError.invalid("params.log.maxFiles: must be at least 1") }
        let runtimePath = try RuntimeRunner.resolve(params.runtime)
        try state.with {
            if closing { throw WireError.unavailable("the shim is shutting down") }
            if container != nil || creating { throw WireError.exists("task \(id) already exists") }
            creating = true
        }
        defer { state.with { creating = false } }

        let terminal = params.terminal ?? Self.bundleWantsTerminal(params.bundle)
        do {
            try FileIO.mkdirAll(paths.stateDir, mode: 0o711)
            // Atomic, not fsynced: see ExitRecord.
            try FileIO.writeAtomic(paths.taskFile, WireJSON.encode(params), mode: 0o600, durable: false)
        } catch {
            throw WireError.internal("persist \(paths.taskFile): \(error)")
        }
        let runtime = RuntimeRunner(path: runtimePath, root: params.runtimeRoot, logPath: paths.runtimeLog, reaper: reaper)
        var logFile: JSONFileLog?
        let initProcess: ShimProcess
        do {
            if let l = params.log { logFile = try JSONFileLog(path: l.path, maxSize: l.maxSize, maxFiles: l.maxFiles) }
            let io = try ProcessIO(execID: nil, terminal: terminal, stdin: params.stdin ?? false,
                                   consolePath: nextConsolePath(), log: logFile)
            initProcess = ShimProcess(execID: nil, terminal: terminal, stdin: params.stdin ?? false, status: .creating, io: io)
        } catch {
            logFile?.close()
            clearTaskFiles()
            throw WireError.internal("set up the stdio of task \(id): \(error)")
        }
        let c = Container(params: params, runtime: runtime, initProcess: initProcess, log: logFile)
        state.with { container = c }

        var args = ["create", "--bundle", params.bundle, "--pid-file", paths.initPidFile]
        if terminal, let console = initProcess.io.consolePath { args += ["--console-socket", console] }
        args.append(id)
        do {
            let pid = try launch(runtime, args, process: initProcess, pidFile: paths.initPidFile, container: c)
            log.debug("task \(id) created, init pid \(pid)")
            return PidResult(pid: pid)
        } catch {
            // Nothing of a failed create may stay: no half-made container, no record.
            _ = try? runtime.run(["delete", "--force", id])
            initProcess.io.closeAll()
            initProcess.io.waitDrained(seconds: 2)
            logFile?.close()
            state.with { container = nil }
            clearTaskFiles()
            throw Self.wire(error)
        }
    }

    /// Runs a runtime command that makes a process (create, exec), then takes its pid and
    /// watches it. The mark is taken before the command so an exit the reaper collects before
    /// the pid is known is still ours, and an older exit of a recycled pid is not.
    func launch(_ runtime: RuntimeRunner, _ args: [String], process p: ShimProcess, pidFile: String,
                container c: Container) throws -> Int32 {
        let io = p.io
        let mark = reaper.mark()
        do {
            try runtime.run(args, stdio: io.childStdio)
        } catch {
            io.closeChildEnds()
            throw error
        }
        io.closeChildEnds()
        try io.receiveConsole()
        let pid = try readPidFile(pidFile)
        state.with {
            p.pid = pid
            if p.status == .creating { p.status = .created }
        }
        reaper.watch(pid, since: mark) { [self] exit in
            // Off the reaper thread: handling waits for output to drain.
            spawnThread { self.exited(c, p, exit) }
        }
        return pid
    }

    static func bundleWantsTerminal(_ bundle: String) -> Bool {
        struct Config: Decodable {
            struct P: Decodable { var terminal: Bool? }
            var process: P?
        }
        guard let bytes = try? FileIO.read(path: bundle + "/config.json"),
              let config = try? ShimJSON.decode(Config.self, bytes) else { return false }
        return config.process?.terminal ?? false
    }

    // MARK: start

    public func start(_ ref: ProcessRef) throws -> PidResult {
        let (c, p) = try process(ref.execID)
        p.operation.lock()
        defer { p.operation.unlock() }
        let pid = try state.with {
            guard p.status == .created else {
                throw WireError.precondition("\(p.name(id)) is \(p.status.wire); only a created process can be started")
            }
            p.starting = true
            return p.pid
        }
        // A process may exit before Start returns; its exit event waits for the start event.
        defer {
            state.with {
                p.starting = false
                state.broadcast()
            }
        }
        if let execID = ref.execID { return PidResult(pid: try startExec(c, p, execID)) }
        do {
            try c.runtime.run(["start", id])
        } catch {
            throw Self.wire(error)
        }
        state.with {
            if p.status == .created { p.status = .running }
            if c.cgroup == nil { c.cgroup = cgroupOf(pid: pid, id: id) }
        }
        publish(ShimEvent.taskStart, TaskEvent(id: id, pid: pid))
        startOOMWatch(c)
        log.debug("task \(id) started")
        return PidResult(pid: pid)
    }

    private func startExec(_ c: Container, _ p: ShimProcess, _ execID: String) throws -> Int32 {
        let running = state.with { c.initProcess.status == .running }
        guard running else { throw WireError.precondition("task \(id) is not running; cannot start exec \(execID)") }
        do {
            var args = ["exec", "--detach", "--process", paths.execSpec(execID), "--pid-file", paths.execPidFile(execID)]
            if p.terminal, let console = p.io.consolePath { args += ["--console-socket", console] }
            args.append(id)
            let pid = try launch(c.runtime, args, process: p, pidFile: paths.execPidFile(execID), container: c)
            state.with { if p.status == .created { p.status = .running } }
            publish(ShimEvent.execStarted, TaskEvent(id: id, execID: execID, pid: pid))
            return pid
        } catch {
            // A process that could not start is over: waiters get 255, as a failed exec.
            p.io.closeAll()
            let exit = ExitResult(pid: 0, exitStatus: 255, exitedAt: WallTime.now().rfc3339Nano)
            state.with {
                p.status = .stopped
                p.exit = exit
                state.broadcast()
            }
            ExitRecord.write(exit, to: paths.execExitFile(execID))
            throw Self.wire(error)
        }
    }

    // MARK: exits

    /// A watched process was reaped: let its output drain, keep the exit in memory and on disk,
    /// then publish it. The init's exit is published last, after its execs' (they die with it).
    func exited(_ c: Container, _ p: ShimProcess, _ child: ChildExit) {
        p.io.waitDrained(seconds: 2)
        if p.execID == nil {
            var execsRunning: Bool { state.with { c.execs.values.contains { $0.status.isLive || $0.status == .created && $0.pid > 0 } } }
            if execsRunning {
                let pids = state.with { c.execs.values.filter { $0.status.isLive }.map(\.pid) }
                for pid in pids where pid > 0 { Glibc.kill(pid, SIGKILL) }
                var waited = 0
                while execsRunning && waited < 100 { usleep(20_000); waited += 1 }
            }
            checkOOM(c)
            // Execs that were never started cannot start any more: their waiters are released.
            let now = WallTime.now().rfc3339Nano
            state.with {
                for e in c.execs.values where e.exit == nil && e.pid == 0 {
                    e.exit = ExitResult(pid: 0, exitStatus: 255, exitedAt: now)
                    e.status = .stopped
                }
            }
        }
        let exit = ExitResult(pid: child.pid, exitStatus: child.exitStatus, exitedAt: child.time.rfc3339Nano)
        if let execID = p.execID { ExitRecord.write(exit, to: paths.execExitFile(execID)) } else { ExitRecord.write(exit, to: paths.initExitFile) }
        state.with {
            p.exit = exit
            p.status = .stopped
            state.broadcast()
        }
        log.debug("\(p.name(id)) exited with status \(exit.exitStatus)")
        state.with {
            while p.starting { _ = state.wait() }
        }
        publish(ShimEvent.taskExit, TaskEvent(id: id, execID: p.execID, pid: child.pid, exitStatus: exit.exitStatus,
                                              exitedAt: exit.exitedAt))
    }

    /// Blocks until the process has exited, also for callers that come after the exit.
    public func wait(_ ref: ProcessRef) throws -> ExitResult {
        let (_, p) = try process(ref.execID)
        return state.with {
            while p.exit == nil { _ = state.wait() }
            return p.exit ?? ExitResult(pid: p.pid, exitStatus: 255, exitedAt: WallTime.now().rfc3339Nano)
        }
    }

    // MARK: delete

    public func delete(_ ref: ProcessRef) throws -> ExitResult {
        let (c, p) = try process(ref.execID)
        if let execID = ref.execID { return try deleteExec(c, p, execID) }
        p.operation.lock()
        defer { p.operation.unlock() }
        let status = state.with { p.status }
        if status.isLive || status == .creating {
            throw WireError.precondition("task \(id) is \(status.wire); kill it before deleting it")
        }
        do {
            try c.runtime.run(["delete", "--force", id])
        } catch let e as RuntimeFailure where e.isNotExist {
            // Already gone from the runtime: deleting is what was asked.
        } catch {
            throw Self.wire(error)
        }
        // A created init is killed by the runtime's delete; its exit is the result.
        let exit: ExitResult = state.with {
            var waited = 0
            while p.exit == nil && waited < 100 { _ = state.wait(seconds: 0.1); waited += 1 }
            if let e = p.exit { return e }
            // Never reaped (not our child any more?): report it killed, and release waiters.
            let e = ExitResult(pid: p.pid, exitStatus: 137, exitedAt: WallTime.now().rfc3339Nano)
            p.exit = e
            p.status = .stopped
            state.broadcast()
            return e
        }
        let processes: [ShimProcess] = state.with {
            let all = [c.initProcess] + Array(c.execs.values)
            // No waiter may outlive the task.
            for proc in all where proc.exit == nil {
                proc.exit = ExitResult(pid: proc.pid, exitStatus: 137, exitedAt: exit.exitedAt)
                proc.status = .stopped
            }
            state.broadcast()
            return all
        }
        for proc in processes {
            proc.io.closeAll()
            proc.io.waitDrained(seconds: 2)
            reaper.unwatch(proc.pid)
        }
        c.log?.close()
        state.with {
            c.deleted = true
            container = nil
            state.broadcast()
        }
        clearTaskFiles()
        log.debug("task \(id) deleted")
        return exit
    }

    private func deleteExec(_ c: Container, _ p: ShimProcess, _ execID: String) throws -> ExitResult {
        p.operation.lock()
        defer { p.operation.unlock() }
        let exit: ExitResult = try state.with {
            if p.status.isLive { throw WireError.precondition("exec \(execID) of task \(id) is running; kill it before deleting it") }
            c.execs.removeValue(forKey: execID)
            return p.exit ?? ExitResult(pid: p.pid, exitStatus: 0, exitedAt: WallTime.now().rfc3339Nano)
        }
        p.io.closeAll()
        for path in [paths.execSpec(execID), paths.execPidFile(execID), paths.execExitFile(execID)] { unlink(path) }
        return exit
    }

    /// Refused while the task exists: a shim that exits would orphan its container's stdio.
    /// Once accepted, no task can be created any more.
    public func beginShutdown() throws {
        try state.with {
            if creating { throw WireError.precondition("task \(id) is being created") }
            if let c = container {
                let status = c.initProcess.status
                throw WireError.precondition(status == .stopped
                    ? "task \(id) has exited but is not deleted; delete it before shutting the shim down"
                    : "task \(id) is \(status.wire); kill and delete it before shutting the shim down")
            }
            closing = true
        }
    }

    /// A fresh console socket path (short: socket paths are limited to 107 bytes).
    func nextConsolePath() -> String {
        paths.consoleSocket(state.with {
            consoles += 1
            return consoles
        })
    }

    /// Empties the state directory but for the shim's own pid file.
    func clearTaskFiles() {
        for name in (try? FileIO.listDirectory(paths.stateDir)) ?? [] where paths.stateDir + "/" + name != paths.shimPidFile {
            FileIO.removeAll(paths.stateDir + "/" + name)
        }
    }

    /// A runtime failure or system error as the wire reports it.
    static func wire(_ error: any Error) -> WireError {
        switch error {
        case let e as WireError: return e
        case let e as RuntimeFailure: return WireError.internal(e.description)
        default: return WireError.internal("\(error)")
        }
    }
}
