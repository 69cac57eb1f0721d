import LinuxSys
import DockerAPI

/// Docker's restart policies and back-off: the delay starts at 100 ms and doubles after
/// each restart, reset once a run lasted at least 10 seconds; on-failure counts retries.
final class RestartManager: @unchecked Sendable {
    private let lock = Lock()
    private var delays: [String: Double] = [:]
    /// Containers whose pending restart was cancelled (stop, rm, kill by the user).
    private var cancelled: Set<String> = []

    static func validate(_ p: RestartPolicy?, autoRemove: Bool) throws {
        let name = p?.Name ?? ""
        switch name {
        case "", "no", "always", "unless-stopped":
            if (p?.MaximumRetryCount ?? 0) != 0 {
                throw EngineError.invalid("maximum retry count cannot be used with restart policy '\(name)'")
            }
        case "on-failure":
            if (p?.MaximumRetryCount ?? 0) < 0 { throw EngineError.invalid("maximum retry count cannot be negative") }
        default:
            throw EngineError.invalid("invalid restart policy '\(name)'")
        }
        if autoRemove && !(name == "" || name == "no") {
            throw EngineError.invalid("can't create 'AutoRemove' container with restart policy")
        }
    }

    /// Whether an exit should restart, and after how long.
    func decide(id: String, policy: RestartPolicy?, exitCode: Int, restartCount: Int, manuallyStopped: Bool,
                ranFor: Double) -> Double? {
        lock.with {
            if cancelled.remove(id) != nil || manuallyStopped { delays[id] = nil; return nil }
            let name = policy?.Name ?? ""
            let restart: Bool
            switch name {
            case "always", "unless-stopped": restart = true
            case "on-failure":
                let max = policy?.MaximumRetryCount ?? 0
                restart = exitCode != 0 && (max == 0 || restartCount < max)
            default: restart = false
            }
            guard restart else { delays[id] = nil; return nil }
            let previous = ranFor >= 10 ? 0 : (delays[id] ?? 0)
            let delay = previous == 0 ? 0.1 : previous * 2
            delays[id] = delay
            return delay
        }
    }

    func cancel(_ id: String) { _ = lock.with { cancelled.insert(id) } }
    func clearCancel(_ id: String) { _ = lock.with { cancelled.remove(id) } }
    func forget(_ id: String) { lock.with { delays[id] = nil; cancelled.remove(id) } }
}
