import Glibc
import LinuxSys
import DockerAPI
import SupervisorAPI
import ShimAPI

/// Docker's health checks: the test runs as an exec in the container every Interval
/// (30 s by default) after StartPeriod, at most Timeout (30 s) each; Retries (3)
/// consecutive failures make it unhealthy; the last five results stay in inspect.
extension ContainerEngine {
    func startHealthMonitor(_ r: ContainerRecord) {
        guard let hc = r.Config.Healthcheck, let test = hc.Test, !test.isEmpty, test[0] != "NONE" else { return }
        let token = Identifiers.random()
        let fresh = state.with { () -> Bool in
            if healthMonitors[r.ID] != nil { return false }
            healthMonitors[r.ID] = token
            return true
        }
        guard fresh else { return }
        let interval = Double(hc.Interval ?? 0) / 1e9
        let startInterval = Double(hc.StartInterval ?? 0) / 1e9
        let timeout = Double(hc.Timeout ?? 0) / 1e9
        let startPeriod = Double(hc.StartPeriod ?? 0) / 1e9
        let retries = (hc.Retries ?? 0) > 0 ? hc.Retries ?? 3 : 3
        let started = ChildProcess.monotonicNow()
        spawnThread { [self] in
            while true {
                let inStart = ChildProcess.monotonicNow() - started < startPeriod
                let wait = inStart && startInterval > 0 ? startInterval : (interval > 0 ? interval : 30)
                let alive = state.with { () -> Bool in
                    let deadline = ChildProcess.monotonicNow() + wait
                    while healthMonitors[r.ID] == token {
                        let left = deadline - ChildProcess.monotonicNow()
                        if left <= 0 { return true }
                        _ = state.wait(seconds: left)
                    }
                    return false
                }
                guard alive else { return }
                let result = runHealthCheck(r.ID, test: test, timeout: timeout > 0 ? timeout : 30)
                let inGrace = ChildProcess.monotonicNow() - started < startPeriod
                var changed: String?
                update(r.ID) { rec in
                    guard rec.State.isRunning, var h = rec.State.Health else { return }
                    h.Log.append(result)
                    if h.Log.count > 5 { h.Log.removeFirst(h.Log.count - 5) }
                    let before = h.Status
                    if result.ExitCode == 0 {
                        h.Status = "healthy"; h.FailingStreak = 0
                    } else if !inGrace {
                        h.FailingStreak += 1
                        if h.FailingStreak >= retries { h.Status = "unhealthy" }
                    }
                    if h.Status != before { changed = h.Status }
                    rec.State.Health = h
                }
                if let changed, let rec = state.with({ records[r.ID] }) { emit("health_status: \(changed)", rec) }
            }
        }
    }

    func stopHealthMonitor(_ id: String) {
        state.with { healthMonitors[id] = nil; state.broadcast() }
    }

    /// One check, as an exec whose output is kept (4 KiB at most, as Docker keeps).
    func runHealthCheck(_ id: String, test: [String], timeout: Double) -> HealthcheckResult {
        let start = WallTime.now().rfc3339Nano
        let cmd: [String]
        switch test[0] {
        case "CMD": cmd = Array(test.dropFirst())
        case "CMD-SHELL": cmd = ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")]
        default: cmd = test
        }
        let captured = CapturedOutput()
        var config = ExecConfig()
        config.Cmd = cmd
        config.AttachStdout = true
        config.AttachStderr = true
        do {
            let execID = Identifiers.random()
            guard let r = state.with({ records[id] }) else { throw EngineError.noSuchContainer(id) }
            state.with { execs[execID] = ExecRecord(id: execID, containerID: id, config: config, started: true) }
            defer { state.with { _ = execs.removeValue(forKey: execID) } }
            let process = try execProcess(r, config)
            try supervisor.callVoid(SupervisorMethod.exec, TaskExecParams(id: id, execID: execID, process: process, stdin: false))
            let session = AttachSession(multiplexed: false, stdout: true, stderr: true) { captured.append($0) }
            let info = try supervisor.call(SupervisorMethod.get, TaskRef(id: id), TaskInfo.self)
            session.connect(shimAddress: info.shimAddress, execID: execID)
            let pid = try supervisor.call(SupervisorMethod.start, TaskRef(id: id, execID: execID), PidResult.self)
            markExecStarted(execID, pid: Int(pid.pid))
            guard let code = waitExec(execID, seconds: timeout) else {
                _ = try? supervisor.callVoid(SupervisorMethod.kill, TaskKillParams(id: id, execID: execID, signal: SIGKILL))
                return HealthcheckResult(Start: start, End: WallTime.now().rfc3339Nano, ExitCode: -1,
                                         Output: "Health check exceeded timeout (\(Durations.go(timeout)))")
            }
            session.waitDone()
            return HealthcheckResult(Start: start, End: WallTime.now().rfc3339Nano, ExitCode: code, Output: captured.text)
        } catch {
            return HealthcheckResult(Start: start, End: WallTime.now().rfc3339Nano, ExitCode: -1, Output: "\(error)")
        }
    }
}

final class CapturedOutput: @unchecked Sendable {
    private let lock = Lock()
    private var bytes: [UInt8] = []
    func append(_ b: [UInt8]) {
        lock.with { if bytes.count < 4096 { bytes += b.prefix(4096 - bytes.count) } }
    }
    var text: String { lock.with { String(decoding: bytes, as: UTF8.self) } }
}

extension Durations {
    /// Go's Duration.String for whole and fractional seconds: "30s", "1.5s".
    static func go(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }
}
