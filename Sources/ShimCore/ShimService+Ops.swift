import Glibc
import Cgroups
import LinuxSys
import OCISpec
import ShimAPI
import Wire

extension ShimService {
    // MARK: state, kill

    public func state(_ ref: ProcessRef) throws -> ProcessState {
        let (c, p) = try process(ref.execID)
        return state.with {
            ProcessState(id: id, execID: p.execID, pid: p.pid, status: p.status.wire, exitStatus: p.exit?.exitStatus,
                         exitedAt: p.exit?.exitedAt, bundle: c.params.bundle, terminal: p.terminal)
        }
    }

    public func kill(_ params: KillParams) throws {
        guard params.signal > 0 && params.signal <= 64 else {
            throw WireError.invalid("params.signal: \(params.signal) is not a signal number (1-64)")
        }
        let (c, p) = try process(params.execID)
        let (status, pid) = state.with { (p.status, p.pid) }
        if status == .creating || (p.execID != nil && status == .created) {
            throw WireError.precondition("\(p.name(id)) has not been started")
        }
        if status == .stopped && params.all != true {
            throw WireError.notFound("\(p.name(id)) has already exited")
        }
        if p.execID != nil {
            if Glibc.kill(pid, params.signal) != 0 {
                if errno == ESRCH { throw WireError.notFound("\(p.name(id)) has already exited") }
                throw WireError.internal("kill \(pid) with signal \(params.signal): \(Errno.describe(errno))")
            }
            return
        }
        var args = ["kill"]
        if params.all == true { args.append("--all") }
        args += [id, String(params.signal)]
        do {
            try c.runtime.run(args)
        } catch {
            if state.with({ p.status }) == .stopped { throw WireError.notFound("task \(id) has already exited") }
            throw Self.wire(error)
        }
        // A frozen process cannot act on SIGKILL (cgroup v1 freezer) until it is thawed.
        if status == .paused && params.signal == SIGKILL { _ = try? c.runtime.run(["resume", id]) }
    }

    // MARK: exec

    public func exec(_ params: ExecParams) throws {
        do { try ShimOptions.validate(id: params.execID) } catch {
            throw WireError.invalid("params.execID: \(error)")
        }
        let c = try current()
        let terminal = params.process.terminal ?? false
        let check: () throws -> Void = { [self] in
            guard c.initProcess.status == .running else {
                throw WireError.precondition("task \(id) is \(c.initProcess.status.wire); exec needs a running task")
            }
            if c.execs[params.execID] != nil { throw WireError.exists("exec \(params.execID) already exists in task \(id)") }
        }
        try state.with(check)
        let p: ShimProcess
        do {
            // Its stdio is made now, so a client can attach before Start and see all the output.
            let io = try ProcessIO(execID: params.execID, terminal: terminal, stdin: params.stdin ?? false,
                                   consolePath: nextConsolePath(), log: nil)
            p = ShimProcess(execID: params.execID, terminal: terminal, stdin: params.stdin ?? false, status: .created, io: io)
        } catch {
            throw WireError.internal("prepare the stdio of exec \(params.execID): \(error)")
        }
        do {
            try state.with {
                try check()
                c.execs[params.execID] = p
            }
        } catch {
            p.io.closeAll()
            throw error
        }
        do {
            try FileIO.writeAtomic(paths.execSpec(params.execID), WireJSON.encode(params.process), mode: 0o600, durable: false)
        } catch {
            state.with { _ = c.execs.removeValue(forKey: params.execID) }
            p.io.closeAll()
            throw WireError.internal("write \(paths.execSpec(params.execID)): \(error)")
        }
    }

    // MARK: stdio

    private func io(_ execID: String?) throws -> (ShimProcess, ProcessIO) {
        let (_, p) = try process(execID)
        return (p, p.io)
    }

    public func resize(_ params: ResizeParams) throws {
        try io(params.execID).1.resize(width: params.width, height: params.height)
    }

    public func closeStdin(_ ref: ProcessRef) throws {
        try io(ref.execID).1.closeStdin()
    }

    public func attach(_ params: AttachParams, connection: ServerConnection) throws {
        try io(params.execID).1.attach(connection, stdout: params.stdout ?? true, stderr: params.stderr ?? true)
    }

    /// A connection went away: it is attached to nothing any more.
    public func detach(_ connection: ServerConnection) {
        guard let c = state.with({ container }) else { return }
        let all = state.with { [c.initProcess] + Array(c.execs.values) }
        for p in all { p.io.detach(connection) }
    }

    public func writeStdin(_ params: WriteStdinParams) throws {
        guard let data = Base64.decode(params.data) else { throw WireError.invalid("params.data: not valid base64") }
        let (p, io) = try io(params.execID)
        guard p.wantsStdin || p.terminal else {
            throw WireError.precondition("\(p.name(id)) was created without stdin")
        }
        try io.writeStdin(data)
    }

    // MARK: pause, resume, update

    public func pause() throws { try freeze(pause: true) }
    public func resume() throws { try freeze(pause: false) }

    private func freeze(pause: Bool) throws {
        let c = try current()
        let p = c.initProcess
        p.operation.lock()
        defer { p.operation.unlock() }
        let status = state.with { p.status }
        guard status == (pause ? .running : .paused) else {
            throw WireError.precondition("task \(id) is \(status.wire); only a \(pause ? "running" : "paused") task can be \(pause ? "paused" : "resumed")")
        }
        do { try c.runtime.run([pause ? "pause" : "resume", id]) } catch { throw Self.wire(error) }
        state.with { if p.status == status { p.status = pause ? .paused : .running } }
        publish(pause ? ShimEvent.taskPaused : ShimEvent.taskResumed, TaskEvent(id: id, pid: p.pid))
    }

    public func update(_ params: UpdateParams) throws {
        let c = try current()
        let status = state.with { c.initProcess.status }
        guard status != .stopped && status != .creating else {
            throw WireError.precondition("task \(id) is \(status.wire); cannot update its resources")
        }
        let json: [UInt8]
        do { json = try WireJSON.encode(params.resources) } catch { throw WireError.invalid("params.resources: \(error)") }
        do { try c.runtime.run(["update", "-r", "-", id], input: json) } catch { throw Self.wire(error) }
    }

    // MARK: cgroup

    private func cgroup(_ c: Container) throws -> CgroupManager {
        let (cached, pid, status) = state.with { (c.cgroup, c.initProcess.pid, c.initProcess.status) }
        if let cached { return cached }
        guard pid > 0, status != .stopped, let found = cgroupOf(pid: pid, id: id) else {
            throw WireError.precondition("task \(id) has no cgroup to read (\(status.wire))")
        }
        state.with { c.cgroup = found }
        return found
    }

    public func stats() throws -> StatsResult {
        let cg = try cgroup(try current())
        do { return try cg.stats() } catch {
            throw WireError.internal("read the cgroup statistics of task \(id): \(error)")
        }
    }

    public func pids() throws -> PidsResult {
        let c = try current()
        guard let cg = try? cgroup(c) else { return PidsResult(pids: []) }
        do { return PidsResult(pids: try cg.pids().sorted()) } catch {
            throw WireError.internal("list the processes of task \(id): \(error)")
        }
    }

    /// Polls the cgroup's OOM-kill counter while the task lives (cgroup v1 has no inotify-able
    /// event file, and one read every 250 ms is cheaper than an eventfd per controller).
    func startOOMWatch(_ c: Container) {
        guard let cg = state.with({ c.cgroup }) else { return }
        let initial = cg.oomKillCount()
        state.with { c.oomKills = initial }
        spawnThread { [self] in
            while true {
                usleep(250_000)
                let alive = state.with { !c.deleted && c.initProcess.status != .stopped }
                if !alive { return }
                checkOOM(c)
            }
        }
    }

    func checkOOM(_ c: Container) {
        guard let cg = state.with({ c.cgroup }) else { return }
        oomCheck.lock()
        defer { oomCheck.unlock() }
        let count = cg.oomKillCount()
        let fire = state.with {
            guard count > c.oomKills else { return false }
            c.oomKills = count
            return true
        }
        if fire {
            log.debug("task \(id): OOM kill count is now \(count)")
            publish(ShimEvent.taskOOM, TaskEvent(id: id, reason: "oom-kill"))
        }
    }
}
