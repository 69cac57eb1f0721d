import Glibc
import CLinux
import LinuxSys
import Wire

/// How a child ended: the raw wait status and when it was collected.
public struct ChildExit: Sendable {
    public let pid: Int32
    public let rawStatus: Int32
    public let time: WallTime
    /// Order of collection, so a stale exit of a recycled pid is never taken for a new process.
    let sequence: UInt64

    /// The shell's convention: the exit code, or 128+N when signal N killed it.
    public var exitStatus: Int32 {
        let signal = rawStatus & 0x7f
        return signal != 0 ? 128 + signal : (rawStatus >> 8) & 0xff
    }
}

/// The one place that collects children. The shim is a subreaper, so besides the runtime
/// invocations it spawns, every container process is re-parented to it when the runtime exits;
/// a single thread in waitpid(-1) reaps them all and hands each status to its claimant:
/// - `run`/`spawn`+`wait`: the pid is registered while the table lock is held across
///   posix_spawn, so the reaper cannot collect it before it is known;
/// - `watch`: container processes, whose pid is only known from the runtime's pid file, maybe
///   after they died; exits nobody claimed yet are kept (bounded) for such late claims.
public final class Reaper: @unchecked Sendable {
    private let cond = Condition()
    private var awaited = Set<Int32>()
    private var collected: [Int32: ChildExit] = [:]
    private var watchers: [Int32: @Sendable (ChildExit) -> Void] = [:]
    private var unclaimed: [Int32: ChildExit] = [:]
    private var sequence: UInt64 = 0
    /// Bumped by each spawn: lets the reaper sleep when it has no child without missing one.
    private var generation: UInt64 = 0
    private static let unclaimedLimit = 512

    public init() {}

    /// Starts the reaping thread.
    public func start() {
        spawnThread { [self] in loop() }
    }

    private func loop() {
        while true {
            let gen = cond.with { generation }
            var status: Int32 = 0
            // __WALL: also children whose exit signal is not SIGCHLD.
            let pid = waitpid(-1, &status, 0x4000_0000)
            if pid > 0 {
                deliver(pid, status)
                continue
            }
            if errno == EINTR { continue }
            // ECHILD: no child now. A new one can only come from our own spawn (orphans are
            // re-parented to us by a descendant's exit, and then we have a child), so sleep
            // until a spawn moves the generation on.
            cond.lock()
            while generation == gen { _ = cond.wait() }
            cond.unlock()
        }
    }

    private func deliver(_ pid: Int32, _ status: Int32) {
        var handler: (@Sendable (ChildExit) -> Void)?
        var exit: ChildExit?
        cond.with {
            sequence += 1
            let e = ChildExit(pid: pid, rawStatus: status, time: .now(), sequence: sequence)
            exit = e
            if awaited.remove(pid) != nil {
                collected[pid] = e
                cond.broadcast()
            } else if let h = watchers.removeValue(forKey: pid) {
                handler = h
            } else {
                if unclaimed.count >= Self.unclaimedLimit,
                   let oldest = unclaimed.min(by: { $0.value.sequence < $1.value.sequence }) {
                    unclaimed.removeValue(forKey: oldest.key)
                }
                unclaimed[pid] = e
            }
        }
        if let handler, let exit { handler(exit) }
    }

    /// The current position in the exit order; pass it to `watch` for processes created after now.
    public func mark() -> UInt64 { cond.with { sequence } }

    /// Calls `handler` (on the reaper thread: keep it short) when `pid` exits, or at once if it
    /// already exited after `since`.
    public func watch(_ pid: Int32, since: UInt64, _ handler: @escaping @Sendable (ChildExit) -> Void) {
        let early: ChildExit? = cond.with {
            if let e = unclaimed.removeValue(forKey: pid), e.sequence > since { return e }
            watchers[pid] = handler
            return nil
        }
        if let early { handler(early) }
    }

    /// Forgets a watch (the process is being forgotten).
    public func unwatch(_ pid: Int32) { cond.with { _ = watchers.removeValue(forKey: pid) } }

    /// What a spawned program gets as descriptors 0, 1, 2.
    public struct Stdio: Sendable {
        public var stdin: Int32
        public var stdout: Int32
        public var stderr: Int32
        public init(stdin: Int32, stdout: Int32, stderr: Int32) {
            self.stdin = stdin; self.stdout = stdout; self.stderr = stderr
        }
    }

    /// Spawns a program (see `Spawn.process`) and registers it before the reaper can collect
    /// it; collect its exit with `wait`.
    public func spawn(_ path: String, _ argv: [String], stdio: Stdio) throws -> Int32 {
        try cond.with {
            let pid = try Spawn.process(path, argv, stdio: stdio)
            awaited.insert(pid)
            generation += 1
            cond.broadcast()
            return pid
        }
    }

    /// Blocks until a child from `spawn` exits.
    public func wait(_ pid: Int32) -> ChildExit {
        cond.lock()
        defer { cond.unlock() }
        while true {
            if let e = collected.removeValue(forKey: pid) { return e }
            _ = cond.wait()
        }
    }
}
