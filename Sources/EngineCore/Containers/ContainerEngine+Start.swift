import Glibc
import LinuxSys
import JSON
import DockerAPI
import SupervisorAPI
import ShimAPI

extension ContainerEngine {
    /// `POST /containers/{id}/start`.
    public func start(_ ref: String) throws {
        let r = try lookup(ref)
        try state.with {
            let cur = records[r.ID]?.State.Status ?? ""
            if cur == "running" { throw EngineError(.notModified, "container already started") }
            if cur == "paused" { throw EngineError.conflict("cannot start a paused container, try unpause instead") }
            if cur == "removing" || busy.contains(r.ID) {
                throw EngineError.conflict("container \(r.ID) is busy (being started, stopped or removed)")
            }
            busy.insert(r.ID)
        }
        restarts.clearCancel(r.ID)
        do {
            try startTask(r.ID, manual: true)
            state.with { busy.remove(r.ID); state.broadcast() }
        } catch {
            state.with { busy.remove(r.ID); state.broadcast() }
            // As dockerd: an AutoRemove container that cannot start is removed (docker run --rm waits for it).
            if r.HostConfig.AutoRemove ?? false { try? remove(r.ID, force: true, volumes: true) }
            throw error
        }
    }

    /// Mounts the rootfs, writes the bundle, creates and starts the task. On failure the
    /// container stays (or returns to) stopped with Docker's exit code for the failure.
    /// A `restart` happens only if the container is still "restarting" and not stopped by
    /// hand: stop and remove wait for a start under way, so they see what it did.
    func startTask(_ id: String, manual: Bool, restart: Bool = false) throws {
        var cancelled = false
        guard let r = state.with({ () -> ContainerRecord? in
            guard let cur = records[id] else { return nil }
            if restart && (cur.State.Status != "restarting" || cur.HasBeenManuallyStopped) {
                cancelled = true
                return nil
            }
            starting.insert(id)
            return cur
        }) else {
            if cancelled { return }
            throw EngineError.noSuchContainer(id)
        }
        defer { state.with { starting.remove(id); state.broadcast() } }
        let p = paths(id)
        // With --debug, where a start's time goes (what `docker run` waits for).
        var t0 = ChildProcess.monotonicNow()
        var phases: [String] = []
        func phase(_ name: String) {
            let now = ChildProcess.monotonicNow()
            phases.append("\(name) \(Int((now - t0) * 1e6) / 1000).\(Int((now - t0) * 1e6) % 1000 / 100)ms")
            t0 = now
        }
        defer { log.debug("container \(id) start: \(phases.joined(separator: ", "))") }
        do {
            let lower = try images.lowerDirs(imageID: r.ImageID)
            try Overlay.mount(lower: lower, p)
            phase("mount")
            try writeBundle(r, p)
            phase("bundle")
            announceVolumes("mount", id)
            // A task of this id left from an earlier run (berthd died before deleting it) goes first.
            _ = try? supervisor.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
            let logCfg = ShimAPI.LogConfig(path: p.log, maxSize: logMaxSize(r.HostConfig), maxFiles: logMaxFiles(r.HostConfig))
            let runtime = options.runtimes[r.Runtime] ?? r.Runtime
            let info = try supervisor.call(SupervisorMethod.create, TaskCreateParams(
                id: id, bundle: p.bundle, runtime: runtime, terminal: r.Config.Tty ?? false,
                stdin: r.Config.OpenStdin ?? false, log: logCfg, labels: ["berth.container": r.Name]), TaskInfo.self)
            phase("Task.Create")
            let waiting = state.with { pendingAttach.removeValue(forKey: id) ?? [] }
            for s in waiting { s.connect(shimAddress: info.shimAddress, execID: nil) }
            phase("attach")
            let started = try supervisor.call(SupervisorMethod.start, TaskRef(id: id), PidResult.self)
            phase("Task.Start")
            let rec = update(id) {
                $0.State.Status = "running"
                $0.State.Pid = Int(started.pid)
                $0.State.StartedAt = WallTime.now().rfc3339Nano
                $0.State.ExitCode = 0
                $0.State.Error = ""
                $0.State.OOMKilled = false
                $0.HasBeenStartedBefore = true
                if manual { $0.HasBeenManuallyStopped = false }
                if let hc = $0.Config.Healthcheck, !(hc.Test ?? []).isEmpty, hc.Test?.first != "NONE" {
                    $0.State.Health = Health(Status: "starting")
                }
            }
            if let rec {
                emit("start", rec)
                startHealthMonitor(rec)
            }
        } catch {
            let message = (error as? EngineError)?.message ?? "\(error)"
            _ = try? supervisor.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
            Overlay.unmount(p)
            releaseVolumes(id)
            let code = Self.exitCode(forStartFailure: message)
            update(id) {
                $0.State.Error = message
                $0.State.ExitCode = code
                if $0.State.Status == "restarting" || $0.State.Status == "running" { $0.State.Status = "exited" }
            }
            let waiting = state.with { pendingAttach.removeValue(forKey: id) ?? [] }
            for s in waiting { s.fail() }
            // dockerd answers a command that cannot be run as a bad request, anything else as a server error.
            throw EngineError(code == 128 ? .internal : .invalidArgument, "failed to create task for container: \(message)")
        }
    }

    /// Docker's exit codes when a container cannot start: 127 command not found, 126 not executable.
    static func exitCode(forStartFailure m: String) -> Int {
        let lower = m.lowercased()
        if lower.contains("executable file not found") || lower.contains("no such file or directory") { return 127 }
        if lower.contains("permission denied") || lower.contains("not executable") { return 126 }
        return 128
    }

    func logMaxSize(_ h: HostConfig) -> Int64? {
        if let s = h.LogConfig?.Config?["max-size"] { return Self.parseSize(s) }
        return options.logMaxSize
    }

    func logMaxFiles(_ h: HostConfig) -> Int? {
        if let s = h.LogConfig?.Config?["max-file"] { return Int(s) }
        return options.logMaxFiles
    }

    /// Docker's RAMInBytes: "10m", "1g", "512k", "100" (bytes), binary multiples.
    public static func parseSize(_ s: String) -> Int64? {
        let t = s.lowercased().trimmingCharacters(" ")
        var digits = t
        var mult: Int64 = 1
        for (suffix, m) in [("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("tb", 1 << 40), ("k", 1 << 10),
                            ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("b", 1)] as [(String, Int64)] where t.hasSuffix(suffix) {
            digits = String(t.dropLast(suffix.count))
            mult = m
            break
        }
        guard let v = Double(digits), v >= 0 else { return nil }
        return Int64(v * Double(mult))
    }
}

extension String {
    func trimmingCharacters(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
