import LinuxSys
import Glibc
import Wire
import ShimAPI
import SupervisorAPI

/// Each task's shim event stream, read on its own thread and republished; exits
/// recorded durably; dead shims cleaned up.
extension TaskManager {
    /// Connects and subscribes before returning, so nothing the shim publishes
    /// after this call is missed; then reads on a thread of its own.
    func startMonitor(_ e: TaskEntry, path: String) throws {
        let client = try subscribe(e, path: path)
        e.locked {
            e.monitorClient = client
            e.monitorRunning = true
        }
        spawnThread { [self] in self.monitorLoop(e, client) }
    }

    private func subscribe(_ e: TaskEntry, path: String) throws -> RPCClient {
        let client = try launcher.connect(id: e.id, path: path)
        do {
            _ = try client.call(ShimMethod.subscribe, SubscribeParams(topics: TaskManager.monitorTopics), JSONValue.self)
        } catch {
            client.close()
            throw error
        }
        return client
    }

    /// Ends the stream now (its events may be lost: only for teardown).
    func stopMonitor(_ e: TaskEntry) {
        e.locked {
            e.closing = true
            e.monitorClient?.frames.shutdown()
        }
    }

    @discardableResult
    func awaitMonitorEnd(_ e: TaskEntry, seconds: Double) -> Bool {
        e.locked { e.await(seconds: seconds) { !e.monitorRunning } }
    }

    private func monitorLoop(_ e: TaskEntry, _ first: RPCClient) {
        var client = first
        while true {
            do {
                while true {
                    let (name, frame) = try client.nextEvent()
                    handleShimEvent(e, name, frame)
                }
            } catch {
                log.debug("task \(e.id): shim event stream ended: \(error)")
            }
            client.close()
            let (closing, path, pid, start) = e.locked { (e.closing, e.shimSocket, e.record.shimPid, e.record.shimStartTime) }
            if closing { break }
            // The connection ended but the shim may live on (it dropped us, or is busy):
            // reconnect while it runs; clean up once it is gone.
            if let path, let next = reconnect(e, path: path, pid: pid, startTime: start) {
                let keep = e.locked { () -> Bool in
                    if e.closing { return false }
                    e.monitorClient = next
                    return true
                }
                if !keep { next.close(); break }
                client = next
                continue
            }
            if !e.locked({ e.closing }) { cleanupDeadShim(e) }
            break
        }
        e.locked {
            e.monitorClient = nil
            e.monitorRunning = false
            e.cond.broadcast()
        }
    }

    private func reconnect(_ e: TaskEntry, path: String, pid: Int32, startTime: UInt64) -> RPCClient? {
        for attempt in 0..<20 {
            if pid > 0 && !ProcessProbe.isAlive(pid: pid, startTime: startTime) { return nil }
            if e.locked({ e.closing }) { return nil }
            if let c = try? subscribe(e, path: path) {
                log.info("task \(e.id): reconnected to its shim's events")
                return c
            }
            usleep(UInt32(min(50_000 * (attempt + 1), 500_000)))
        }
        log.warn("task \(e.id): shim (pid \(pid)) runs but does not answer on \(path)")
        return nil
    }

    func handleShimEvent(_ e: TaskEntry, _ name: String, _ frame: [UInt8]) {
        let ev: TaskEvent
        do { ev = try WireJSON.params(TaskEvent.self, from: frame) } catch {
            log.warn("task \(e.id): unreadable \(name) event from shim: \(error)")
            return
        }
        var out = ev
        out.id = e.id
        switch name {
        case ShimEvent.taskExit:
            let key = TaskEntry.key(ev.execID)
            let held = e.locked { () -> Bool in
                guard e.starting.contains(key), !e.startSeen.contains(key) else { return false }
                e.heldExits[key] = out
                return true
            }
            if held { log.debug("task \(e.id): holding an exit until its start event arrives") } else { processExit(e, out) }
        case ShimEvent.taskStart, ShimEvent.execStarted:
            if name == ShimEvent.taskStart { updateStatus(e, ev, .running) }
            hub.publish(name, out)
            releaseHeldExit(e, TaskEntry.key(ev.execID), started: true)
        case ShimEvent.taskPaused, ShimEvent.taskResumed:
            updateStatus(e, ev, name == ShimEvent.taskPaused ? .paused : .running)
            hub.publish(name, out)
        case ShimEvent.taskOOM:
            hub.publish(name, out)
        default:
            log.debug("task \(e.id): ignoring shim event \(name)")
        }
    }

    private func updateStatus(_ e: TaskEntry, _ ev: TaskEvent, _ status: TaskStatus) {
        e.locked {
            guard !e.record.hasExited, ev.execID == nil else { return }
            if let pid = ev.pid, pid > 0 { e.record.pid = pid }
            e.record.status = status
        }
    }

    func processExit(_ e: TaskEntry, _ ev: TaskEvent) {
        if let execID = ev.execID {
            recordExecExit(e, execID, ExitResult(pid: ev.pid ?? 0, exitStatus: ev.exitStatus ?? 255,
                                                 exitedAt: ev.exitedAt ?? WallTime.now().rfc3339Nano))
        } else {
            recordExit(e, pid: ev.pid, status: ev.exitStatus ?? 255, at: ev.exitedAt ?? WallTime.now().rfc3339Nano, reason: ev.reason)
        }
    }

    /// Publishes an exit held back for its start event (once that is relayed, or given up on).
    func releaseHeldExit(_ e: TaskEntry, _ key: String, started: Bool) {
        let held = e.locked { () -> TaskEvent? in
            if started { e.startSeen.insert(key) }
            e.cond.broadcast()
            return e.heldExits.removeValue(forKey: key)
        }
        if let held { processExit(e, held) }
    }

    /// Records the init process's exit once: durably, then as TaskExit. False when
    /// it was already known.
    @discardableResult
    func recordExit(_ e: TaskEntry, pid: Int32?, status: Int32, at: String, reason: String?) -> Bool {
        e.cond.lock()
        defer { e.cond.unlock() }
        if e.record.hasExited { return false }
        e.record.status = .stopped
        e.record.exitStatus = status
        e.record.exitedAt = at
        e.record.reason = reason
        if let pid, pid > 0 { e.record.pid = pid }
        // A task being deleted has no record left to update.
        if e.phase != .deleting {
            do { try store.save(e.record) } catch { log.error("task \(e.id): record exit: \(error)") }
        }
        hub.publish(SupervisorEvent.taskExit, TaskEvent(id: e.id, pid: e.record.pid, exitStatus: status, exitedAt: at,
                                                        reason: reason))
        log.info("task \(e.id): exited with status \(status)\(reason.map { " (\($0))" } ?? "")")
        e.cond.broadcast()
        return true
    }

    func recordExecExit(_ e: TaskEntry, _ execID: String, _ exit: ExitResult) {
        e.cond.lock()
        defer { e.cond.unlock() }
        guard e.noteExecExit(execID, exit) else { return }
        hub.publish(SupervisorEvent.execExit, TaskEvent(id: e.id, execID: execID, pid: exit.pid,
                                                        exitStatus: exit.exitStatus, exitedAt: exit.exitedAt))
        e.cond.broadcast()
    }

    /// The shim died: `berth-shim delete` kills and deletes what it left (container,
    /// cgroup, runtime state, socket), then the task is stopped with the reason.
    func cleanupDeadShim(_ e: TaskEntry) {
        e.cleanupLock.lock()
        defer { e.cleanupLock.unlock() }
        let (gone, pid, start) = e.locked { (e.shimGone, e.record.shimPid, e.record.shimStartTime) }
        if gone { return }
        log.warn("task \(e.id): its shim (pid \(pid)) exited unexpectedly; cleaning up")
        // One that lives but stopped answering is ours to stop; a recycled pid is not.
        if pid > 0 && ProcessProbe.isAlive(pid: pid, startTime: start) && start != 0 { Glibc.kill(pid, SIGKILL) }
        let exit = launcher.delete(id: e.id)
        let saved = e.locked { () -> TaskRecord in
            e.shimGone = true
            return e.record
        }
        let recorded = recordExit(e, pid: exit?.pid, status: exit?.exitStatus ?? 137,
                                  at: exit?.exitedAt ?? WallTime.now().rfc3339Nano, reason: "shim exited unexpectedly")
        if !recorded && e.locked({ e.phase != .deleting }) {
            do { try store.save(saved) } catch { log.error("task \(e.id): record shim cleanup: \(error)") }
        }
        e.locked { e.cond.broadcast() }
    }
}
