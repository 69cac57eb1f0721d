import Glibc
import LinuxSys
import DockerAPI
import SupervisorAPI
import ShimAPI

extension ContainerEngine {
    /// `DELETE /containers/{id}`.
    public func remove(_ ref: String, force: Bool, volumes: Bool) throws {
        let r = try lookup(ref)
        // As stop: a start under way finishes first, or its task would outlive the record.
        let running = state.with { () -> Bool in
            while starting.contains(r.ID) { _ = state.wait(seconds: 1) }
            return records[r.ID]?.State.isRunning ?? false
        }
        if running {
            guard force else {
                throw EngineError.conflict("cannot remove container \"\(r.Name)\": container is running: stop the container before removing or force remove")
            }
            restarts.cancel(r.ID)
            update(r.ID) { $0.HasBeenManuallyStopped = true }
            if r.State.Status == "paused" { _ = try? supervisor.callVoid(SupervisorMethod.resume, TaskRef(id: r.ID)) }
            emit("kill", r, extra: ["signal": String(SIGKILL)])
            _ = try? supervisor.callVoid(SupervisorMethod.kill, TaskKillParams(id: r.ID, signal: SIGKILL, all: true))
            if !waitStopped(r.ID, seconds: 30) {
                throw EngineError.internal("could not kill container \(r.ID): it is still running after 30 seconds")
            }
        }
        try state.with {
            guard let cur = records[r.ID] else { throw EngineError.noSuchContainer(ref) }
            if busy.contains(r.ID) || cur.State.Status == "removing" {
                throw EngineError.conflict("removal of container \(r.ID) is already in progress")
            }
            var marked = cur
            marked.State.Status = "removing"
            records[r.ID] = marked
            if cur.State.Status == "restarting" { restarts.cancel(r.ID) }
        }
        stopHealthMonitor(r.ID)
        for s in state.with({ pendingAttach.removeValue(forKey: r.ID) ?? [] }) { s.fail() }
        _ = try? supervisor.call(SupervisorMethod.delete, TaskRef(id: r.ID), ExitResult.self)
        let p = paths(r.ID)
        Overlay.unmount(p)
        discard([p.bundle, p.layer, p.dir])
        restarts.forget(r.ID)
        state.with {
            records[r.ID] = nil
            if names[r.Name] == r.ID { names[r.Name] = nil }
            for x in r.ExecIDs { execs[x] = nil }
            removedExitCodes[r.ID] = r.State.ExitCode
            if removedExitCodes.count > 4096 { removedExitCodes.removeAll() }
            // Before the waiters wake (`wait --condition removed`), as "die" in update().
            emit("destroy", r)
            state.broadcast()
        }
        // After the record is gone, so its own mounts no longer count as a use.
        if volumes { removeAnonymousVolumes(r.ID, r.Mounts) }
    }

    /// Renames the directories out of the way at once (the container is gone for every
    /// reader) and deletes them on a thread of their own, so `rm` and `run --rm` need not
    /// wait for the disk. A daemon that dies first finishes the job at its next start.
    func discard(_ dirs: [String]) {
        var moved: [String] = []
        for d in dirs where FileIO.exists(d) {
            let trash = FileIO.parent(of: d) + "/.removing-" + FileIO.base(of: d)
            if Glibc.rename(d, trash) == 0 { moved.append(trash) } else { FileIO.removeAll(d) }
        }
        let doomed = moved
        if !doomed.isEmpty { spawnThread { for m in doomed { FileIO.removeAll(m) } } }
    }

    /// `POST /containers/{id}/rename`.
    public func rename(_ ref: String, to newName: String) throws {
        let r = try lookup(ref)
        var n = newName.hasPrefix("/") ? String(newName.dropFirst()) : newName
        guard Identifiers.namePattern(n) else {
            throw EngineError.invalid("Invalid container name (\(n)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        n = "/" + n
        try state.with {
            if n == r.Name { throw EngineError.invalid("Renaming a container with the same name as its current name") }
            if let other = names[n] {
                throw EngineError.conflict("Conflict. The container name \"\(n)\" is already in use by container \"\(other)\". You have to remove (or rename) that container to be able to reuse that name.")
            }
            guard var cur = records[r.ID] else { throw EngineError.noSuchContainer(ref) }
            names[cur.Name] = nil
            cur.Name = n
            names[n] = r.ID
            records[r.ID] = cur
            persist(cur)
        }
        if let rec = state.with({ records[r.ID] }) { emit("rename", rec, extra: ["oldName": r.Name]) }
    }

    /// `POST /containers/prune`: removes every stopped container the filters select.
    public func prune(filters: Filters) throws -> PruneResponse {
        try filters.validate(["label", "label!", "until"])
        var until: WallTime?
        if let u = filters["until"].first {
            guard let t = WallTime.parseTimestamp(u) else { throw EngineError.invalid("invalid filter 'until=\(u)'") }
            until = t
        }
        var deleted: [String] = []
        var reclaimed: Int64 = 0
        for r in allRecords() where !r.State.isRunning && r.State.Status != "restarting" {
            guard ContainerFilters.labelsMatch(r.Config.Labels ?? [:], filters["label"]) else { continue }
            // label!=k or label!=k=v: containers that have it are kept.
            if !filters["label!"].isEmpty, filters["label!"].contains(where: { ContainerFilters.labelsMatch(r.Config.Labels ?? [:], [$0]) }) { continue }
            if let until, let created = WallTime.parse(rfc3339: r.Created), !(created < until) { continue }
            let size = DiskUsage.bytes(paths(r.ID).upper)
            if (try? remove(r.ID, force: false, volumes: false)) != nil {
                deleted.append(r.ID)
                reclaimed += size
            }
        }
        events.publish(type: "container", action: "prune", id: "", attributes: ["reclaimed": String(reclaimed)])
        return PruneResponse(ContainersDeleted: deleted, SpaceReclaimed: reclaimed)
    }
}
