import Glibc
import LinuxSys
import CLinux
import Archive
import DockerAPI
import ContainerSpec
import JSON

extension ContainerEngine {
    /// `POST /volumes/create`: a name is generated (64 hex digits) when none is given.
    public func createVolume(_ req: VolumeCreateRequest) throws -> Volume {
        let name = req.Name.flatMap { $0.isEmpty ? nil : $0 } ?? Identifiers.random()
        let (v, created) = try volumes.create(name: name, driver: req.Driver, options: req.DriverOpts, labels: req.Labels)
        if created { emitVolume("create", v) }
        return v
    }

    public func inspectVolume(_ name: String) throws -> Volume { try volumes.inspect(name) }

    /// `GET /volumes`, with Docker's filters: name (substring), driver, label, dangling.
    public func listVolumes(filters: Filters) throws -> VolumeListResponse {
        try filters.validate(["name", "driver", "label", "dangling"])
        var dangling: Bool?
        if let d = filters["dangling"].first {
            switch d.lowercased() {
            case "true", "1": dangling = true
            case "false", "0": dangling = false
            default: throw EngineError.invalid("invalid filter 'dangling=\(d)'")
            }
        }
        let users = volumeUsers()
        let out = volumes.list().filter { v in
            if filters.has("name"), !filters["name"].contains(where: { v.Name.contains($0) }) { return false }
            if filters.has("driver"), !filters["driver"].contains(v.Driver) { return false }
            if !ContainerFilters.labelsMatch(v.Labels, filters["label"]) { return false }
            if let dangling, (users[v.Name] == nil) != dangling { return false }
            return true
        }
        return VolumeListResponse(Volumes: out, Warnings: nil)
    }

    /// `DELETE /volumes/{name}`: refused while any container, running or not, refers to it.
    /// `force` makes a missing volume no error, as with Docker.
    public func removeVolume(_ name: String, force: Bool) throws {
        let v: Volume
        do { v = try volumes.inspect(name) } catch let e as EngineError where e.kind == .notFound && force { return }
        if let ids = volumeUsers()[name] {
            throw EngineError.conflict("remove \(name): volume is in use - [\(ids.joined(separator: ", "))]")
        }
        try volumes.remove(name)
        emitVolume("destroy", v)
    }

    /// `POST /volumes/prune`: unused volumes; since API 1.42 only anonymous ones unless the
    /// `all` filter is true (docker volume prune --all).
    public func pruneVolumes(filters: Filters) throws -> VolumePruneResponse {
        try filters.validate(["label", "label!", "all"])
        let all = filters["all"].contains { $0 == "true" || $0 == "1" }
        let users = volumeUsers()
        var deleted: [String] = []
        var reclaimed: Int64 = 0
        for v in volumes.list() where users[v.Name] == nil && (all || volumes.isAnonymous(v)) {
            guard ContainerFilters.labelsMatch(v.Labels, filters["label"]) else { continue }
            if !filters["label!"].isEmpty, filters["label!"].contains(where: { ContainerFilters.labelsMatch(v.Labels, [$0]) }) { continue }
            guard let size = try? volumes.remove(v.Name) else { continue }
            emitVolume("destroy", v)
            deleted.append(v.Name)
            reclaimed += size
        }
        events.publish(type: "volume", action: "prune", id: "", attributes: ["reclaimed": String(reclaimed)])
        return VolumePruneResponse(VolumesDeleted: deleted, SpaceReclaimed: reclaimed)
    }

    /// Every volume with its size and how many containers refer to it (`GET /system/df`).
    public func volumeUsage() -> [Volume] {
        let users = volumeUsers()
        return volumes.list().map { v in
            var out = v
            out.UsageData = VolumeUsageData(Size: DiskUsage.bytes(v.Mountpoint), RefCount: users[v.Name]?.count ?? 0)
            return out
        }
    }

    /// Volume name → the containers whose mounts name it.
    func volumeUsers() -> [String: [String]] {
        var out: [String: [String]] = [:]
        for r in allRecords() {
            for m in r.Mounts where m.Type == "volume" {
                if let name = m.Name, !name.isEmpty { out[name, default: []].append(r.ID) }
            }
        }
        return out
    }

    /// The container's mounts for its record, each volume named: named ones are created if
    /// missing, anonymous ones (VOLUME, `-v /path`, `--mount` without source) get a new
    /// volume of their own, as dockerd does at create.
    func volumeMounts(_ host: HostConfig, _ config: ContainerConfig, inherited: [DockerAPI.MountPoint]) throws -> [DockerAPI.MountPoint] {
        let points: [ContainerSpec.MountPoint]
        do { points = try MountPlanner.mountPoints(hostConfig: host, config: config, inherited: inherited) } catch {
            throw EngineError.invalid("\(error)")
        }
        var out: [DockerAPI.MountPoint] = []
        for p in points {
            switch p.type {
            case .bind:
                out.append(DockerAPI.MountPoint(Type: "bind", Source: p.source, Destination: p.destination, Mode: p.mode,
                                                RW: p.readWrite, Propagation: p.propagation))
            case .volume where !p.source.isEmpty && inherited.contains(where: { $0.Name == p.source && $0.Destination == p.destination }):
                // Another container's volume: it exists, and stays as that container made it.
                let v = try volumes.inspect(p.source)
                out.append(DockerAPI.MountPoint(Type: "volume", Name: v.Name, Source: v.Mountpoint, Destination: p.destination,
                                                Driver: v.Driver, Mode: "", RW: p.readWrite, Propagation: ""))
            case .volume:
                var labels = p.spec.VolumeOptions?.Labels ?? [:]
                if p.source.isEmpty { labels[VolumeStore.anonymousLabel] = "" }
                var driver: String?
                var driverOpts: [String: String]?
                if case .object(let dc)? = p.spec.VolumeOptions?.DriverConfig {
                    driver = dc["Name"]?.text
                    if case .object(let o)? = dc["Options"] { driverOpts = Dictionary(o.map { ($0.key, $0.value.text ?? "") }, uniquingKeysWith: { a, _ in a }) }
                }
                let v: Volume
                do {
                    v = try createVolume(VolumeCreateRequest(Name: p.source.isEmpty ? nil : p.source, Driver: driver,
                                                             DriverOpts: driverOpts, Labels: labels))
                } catch {
                    removeAnonymousVolumes("(being created)", out)   // the ones made for this container so far
                    throw error
                }
                out.append(DockerAPI.MountPoint(Type: "volume", Name: v.Name, Source: v.Mountpoint, Destination: p.destination,
                                                Driver: v.Driver, Mode: p.mode.isEmpty && !p.source.isEmpty ? "z" : p.mode,
                                                RW: p.readWrite, Propagation: ""))
            case .tmpfs:
                out.append(DockerAPI.MountPoint(Type: "tmpfs", Source: "", Destination: p.destination, Mode: "",
                                                RW: p.readWrite, Propagation: ""))
            }
        }
        return out
    }

    /// `--volumes-from NAME[:ro|:rw]`: the binds and volumes of those containers, read-only
    /// or writable as asked, else as they are there (moby's parseVolumesFrom).
    func volumesFrom(_ host: HostConfig) throws -> [DockerAPI.MountPoint] {
        var out: [DockerAPI.MountPoint] = []
        for spec in host.VolumesFrom ?? [] {
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let mode = parts.count > 1 ? parts[1] : ""
            guard mode == "" || mode == "ro" || mode == "rw" else {
                throw EngineError.invalid("invalid mode for volumes-from: \(spec)")
            }
            let other = try lookup(parts[0])
            for var m in other.Mounts where m.Type == "bind" || m.Type == "volume" {
                if mode == "ro" { m.RW = false } else if mode == "rw" { m.RW = true }
                if !out.contains(where: { $0.Destination == m.Destination }) { out.append(m) }
            }
        }
        return out
    }

    /// The anonymous volumes of a removed container (or one whose create failed) that
    /// nothing else uses (`docker rm -v`).
    func removeAnonymousVolumes(_ id: String, _ mounts: [DockerAPI.MountPoint]) {
        let users = volumeUsers()
        for m in mounts where m.Type == "volume" {
            guard let name = m.Name, users[name] == nil, let v = try? volumes.inspect(name), volumes.isAnonymous(v) else { continue }
            do {
                try volumes.remove(name)
                emitVolume("destroy", v)
            } catch {
                log.warn("container \(id): cannot remove its volume \(name): \(error)")
            }
        }
    }

    /// Fills an empty volume with the image's content at `destination` and gives it that
    /// directory's owner and mode (moby's copyExistingContents + copyOwnership). A volume
    /// with anything in it is left alone: it is copied into once, when new.
    func populateVolume(_ dir: String, destination: String, rootfs: String) throws {
        guard let present = try? FileIO.listDirectory(dir), present.isEmpty else { return }
        let src: String
        do { src = try ContainerPathResolver.resolve(root: rootfs, destination) } catch { return }
        var st = Glibc.stat()
        guard lstat(src, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return }
        if !((try? FileIO.listDirectory(src))?.isEmpty ?? true) {
            try copyTree(from: src, to: dir)
        }
        try sys("chown", dir) { lchown(dir, st.st_uid, st.st_gid) }
        try sys("chmod", dir) { chmod(dir, st.st_mode & 0o7777) }
    }

    /// A tree copied through a pipe as tar: the writer on a thread, the applier here, so
    /// owners, modes, links, devices and xattrs come over exactly as `docker cp` moves them.
    private func copyTree(from src: String, to dir: String) throws {
        final class Writer: @unchecked Sendable {
            let done = Condition()
            var finished = false
            var error: Error?
        }
        var fds: [Int32] = [-1, -1]
        try sys("pipe2", "volume copy") { berth_pipe_cloexec(&fds) }
        let (r, w) = (fds[0], fds[1])
        let writer = Writer()
        let started = startThread {
            var failure: Error?
            do {
                let tar = TarWriter(FDSink(fd: w))
                try tar.addTree(root: src, as: "")
                try tar.finish()
            } catch {
                failure = error
            }
            close(w)
            writer.done.with { writer.error = failure; writer.finished = true; writer.done.broadcast() }
        }
        guard started else {
            close(r); close(w)
            throw EngineError.internal("copy the image's \(src) into the volume \(dir): cannot start a thread")
        }
        var applyError: Error?
        do { _ = try LayerApplier.apply(FDSource(fd: r), to: dir, options: ApplyOptions(whiteoutFormat: .none)) } catch {
            applyError = error
        }
        close(r)   // a writer still going gets EPIPE and stops
        let writeError = writer.done.with { () -> Error? in
            while !writer.finished { _ = writer.done.wait(seconds: 1) }
            return writer.error
        }
        if let e = applyError ?? writeError {
            throw EngineError.internal("copy the image's \(src) into the volume \(dir): \(e)")
        }
    }

    /// Unmounts the filesystems of the container's volumes with options that no other
    /// running container uses (the local driver's refcount, recomputed from the records).
    func releaseVolumes(_ id: String) {
        guard let (r, busy) = state.with({ () -> (ContainerRecord, Set<String>)? in
            guard let r = records[id] else { return nil }
            let others = records.values.filter { $0.ID != id && ($0.State.isRunning || starting.contains($0.ID)) }
            return (r, Set(others.flatMap { $0.Mounts.compactMap { $0.Type == "volume" ? $0.Name : nil } }))
        }) else { return }
        for m in r.Mounts where m.Type == "volume" {
            if let name = m.Name, !busy.contains(name) { volumes.deactivate(name) }
        }
    }

    /// Docker's "mount" and "unmount" volume events of a container's start and exit.
    func announceVolumes(_ action: String, _ id: String) {
        guard let r = state.with({ records[id] }) else { return }
        for m in r.Mounts where m.Type == "volume" {
            guard let name = m.Name else { continue }
            var attrs = ["driver": m.Driver ?? "local", "container": r.ID]
            if action == "mount" {
                attrs["destination"] = m.Destination
                attrs["read/write"] = m.RW ? "true" : "false"
                attrs["propagation"] = m.Propagation
            }
            events.publish(type: "volume", action: action, id: name, attributes: attrs)
        }
    }

    func emitVolume(_ action: String, _ v: Volume) {
        events.publish(type: "volume", action: action, id: v.Name, attributes: ["driver": v.Driver])
    }
}
