import Glibc
import LinuxSys
import DockerAPI
import SupervisorAPI
import ShimAPI

extension ContainerEngine {
    /// `POST /containers/{id}/stop`: the stop signal, then SIGKILL after the timeout.
    public func stop(_ ref: String, timeout: Int?, signal: String?) throws {
        let r = try lookup(ref)
        restarts.cancel(r.ID)
        let status = state.with { () -> String in
            // A start (or a restart) under way finishes first: stopping what it is about to
            // start would otherwise leave it running after a successful stop.
            while starting.contains(r.ID) { _ = state.wait(seconds: 1) }
            guard var cur = records[r.ID] else { return "" }
            cur.HasBeenManuallyStopped = true
            if cur.State.Status == "restarting" { cur.State.Status = "exited"; state.broadcast() }
            records[r.ID] = cur
            persist(cur)
            return cur.State.Status
        }
        guard status == "running" || status == "paused" else {
            throw EngineError(.notModified, "container already stopped")
        }
        let sig = try Signals.parse(signal ?? r.Config.StopSignal ?? "SIGTERM")
        let wait = Double(timeout ?? r.Config.StopTimeout ?? 10)
        if status == "paused" { _ = try? supervisor.callVoid(SupervisorMethod.resume, TaskRef(id: r.ID)) }
        // Docker reports each signal of a stop as a "kill" event. Published before the signal
        // goes out, so it cannot come after the "die" the signal causes.
        if wait != 0 {
            emit("kill", r, extra: ["signal": String(sig)])
            _ = try? supervisor.callVoid(SupervisorMethod.kill, TaskKillParams(id: r.ID, signal: sig))
        }
        if wait < 0 { waitStopped(r.ID, seconds: nil); return }
        if !waitStopped(r.ID, seconds: wait) {
            emit("kill", r, extra: ["signal": String(SIGKILL)])
            _ = try? supervisor.callVoid(SupervisorMethod.kill, TaskKillParams(id: r.ID, signal: SIGKILL, all: true))
            if !waitStopped(r.ID, seconds: 30) {
                throw EngineError.internal("container \(r.ID) did not exit within 30 seconds of SIGKILL")
            }
        }
        emit("stop", r)
    }

    /// Waits until the container is no longer running; false on timeout.
    @discardableResult
    func waitStopped(_ id: String, seconds: Double?) -> Bool {
        let deadline = seconds.map { ChildProcess.monotonicNow() + $0 }
        return state.with {
            while let r = records[id], r.State.isRunning {
                if let deadline {
                    let left = deadline - ChildProcess.monotonicNow()
                    if left <= 0 { return false }
                    _ = state.wait(seconds: left)
                } else {
                    _ = state.wait(seconds: 1)
                }
            }
            return true
        }
    }

    /// `POST /containers/{id}/kill`.
    public func kill(_ ref: String, signal: String?) throws {
        let r = try lookup(ref)
        let sig = try Signals.parse(signal ?? "SIGKILL")
        guard r.State.isRunning else {
            throw EngineError.conflict("Cannot kill container: \(ref): Container \(r.ID) is not running")
        }
        if sig == SIGKILL || sig == SIGTERM || sig == SIGINT {
            restarts.cancel(r.ID)
            update(r.ID) { $0.HasBeenManuallyStopped = true }
        }
        // Before the signal, as in stop(): a SIGKILL's "die" could otherwise overtake it.
        emit("kill", r, extra: ["signal": String(sig)])
        try supervisor.callVoid(SupervisorMethod.kill, TaskKillParams(id: r.ID, signal: sig, all: sig == SIGKILL))
    }

    /// `POST /containers/{id}/restart`.
    public func restart(_ ref: String, timeout: Int?, signal: String?) throws {
        let r = try lookup(ref)
        do { try stop(r.ID, timeout: timeout, signal: signal) } catch let e as EngineError where e.kind == .notModified {}
        try start(r.ID)
        update(r.ID) { $0.HasBeenManuallyStopped = false }
        if let rec = state.with({ records[r.ID] }) { emit("restart", rec) }
    }

    /// `POST /containers/{id}/wait`: registers the waiter now (so a start that follows
    /// cannot slip its exit past it) and returns the call that blocks for the exit code.
    public func wait(_ ref: String, condition: String?) throws -> @Sendable () -> ContainerWaitResponse {
        let r = try lookup(ref)
        let cond = condition.flatMap { $0.isEmpty ? nil : $0 } ?? "not-running"
        guard ["not-running", "next-exit", "removed"].contains(cond) else {
            throw EngineError.invalid("invalid condition: \"\(cond)\"")
        }
        let gen = state.with { exitGeneration[r.ID, default: 0] }
        return { [self] in waitFor(r, cond, gen) }
    }

    private func waitFor(_ r: ContainerRecord, _ cond: String, _ gen: Int) -> ContainerWaitResponse {
        state.with {
            while true {
                let cur = records[r.ID]
                switch cond {
                case "removed":
                    if cur == nil { return ContainerWaitResponse(StatusCode: removedExitCodes[r.ID] ?? r.State.ExitCode) }
                case "next-exit":
                    if exitGeneration[r.ID, default: 0] != gen || cur == nil {
                        return ContainerWaitResponse(StatusCode: cur?.State.ExitCode ?? removedExitCodes[r.ID] ?? 0)
                    }
                default:
                    guard let cur else { return ContainerWaitResponse(StatusCode: removedExitCodes[r.ID] ?? r.State.ExitCode) }
                    if !cur.State.isRunning && cur.State.Status != "restarting" {
                        return ContainerWaitResponse(StatusCode: cur.State.ExitCode)
                    }
                }
                _ = state.wait(seconds: 5)
            }
        }
    }

    /// `POST /containers/{id}/pause` and `unpause`.
    public func pause(_ ref: String, _ pause: Bool) throws {
        let r = try lookup(ref)
        if pause {
            guard r.State.Status == "running" else {
                if r.State.Status == "paused" { throw EngineError.conflict("Container \(r.ID) is already paused") }
                throw EngineError.conflict("Container \(r.ID) is not running")
            }
            try supervisor.callVoid(SupervisorMethod.pause, TaskRef(id: r.ID))
            update(r.ID) { $0.State.Status = "paused" }
            emit("pause", r)
        } else {
            guard r.State.Status == "paused" else { throw EngineError.conflict("Container \(r.ID) is not paused") }
            try supervisor.callVoid(SupervisorMethod.resume, TaskRef(id: r.ID))
            update(r.ID) { $0.State.Status = "running" }
            emit("unpause", r)
        }
    }
}

/// Signal names as docker and kill(1) accept them: "SIGKILL", "KILL", "9".
public enum Signals {
    static let table: [(String, Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP), ("ABRT", SIGABRT),
        ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL), ("USR1", SIGUSR1), ("SEGV", SIGSEGV), ("USR2", SIGUSR2),
        ("PIPE", SIGPIPE), ("ALRM", SIGALRM), ("TERM", SIGTERM), ("STKFLT", SIGSTKFLT), ("CHLD", SIGCHLD),
        ("CONT", SIGCONT), ("STOP", SIGSTOP), ("TSTP", SIGTSTP), ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG),
        ("XCPU", SIGXCPU), ("XFSZ", SIGXFSZ), ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("WINCH", SIGWINCH),
        ("IO", SIGIO), ("PWR", SIGPWR), ("SYS", SIGSYS),
    ]

    public static func parse(_ s: String) throws -> Int32 {
        if let n = Int32(s) {
            guard n > 0, n < 65 else { throw EngineError.invalid("Invalid signal: \(s)") }
            return n
        }
        var name = s.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        if let hit = table.first(where: { $0.0 == name }) { return hit.1 }
        if name.hasPrefix("RTMIN+"), let n = Int32(name.dropFirst(6)) { return 34 + n }
        throw EngineError.invalid("Invalid signal: \(s)")
    }
}
