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
        let dataRoot = options.dataRoot
        input.volumePath = { name in
            let dir = "\(dataRoot)/volumes/\(name)/_data"
            try FileIO.mkdirAll(dir)
            return dir
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
