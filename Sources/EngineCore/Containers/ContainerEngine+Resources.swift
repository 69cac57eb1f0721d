import Glibc
import LinuxSys
import OCISpec
import Cgroups
import DockerAPI
import SupervisorAPI
import ShimAPI
import Wire

extension ContainerEngine {
    /// `GET /containers/{id}/top`: `ps` on the host, cut to the container's processes.
    public func top(_ ref: String, psArgs: String?) throws -> ContainerTopResponse {
        let r = try lookup(ref)
        guard r.State.isRunning else { throw EngineError.conflict("Container \(r.ID) is not running") }
        let info = try supervisor.call(SupervisorMethod.get, TaskRef(id: r.ID), TaskInfo.self)
        let shim = try RPCClient(path: AttachSession.shimSocket(info.shimAddress), protocolName: ShimProtocol.name,
                                 version: ShimProtocol.version, clientName: "berthd")
        defer { shim.close() }
        let pids = Set(try shim.call(ShimMethod.pids, ProcessRef(), PidsResult.self).pids)
        let args = (psArgs ?? "-ef").split(separator: " ").map(String.init)
        let candidates: [String] = ["/bin/ps", "/usr/bin/ps"]
        let ps = candidates.first { access($0, X_OK) == 0 } ?? "ps"
        let out = try ChildProcess.run(ps, args, timeout: 30)
        guard out.status == 0 else { throw EngineError.internal("ps \(args.joined(separator: " ")): \(out.stderr)") }
        var lines = out.stdout.split(separator: "\n").map(String.init)
        guard !lines.isEmpty else { throw EngineError.internal("ps printed nothing") }
        let titles = lines.removeFirst().split(separator: " ").map(String.init)
        guard let pidCol = titles.firstIndex(of: "PID") else {
            throw EngineError.internal("Couldn't find PID field in ps output")
        }
        var procs: [[String]] = []
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: titles.count - 1).map(String.init)
            guard fields.count > pidCol, let pid = Int32(fields[pidCol]), pids.contains(pid) else { continue }
            procs.append(fields)
        }
        emit("top", r)
        return ContainerTopResponse(Titles: titles, Processes: procs)
    }

    /// The cgroup statistics of a running container.
    public func rawStats(_ ref: String) throws -> (ContainerRecord, CgroupStats?) {
        let r = try lookup(ref)
        guard r.State.isRunning else { return (r, nil) }
        return (r, try? supervisor.call(SupervisorMethod.stats, TaskRef(id: r.ID), CgroupStats.self))
    }

    /// `POST /containers/{id}/update`.
    public func updateResources(_ ref: String, _ u: HostConfig) throws -> ContainerUpdateResponse {
        let r = try lookup(ref)
        if let p = u.RestartPolicy { try RestartManager.validate(p, autoRemove: r.HostConfig.AutoRemove ?? false) }
        var res = LinuxResources()
        var mem = LinuxMemory()
        var touchedMem = false
        if let m = u.Memory, m != 0 { mem.limit = m; touchedMem = true }
        if let s = u.MemorySwap, s != 0 { mem.swap = s; touchedMem = true }
        if let m = u.MemoryReservation, m != 0 { mem.reservation = m; touchedMem = true }
        if touchedMem { res.memory = mem }
        var cpu = LinuxCPU()
        var touchedCPU = false
        if let n = u.NanoCpus, n != 0 { cpu.period = 100_000; cpu.quota = n / 10_000; touchedCPU = true }
        if let s = u.CpuShares, s != 0 { cpu.shares = UInt64(s); touchedCPU = true }
        if let q = u.CpuQuota, q != 0 { cpu.quota = q; touchedCPU = true }
        if let p = u.CpuPeriod, p != 0 { cpu.period = UInt64(p); touchedCPU = true }
        if let c = u.CpusetCpus, !c.isEmpty { cpu.cpus = c; touchedCPU = true }
        if let m = u.CpusetMems, !m.isEmpty { cpu.mems = m; touchedCPU = true }
        if touchedCPU { res.cpu = cpu }
        if let p = u.PidsLimit, p != 0 { res.pids = LinuxPids(limit: p > 0 ? p : -1) }
        if let w = u.BlkioWeight, w != 0 { var b = LinuxBlockIO(); b.weight = w; res.blockIO = b }
        if r.State.isRunning {
            try supervisor.callVoid(SupervisorMethod.update, TaskUpdateParams(id: r.ID, resources: res))
        }
        update(r.ID) {
            var h = $0.HostConfig
            if let v = u.Memory, v != 0 { h.Memory = v }
            if let v = u.MemorySwap, v != 0 { h.MemorySwap = v }
            if let v = u.MemoryReservation, v != 0 { h.MemoryReservation = v }
            if let v = u.NanoCpus, v != 0 { h.NanoCpus = v }
            if let v = u.CpuShares, v != 0 { h.CpuShares = v }
            if let v = u.CpuQuota, v != 0 { h.CpuQuota = v }
            if let v = u.CpuPeriod, v != 0 { h.CpuPeriod = v }
            if let v = u.CpusetCpus, !v.isEmpty { h.CpusetCpus = v }
            if let v = u.CpusetMems, !v.isEmpty { h.CpusetMems = v }
            if let v = u.PidsLimit, v != 0 { h.PidsLimit = v }
            if let v = u.BlkioWeight, v != 0 { h.BlkioWeight = v }
            if let v = u.RestartPolicy { h.RestartPolicy = v }
            $0.HostConfig = h
        }
        if let rec = state.with({ records[r.ID] }) { emit("update", rec) }
        return ContainerUpdateResponse()
    }

    /// `POST /containers/{id}/resize` and `/exec/{id}/resize`.
    public func resize(_ ref: String, execID: String?, height: Int, width: Int) throws {
        let containerID: String
        if let execID {
            guard let x = state.with({ execs[execID] }) else { throw EngineError.noSuchExec(execID) }
            containerID = x.containerID
        } else {
            let r = try lookup(ref)
            guard r.State.isRunning else { throw EngineError.conflict("Container \(r.ID) is not running") }
            containerID = r.ID
        }
        guard height >= 0, width >= 0, height <= 65535, width <= 65535 else {
            throw EngineError.invalid("invalid terminal size \(height)x\(width)")
        }
        try supervisor.callVoid(SupervisorMethod.resizePty, TaskResizeParams(id: containerID, execID: execID,
                                                                              width: UInt16(width), height: UInt16(height)))
        if execID == nil, let r = state.with({ records[containerID] }) {
            emit("resize", r, extra: ["height": String(height), "width": String(width)])
        }
    }
}
