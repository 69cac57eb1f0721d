import Glibc
import LinuxSys
import Wire
import ShimAPI
import SupervisorAPI

/// Start-up after a crash or a restart: every recorded task is found again through
/// its shim, in the state the shim reports; what happened while we were away is
/// recorded and published (buffered, for subscribers that ask for a replay).
extension TaskManager {
    public func recover() {
        let loaded: (records: [TaskRecord], failures: [String])
        do { loaded = try store.loadAll() } catch {
            log.error("cannot list task records in \(store.directory): \(error)")
            return
        }
        for f in loaded.failures { log.error("cannot read task record \(f); leaving it in place") }
        for r in loaded.records { restore(r) }
        if !loaded.records.isEmpty { log.info("recovered \(allEntries().count) task(s) from \(store.directory)") }
    }

    private func restore(_ r: TaskRecord) {
        let e = TaskEntry(record: r, phase: .live)
        if r.status == .creating || r.shimAddress == nil {
            abandonCreate(e)
            return
        }
        insert(e)
        // The shim was already cleaned up: only the record remains, until Delete.
        if r.shimGone == true { return }
        guard let path = e.shimSocket else { return }
        if r.shimPid > 0 && !ProcessProbe.isAlive(pid: r.shimPid, startTime: r.shimStartTime) {
            cleanupDeadShim(e)
            return
        }
        var lastError: (any Error)?
        for attempt in 0..<5 {
            do {
                try reattach(e, path: path)
                return
            } catch {
                lastError = error
                stopMonitor(e)
                awaitMonitorEnd(e, seconds: 1)
                e.locked { e.closing = false }
                if r.shimPid > 0 && !ProcessProbe.isAlive(pid: r.shimPid, startTime: r.shimStartTime) { break }
                usleep(UInt32(100_000 * (attempt + 1)))
            }
        }
        log.warn("task \(r.id): shim at \(path) unreachable: \(lastError.map { "\($0)" } ?? "unknown error")")
        cleanupDeadShim(e)
    }

    /// Subscribes first, then asks for the state: an exit either shows in the state
    /// or arrives as an event (recordExit keeps the first).
    private func reattach(_ e: TaskEntry, path: String) throws {
        try startMonitor(e, path: path)
        let st = try launcher.call(id: e.id, path: path, ShimMethod.state, ProcessRef(), JSONValue.self)
        let status = st["status"]?.string ?? ""
        if status == "stopped", let code = st["exitStatus"]?.int32 {
            recordExit(e, pid: st["pid"]?.int32, status: code, at: st["exitedAt"]?.string ?? WallTime.now().rfc3339Nano, reason: nil)
        } else {
            e.locked {
                guard !e.record.hasExited else { return }
                if let s = TaskStatus(rawValue: status), s != .creating { e.record.status = s }
                if let pid = st["pid"]?.int32, pid > 0 { e.record.pid = pid }
            }
        }
        log.debug("task \(e.id): reattached to shim at \(path), \(status)")
    }

    /// A create the supervisor crashed in the middle of: the client never heard the
    /// task exists, so it is taken apart rather than half-adopted.
    private func abandonCreate(_ e: TaskEntry) {
        log.warn("task \(e.id): its create never finished; removing it")
        let path = launcher.socketPath(e.id)
        if let client = try? launcher.connect(id: e.id, path: path) {
            _ = try? client.call(ShimMethod.delete, ProcessRef(), JSONValue.self)
            _ = try? client.call(ShimMethod.shutdown, Empty(), JSONValue.self)
            client.close()
            usleep(100_000)
        }
        launcher.delete(id: e.id)
        do { try store.remove(e.id) } catch { log.error("task \(e.id): remove record: \(error)") }
    }
}
