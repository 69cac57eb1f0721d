import Glibc
import LinuxSys
import JSON
import DockerAPI
import SupervisorAPI
import ShimAPI
import Wire

extension ContainerEngine {
    /// Subscribes to the supervisor's events and reconciles records with its tasks: a
    /// container berthd thought running whose task is gone or stopped gets its exit now.
    public func attachToSupervisor() {
        supervisor.subscribe { [weak self] name, frame in self?.handleEvent(name, frame) }
        reconcile()
    }

    func reconcile() {
        let tasks = (try? supervisor.call(SupervisorMethod.list, SupervisorLink.Empty(), TaskListResult.self))?.tasks ?? []
        let byID = Dictionary(tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for r in allRecords() where r.State.isRunning || r.State.Status == "restarting" {
            if let t = byID[r.ID], t.status == "running" || t.status == "paused" || t.status == "created" {
                if t.status == "paused" || r.State.Status == "restarting" {
                    update(r.ID) { $0.State.Status = t.status == "paused" ? "paused" : "running"; $0.State.Pid = Int(t.pid) }
                }
                if let rec = state.with({ records[r.ID] }) { startHealthMonitor(rec) }
                continue
            }
            let status = byID[r.ID]?.exitStatus ?? 255
            let at = byID[r.ID]?.exitedAt
            spawnThread { [self] in taskExited(r.ID, status: Int(status), exitedAt: at) }
        }
        // With the daemon, "always" containers come back even after a manual stop (that is
        // what tells it from "unless-stopped"); on-failure ones only after a failure.
        for r in allRecords() where !r.State.isRunning && r.State.Status != "restarting" && r.HasBeenStartedBefore {
            let policy = r.HostConfig.RestartPolicy?.Name ?? ""
            let restart = policy == "always" || (policy == "unless-stopped" && !r.HasBeenManuallyStopped)
                || (policy == "on-failure" && !r.HasBeenManuallyStopped && r.State.ExitCode != 0)
            if restart { spawnThread { [self] in try? startTask(r.ID, manual: false) } }
        }
    }

    func handleEvent(_ name: String, _ frame: [UInt8]) {
        struct Frame: Decodable { var params: TaskEvent }
        guard let e = try? JSON.decode(Frame.self, from: frame).params else { return }
        switch name {
        case SupervisorEvent.taskExit where e.execID == nil:
            let status = Int(e.exitStatus ?? 255)
            spawnThread { [self] in taskExited(e.id, status: status, exitedAt: e.exitedAt) }
        case SupervisorEvent.execExit, SupervisorEvent.taskExit:
            if let execID = e.execID { execExited(execID, status: Int(e.exitStatus ?? 255)) }
        case SupervisorEvent.taskOOM:
            update(e.id) { $0.State.OOMKilled = true }
            if let r = state.with({ records[e.id] }) { emit("oom", r) }
        default:
            break
        }
    }

    /// The init process of a container exited: clean up the task, record the exit, then
    /// restart, remove (AutoRemove) or leave it stopped.
    func taskExited(_ id: String, status: Int, exitedAt: String?) {
        let proceed = state.with { () -> Bool in
            while starting.contains(id) { _ = state.wait(seconds: 1) }
            guard let r = records[id], r.State.isRunning || r.State.Status == "restarting" else { return false }
            return true
        }
        guard proceed else { return }
        _ = try? supervisor.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
        let p = paths(id)
        Overlay.unmount(p)
        // Before the exit is recorded: whoever waits for it (stop, rm -f) finds the volumes'
        // filesystems unmounted already.
        releaseVolumes(id)
        let finished = exitedAt ?? WallTime.now().rfc3339Nano
        guard let r = update(id, announcing: "die", extra: ["exitCode": String(status)], {
            $0.State.Status = "exited"
            $0.State.ExitCode = status
            $0.State.Pid = 0
            $0.State.FinishedAt = finished
            if $0.State.Health != nil { $0.State.Health?.Status = "unhealthy" }
            exitGeneration[id, default: 0] += 1
            for execID in $0.ExecIDs { if var x = execs[execID], x.running { x.running = false; x.exitCode = x.exitCode ?? 137; execs[execID] = x } }
        }) else { return }
        stopHealthMonitor(id)
        announceVolumes("unmount", id)
        let started = WallTime.parse(rfc3339: r.State.StartedAt)?.asDouble ?? 0
        let ranFor = (WallTime.parse(rfc3339: finished)?.asDouble ?? 0) - started
        if let delay = restarts.decide(id: id, policy: r.HostConfig.RestartPolicy, exitCode: status,
                                       restartCount: r.RestartCount, manuallyStopped: r.HasBeenManuallyStopped, ranFor: ranFor) {
            // Marked in the same step that checks for a stop or a start since the exit: a
            // `docker stop` that landed after decide() wins over the restart.
            var restarting = false
            update(id) {
                guard !$0.HasBeenManuallyStopped, $0.State.Status == "exited" else { return }
                $0.State.Status = "restarting"
                $0.RestartCount += 1
                restarting = true
            }
            guard restarting else { return }
            usleep(UInt32(delay * 1_000_000))
            do { try startTask(id, manual: false, restart: true) } catch {
                log.error("container \(id): restart failed: \(error)")
                update(id) { if $0.State.Status == "restarting" { $0.State.Status = "exited" } }
            }
            return
        }
        if r.HostConfig.AutoRemove ?? false {
            // As dockerd, --rm takes the anonymous volumes with it (named ones stay).
            do { try remove(id, force: true, volumes: true) } catch {
                log.warn("container \(id): auto-remove failed: \(error)")
            }
        }
    }
}
