import Glibc
import LinuxSys
import JSON
import OCISpec
import DockerAPI
import ContainerSpec

extension ContainerEngine {
    /// The container as an OCI bundle: config.json built the way dockerd builds it, the
    /// root filesystem pointing at the mounted overlay.
    func writeBundle(_ r: ContainerRecord, _ p: ContainerPaths) throws {
        try FileIO.mkdirAll(p.bundle, mode: 0o711)
        let spec = try buildSpec(r, p)
        try FileIO.writeAtomic("\(p.bundle)/config.json", try JSON.encode(spec), mode: 0o600, durable: false)
    }

    func buildSpec(_ r: ContainerRecord, _ p: ContainerPaths) throws -> Spec {
        var input = SpecInput(id: r.ID, config: r.Config, hostConfig: r.HostConfig, imageConfig: ContainerConfig(),
                              rootfsPath: p.merged, hostnamePath: p.hostname, hostsPath: p.hosts,
                              resolvConfPath: p.resolvConf, cgroupsPath: "/berth/\(r.ID)")
        input.initBinary = options.initBinary
        input.seccompProfile = seccompProfile
        // Volumes are named and created at create (the record's Mounts); a record from an
        // older berthd, or a volume removed by hand since, gets them now.
        input.volumePath = { [self] name in
            if (try? volumes.inspect(name)) == nil { _ = try createVolume(VolumeCreateRequest(Name: name)) }
            return try volumes.activate(name)
        }
        let anonymous = Dictionary(r.Mounts.compactMap { m in m.Type == "volume" ? m.Name.map { (m.Destination, $0) } : nil },
                                   uniquingKeysWith: { a, _ in a })
        input.anonymousVolumePath = { [self] destination in
            if let name = anonymous[destination], (try? volumes.inspect(name)) != nil { return try volumes.activate(name) }
            let v = try createVolume(VolumeCreateRequest(Labels: [VolumeStore.anonymousLabel: ""]))
            update(r.ID) { $0.Mounts.append(DockerAPI.MountPoint(Type: "volume", Name: v.Name, Source: v.Mountpoint,
                                                                  Destination: destination, Driver: v.Driver, Mode: "",
                                                                  RW: true, Propagation: "")) }
            return v.Mountpoint
        }
        input.inheritedMounts = r.InheritedMounts ?? []
        input.populateVolume = { [self] dir, destination in
            try populateVolume(dir, destination: destination, rootfs: p.merged)
        }
        input.containerPID = { [weak self] (ref: String) -> Int32? in
            guard let self, let other = try? self.lookup(ref), other.State.isRunning else { return nil }
            return Int32(other.State.Pid)
        }
        do {
            return try SpecBuilder.build(input)
        } catch let e as EngineError {
            throw e
        } catch {
            throw EngineError.invalid("\(error)")
        }
    }
}
