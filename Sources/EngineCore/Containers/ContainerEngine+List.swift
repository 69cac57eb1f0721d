import LinuxSys
import DockerAPI

extension ContainerEngine {
    /// `GET /containers/json`.
    public func list(all: Bool, limit: Int?, size: Bool, filters: Filters) throws -> [ContainerSummary] {
        try filters.validate(["id", "name", "label", "status", "ancestor", "exited", "before", "since", "health",
                              "volume", "network", "isolation", "is-task", "publish", "expose"])
        for s in filters["status"] where !["created", "restarting", "running", "removing", "paused", "exited", "dead"].contains(s) {
            throw EngineError.invalid("invalid filter 'status=\(s)'")
        }
        var rs = allRecords().filter { $0.State.Status != "removing" }
        rs.sort { ($0.Created, $0.ID) > ($1.Created, $1.ID) }
        let showAll = all || !filters["status"].isEmpty || !filters["exited"].isEmpty || limit != nil
        var out: [ContainerSummary] = []
        var ancestorIDs: [String]? = nil
        if filters.has("ancestor") {
            ancestorIDs = filters["ancestor"].compactMap { try? images.resolve($0).id }
        }
        if let before = filters["before"].first {
            let b = try lookup(before)
            rs = rs.filter { $0.Created < b.Created }
        }
        if let since = filters["since"].first {
            let s = try lookup(since)
            rs = rs.filter { $0.Created > s.Created }
        }
        for r in rs {
            if !showAll && !r.State.isRunning { continue }
            if filters.has("id") && !filters["id"].contains(where: { r.ID.hasPrefix($0) }) { continue }
            if filters.has("name") && !filters["name"].contains(where: { r.Name.dropFirst().contains($0) }) { continue }
            if !ContainerFilters.labelsMatch(r.Config.Labels ?? [:], filters["label"]) { continue }
            if filters.has("status") && !filters["status"].contains(r.State.Status) { continue }
            if filters.has("exited") {
                guard r.State.Status == "exited", filters["exited"].contains(String(r.State.ExitCode)) else { continue }
            }
            if let ancestorIDs, !ancestorIDs.contains(r.ImageID) { continue }
            if filters.has("health") && !filters["health"].contains(r.State.Health?.Status ?? "none") { continue }
            if filters.has("volume") && !r.Mounts.contains(where: { m in filters["volume"].contains { $0 == m.Name || $0 == m.Destination } }) { continue }
            var s = summary(r)
            if size {
                s.SizeRw = DiskUsage.bytes(paths(r.ID).upper)
                // The whole filesystem the container sees: its image's layers and its own changes.
                s.SizeRootFs = (s.SizeRw ?? 0) + images.size(imageID: r.ImageID)
            }
            out.append(s)
            if let limit, limit > 0, out.count >= limit { break }
        }
        return out
    }

    func summary(_ r: ContainerRecord) -> ContainerSummary {
        let command = ([r.Path] + r.Args).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let mode = r.HostConfig.NetworkMode ?? "bridge"
        return ContainerSummary(
            Id: r.ID, Names: [r.Name], Image: r.Config.Image ?? r.ImageID, ImageID: r.ImageID, Command: command,
            Created: WallTime.parse(rfc3339: r.Created)?.seconds ?? 0, Labels: r.Config.Labels ?? [:],
            State: r.State.Status, Status: statusText(r), NetworkMode: mode,
            Networks: [mode: EndpointSettings(NetworkID: "")], Mounts: r.Mounts)
    }

    /// The "Up 5 minutes" / "Exited (0) 3 seconds ago" column.
    func statusText(_ r: ContainerRecord) -> String {
        let now = WallTime.now().asDouble
        switch r.State.Status {
        case "running", "paused":
            let started = WallTime.parse(rfc3339: r.State.StartedAt)?.asDouble ?? now
            var s = "Up \(Durations.human(now - started))"
            if let h = r.State.Health {
                s += h.Status == "starting" ? " (health: starting)" : " (\(h.Status))"
            }
            return r.State.Status == "paused" ? s + " (Paused)" : s
        case "restarting":
            let finished = WallTime.parse(rfc3339: r.State.FinishedAt)?.asDouble ?? now
            return "Restarting (\(r.State.ExitCode)) \(Durations.human(now - finished)) ago"
        case "exited":
            let finished = WallTime.parse(rfc3339: r.State.FinishedAt)?.asDouble ?? now
            return "Exited (\(r.State.ExitCode)) \(Durations.human(now - finished)) ago"
        case "created": return "Created"
        case "removing": return "Removal In Progress"
        case "dead": return "Dead"
        default: return r.State.Status
        }
    }

    /// `GET /containers/{id}/json`.
    public func inspect(_ ref: String, size: Bool) throws -> ContainerInspect {
        let r = try lookup(ref)
        let p = paths(r.ID)
        let st = r.State
        let state = ContainerState(
            Status: st.Status, Running: st.isRunning, Paused: st.Status == "paused", Restarting: st.Status == "restarting",
            OOMKilled: st.OOMKilled, Dead: st.Status == "dead", Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
            StartedAt: st.StartedAt, FinishedAt: st.FinishedAt, Health: st.Health)
        let lower = ((try? images.lowerDirs(imageID: r.ImageID)) ?? []).joined(separator: ":")
        let mode = r.HostConfig.NetworkMode ?? "bridge"
        var out = ContainerInspect(
            Id: r.ID, Created: r.Created, Path: r.Path, Args: r.Args, State: state, Image: r.ImageID,
            ResolvConfPath: p.resolvConf, HostnamePath: p.hostname, HostsPath: p.hosts, LogPath: p.log, Name: r.Name,
            RestartCount: r.RestartCount, ExecIDs: r.ExecIDs.isEmpty ? nil : r.ExecIDs, HostConfig: r.HostConfig,
            GraphDriver: GraphDriver(Data: ["LowerDir": lower, "UpperDir": p.upper, "WorkDir": p.work, "MergedDir": p.merged]),
            Mounts: r.Mounts, Config: r.Config,
            NetworkSettings: NetworkSettings(SandboxKey: st.isRunning ? "/proc/\(st.Pid)/ns/net" : "",
                                             Networks: mode == "none" || mode == "host" ? [mode: EndpointSettings(NetworkID: "")]
                                                 : ["bridge": EndpointSettings(NetworkID: "")]))
        if size {
            out.SizeRw = DiskUsage.bytes(p.upper)
            out.SizeRootFs = (out.SizeRw ?? 0) + images.size(imageID: r.ImageID)
        }
        return out
    }
}

/// Docker's go-units HumanDuration: "Less than a second", "5 seconds", "About a minute", "2 hours"...
public enum Durations {
    public static func human(_ d: Double) -> String {
        let s = Int(d)
        if s < 1 { return "Less than a second" }
        if s == 1 { return "1 second" }
        if s < 60 { return "\(s) seconds" }
        let m = Int(d / 60)
        if m == 1 { return "About a minute" }
        if m < 60 { return "\(m) minutes" }
        let h = Int((d / 3600).rounded())
        if h == 1 { return "About an hour" }
        if h < 48 { return "\(h) hours" }
        if h < 24 * 7 * 2 { return "\(h / 24) days" }
        if h < 24 * 30 * 2 { return "\(h / 24 / 7) weeks" }
        if h < 24 * 365 * 2 { return "\(h / 24 / 30) months" }
        return "\(h / 24 / 365) years"
    }
}
