import Glibc
import Wire
import ShimAPI
import SupervisorAPI
import OCISpec

/// Process operations: forwarded to the task's shim, with the exit bookkeeping
/// that lets Wait and Delete answer after the shim is gone.
extension TaskManager {
    public func start(_ ref: TaskRef) throws -> JSONValue {
        let e = try entry(ref.id)
        try ref.execID.map { try Validate.id($0, field: "params.execID") }
        let key = TaskEntry.key(ref.execID)
        _ = e.locked { e.starting.insert(key) }
        let r: JSONValue
        do {
            r = try forward(e, ShimMethod.start, ProcessRef(execID: ref.execID))
        } catch {
            e.locked { _ = e.starting.remove(key) }
            releaseHeldExit(e, key, started: false)
            throw error
        }
        // A process that exited at once may have had its exit reported before its start:
        // the monitor holds that exit until the start event is relayed; give it a moment.
        let held = e.locked { () -> Bool in
            e.starting.remove(key)
            return e.heldExits[key] != nil
        }
        if held {
            _ = e.locked { e.await(seconds: 1) { e.startSeen.contains(key) } }
            releaseHeldExit(e, key, started: false)
        }
        if ref.execID == nil {
            e.locked {
                if !e.record.hasExited { e.record.status = .running }
                if let pid = r["pid"]?.int32, pid > 0 { e.record.pid = pid }
            }
        }
        return r
    }

    public func kill(_ p: TaskKillParams) throws -> JSONValue {
        let e = try entry(p.id)
        guard p.signal > 0 && p.signal < 65 else { throw WireError.invalid("params.signal: \(p.signal) is not a signal number") }
        return try forward(e, ShimMethod.kill, KillParams(execID: p.execID, signal: p.signal, all: p.all))
    }

    public func exec(_ p: TaskExecParams) throws -> JSONValue {
        let e = try entry(p.id)
        try Validate.id(p.execID, field: "params.execID")
        guard !(p.process.args ?? []).isEmpty else { throw WireError.invalid("params.process.args: cannot be empty") }
        return try forward(e, ShimMethod.exec, ExecParams(execID: p.execID, process: p.process, stdin: p.stdin))
    }

    public func pause(_ ref: TaskRef) throws -> JSONValue {
        try forward(try entry(ref.id), ShimMethod.pause, Empty())
    }

    public func resume(_ ref: TaskRef) throws -> JSONValue {
        try forward(try entry(ref.id), ShimMethod.resume, Empty())
    }

    public func update(_ p: TaskUpdateParams) throws -> JSONValue {
        try forward(try entry(p.id), ShimMethod.update, UpdateParams(resources: p.resources))
    }

    public func stats(_ ref: TaskRef) throws -> JSONValue {
        try forward(try entry(ref.id), ShimMethod.stats, ProcessRef(execID: ref.execID))
    }

    public func resizePty(_ p: TaskResizeParams) throws -> JSONValue {
        try forward(try entry(p.id), ShimMethod.resizePty, ResizeParams(execID: p.execID, width: p.width, height: p.height))
    }

    public func closeStdin(_ ref: TaskRef) throws -> JSONValue {
        try forward(try entry(ref.id), ShimMethod.closeStdin, ProcessRef(execID: ref.execID))
    }

    /// Blocks until the process exits. The caller's connection is the only thing
    /// held: each Wait has its own connection to the shim.
    public func wait(_ ref: TaskRef) throws -> ExitResult {
        let e = try entry(ref.id)
        if let execID = ref.execID {
            if let x = e.locked({ e.execExits[execID] }) { return x }
            let r = try launcher.call(id: e.id, path: try liveShim(e), ShimMethod.wait, ProcessRef(execID: execID), ExitResult.self)
            // The monitor publishes TaskExecExit in event order; only if it is stuck do we.
            let seen = e.locked { e.await(seconds: 2) { e.execExits[execID] != nil } }
            if !seen { recordExecExit(e, execID, r) }
            return r
        }
        if let x = e.locked({ e.record.exit }) { return x }
        let r: ExitResult
        do {
            r = try launcher.call(id: e.id, path: try liveShim(e), ShimMethod.wait, ProcessRef(), ExitResult.self)
        } catch let err as WireError where err.code == .unavailable {
            // The shim went away while we waited: the monitor cleans up and records why.
            if let x = e.locked({ e.await(seconds: 60) { e.record.hasExited } ? e.record.exit : nil }) { return x }
            throw err
        }
        if let x = e.locked({ e.await(seconds: 2) { e.record.hasExited } ? e.record.exit : nil }) { return x }
        recordExit(e, pid: r.pid, status: r.exitStatus, at: r.exitedAt, reason: nil)
        return e.locked { e.record.exit } ?? r
    }
}
