import LinuxSys
import Glibc
import Wire
import ShimAPI
import SupervisorAPI

/// Task.Delete. The client's answer comes once the container is deleted and the shim
/// told to exit; TaskDelete follows once the shim's event stream has drained, so
/// every event it sent (an exit in flight) reaches subscribers first.
extension TaskManager {
    /// Deletes an exec'd process, or the task: its container, its shim, its record.
    public func delete(_ ref: TaskRef) throws -> ExitResult {
        if let execID = ref.execID {
            let e = try entry(ref.id)
            try Validate.id(execID, field: "params.execID")
            let r = try launcher.call(id: e.id, path: try liveShim(e), ShimMethod.delete, ProcessRef(execID: execID), ExitResult.self)
            e.locked { e.forgetExec(execID) }
            return r
        }
        let e = try claimForDelete(ref.id)
        let started = e.locked { e.record.status != .created }
        let result: ExitResult
        do {
            result = try deleteTask(e)
        } catch {
            e.locked { e.phase = .live; e.closing = false }
            throw error
        }
        do { try store.remove(e.id) } catch { log.error("task \(e.id): remove record: \(error)") }
        retire(e, result: result, started: started)
        log.info("task \(e.id): deleted")
        return result
    }

    private func claimForDelete(_ id: String) throws -> TaskEntry {
        let e = try entry(id)
        try e.locked {
            guard e.phase == .live else { throw WireError.precondition("task \"\(id)\" is being deleted") }
            e.phase = .deleting
        }
        return e
    }

    private func deleteTask(_ e: TaskEntry) throws -> ExitResult {
        let (gone, socket) = e.locked { (e.shimGone, e.shimSocket) }
        guard !gone, let path = socket else { return e.locked { e.record.exit } ?? gonelessExit(e) }
        let result: ExitResult
        do {
            let st = try launcher.call(id: e.id, path: path, ShimMethod.state, ProcessRef(), JSONValue.self)
            if let s = st["status"]?.string, s == "running" || s == "paused" {
                throw WireError.precondition("task \"\(e.id)\" is \(s): kill it before deleting it")
            }
            result = try launcher.call(id: e.id, path: path, ShimMethod.delete, ProcessRef(), ExitResult.self)
        } catch let err as WireError where err.code == .unavailable {
            // The shim died under us: clean up after it the way the monitor would.
            let (pid, st) = e.locked { (e.record.shimPid, e.record.shimStartTime) }
            guard pid > 0, !ProcessProbe.isAlive(pid: pid, startTime: st) else { throw err }
            cleanupDeadShim(e)
            return e.locked { e.record.exit } ?? gonelessExit(e)
        }
        // From here on the shim's end-of-file is expected, not a death.
        e.locked { e.closing = true }
        _ = try? launcher.call(id: e.id, path: path, ShimMethod.shutdown, Empty(), JSONValue.self)
        return result
    }

    private func gonelessExit(_ e: TaskEntry) -> ExitResult {
        ExitResult(pid: e.locked { e.record.pid }, exitStatus: 137, exitedAt: WallTime.now().rfc3339Nano)
    }

    /// Moves the task out of sight now; publishes TaskDelete once its shim's events are
    /// drained (the shim exits, ending the stream). A create of the same id waits for it.
    private func retire(_ e: TaskEntry, result: ExitResult, started: Bool) {
        retiring(e)
        let finish: @Sendable () -> Void = { [self] in
            if !awaitMonitorEnd(e, seconds: 3) {
                log.warn("task \(e.id): shim still streaming events 3 s after Shim.Shutdown; disconnecting")
                stopMonitor(e)
                awaitMonitorEnd(e, seconds: 1)
            }
            // Normally the exit came as an event, in order; this covers a shim that never sent it.
            if started && !e.locked({ e.record.hasExited }) {
                recordExit(e, pid: result.pid, status: result.exitStatus, at: result.exitedAt, reason: nil)
            }
            hub.publish(SupervisorEvent.taskDelete, TaskEvent(id: e.id, pid: result.pid, exitStatus: result.exitStatus,
                                                              exitedAt: result.exitedAt))
            if let log = launcher.logPath(e.id) { unlink(log) }
            retired(e)
        }
        if e.locked({ e.monitorRunning }) { spawnThread(finish) } else { finish() }
    }
}
