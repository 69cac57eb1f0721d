import LinuxSys
import Wire
import ShimAPI

/// One task in memory: its record plus what only matters while we run.
/// `cond` guards every mutable field; waiters (Wait, Delete) sleep on it.
final class TaskEntry: @unchecked Sendable {
    enum Phase { case creating, live, deleting }

    let id: String
    let cond = Condition()
    /// Serialises dead-shim cleanup, which the monitor, Delete and recovery can all start.
    let cleanupLock = Lock()
    var record: TaskRecord
    var phase: Phase
    /// Exec'd processes whose exit was published, so it is published once; bounded.
    private(set) var execExits: [String: ExitResult] = [:]
    private var execOrder: [String] = []
    /// The shim subscription while the monitor thread runs.
    var monitorClient: RPCClient?
    var monitorRunning = false
    /// We are shutting the shim down ourselves: its end-of-file is expected.
    var closing = false
    /// Deleted, its shim gone and TaskDelete published.
    var retired = false
    /// Start calls in flight and start events relayed, by process key (`key(execID)`), and
    /// exits the shim sent before the start event of their process: held back so that
    /// subscribers always see a process start before it exits.
    var starting: Set<String> = []
    var startSeen: Set<String> = []
    var heldExits: [String: TaskEvent] = [:]

    static func key(_ execID: String?) -> String { execID.map { "exec:" + $0 } ?? "init" }
    /// The shim is gone and `berth-shim delete` has cleaned up after it.
    var shimGone: Bool {
        get { record.shimGone == true }
        set { record.shimGone = newValue ? true : nil }
    }

    static let maxExecExits = 512

    init(record: TaskRecord, phase: Phase) {
        self.id = record.id
        self.record = record
        self.phase = phase
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        cond.lock(); defer { cond.unlock() }
        return try body()
    }

    /// The shim's socket path, from `unix://PATH`.
    var shimSocket: String? {
        guard let a = record.shimAddress else { return nil }
        return a.hasPrefix("unix://") ? String(a.dropFirst("unix://".count)) : a
    }

    /// Call with `cond` held. False when this exit was already known.
    func noteExecExit(_ execID: String, _ exit: ExitResult) -> Bool {
        guard execExits[execID] == nil else { return false }
        execExits[execID] = exit
        execOrder.append(execID)
        if execOrder.count > TaskEntry.maxExecExits {
            execExits.removeValue(forKey: execOrder.removeFirst())
        }
        return true
    }

    /// Call with `cond` held.
    func forgetExec(_ execID: String) {
        startSeen.remove(TaskEntry.key(execID))
        execExits.removeValue(forKey: execID)
        execOrder.removeAll { $0 == execID }
    }

    /// Sleeps (with `cond` held) until `done` holds or `seconds` pass; returns `done()`.
    func await(seconds: Double, _ done: () -> Bool) -> Bool {
        let deadline = ChildProcess.monotonicNow() + seconds
        while !done() {
            let left = deadline - ChildProcess.monotonicNow()
            if left <= 0 { return false }
            _ = cond.wait(seconds: left)
        }
        return true
    }
}
