import DockerAPI
import Glibc
import OCISpec

/// HostConfig's resource fields → `linux.resources`, as dockerd's WithResources.
enum ResourceMapper {
    static func memory(_ h: HostConfig) -> LinuxMemory? {
        var m = LinuxMemory()
        if let v = h.Memory, v > 0 { m.limit = v }
        if let v = h.MemoryReservation, v > 0 { m.reservation = v }
        if let v = h.MemorySwap, v > 0 { m.swap = v }
        // -1 is "not set" (dockerd's fixMemorySwappiness).
        if let v = h.MemorySwappiness, v != -1 { m.swappiness = UInt64(truncatingIfNeeded: v) }
        if let v = h.OomKillDisable { m.disableOOMKiller = v }
        return m == LinuxMemory() ? nil : m
    }

    static func cpu(_ h: HostConfig) throws -> LinuxCPU? {
        var c = LinuxCPU()
        if let shares = h.CpuShares, shares != 0 {
            guard shares > 0 else {
                throw ContainerSpecError.invalid("invalid CPU shares (\(shares)): value must be a positive integer")
            }
            c.shares = UInt64(shares)
        }
        if let v = h.CpusetCpus, !v.isEmpty { c.cpus = v }
        if let v = h.CpusetMems, !v.isEmpty { c.mems = v }
        if let nano = h.NanoCpus, nano > 0 {
            // A period of 100 ms, and the quota that many CPUs get in it.
            let period: UInt64 = 100_000
            c.period = period
            c.quota = nano * Int64(period) / 1_000_000_000
        }
        if let v = h.CpuPeriod, v != 0 { c.period = UInt64(truncatingIfNeeded: v) }
        if let v = h.CpuQuota, v != 0 { c.quota = v }
        if let v = h.CpuRealtimePeriod, v != 0 { c.realtimePeriod = UInt64(truncatingIfNeeded: v) }
        if let v = h.CpuRealtimeRuntime, v != 0 { c.realtimeRuntime = v }
        return c == LinuxCPU() ? nil : c
    }

    /// 0 and negative values mean unlimited, written as -1 (what runc needs to lift a limit).
    static func pids(_ h: HostConfig) -> LinuxPids? {
        guard let limit = h.PidsLimit else { return nil }
        return LinuxPids(limit: limit <= 0 ? -1 : limit)
    }

    static func blockIO(_ h: HostConfig) -> LinuxBlockIO {
        var b = LinuxBlockIO()
        if let w = h.BlkioWeight, w != 0 { b.weight = w }
        return b
    }
}

/// dockerd's create-time checks of a HostConfig (verifyPlatformContainerSettings and
/// validateHostConfig), with its messages. `SpecBuilder.build` runs them too.
public enum HostConfigValidator {
    static let minimumMemory: Int64 = 6 * 1024 * 1024

    public static func validate(config: ContainerConfig, hostConfig h: HostConfig, host: HostFacts,
                                cpuCount: Int = HostConfigValidator.onlineCPUs()) throws {
        if let name = config.Hostname, name.utf8.count > 64 {
            throw ContainerSpecError.invalid("hostname \"\(name)\" is too long (maximum 64 bytes)")
        }
        let memory = h.Memory ?? 0, swap = h.MemorySwap ?? 0, reservation = h.MemoryReservation ?? 0
        if memory != 0 && memory < minimumMemory { throw ContainerSpecError.invalid("Minimum memory limit allowed is 6MB") }
        if memory > 0 && swap > 0 && swap < memory {
            throw ContainerSpecError.invalid("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if memory == 0 && swap > 0 {
            throw ContainerSpecError.invalid("You should always set the Memory limit when using Memoryswap limit, see usage")
        }
        if let s = h.MemorySwappiness, s != -1, s < 0 || s > 100 {
            throw ContainerSpecError.invalid("Invalid value: \(s), valid memory swappiness range is 0-100")
        }
        if reservation > 0 && reservation < minimumMemory {
            throw ContainerSpecError.invalid("Minimum memory reservation allowed is 6MB")
        }
        if memory > 0 && reservation > 0 && memory < reservation {
            throw ContainerSpecError.invalid("Minimum memory limit can not be less than memory reservation limit, see usage")
        }
        let nano = h.NanoCpus ?? 0, period = h.CpuPeriod ?? 0, quota = h.CpuQuota ?? 0
        if nano > 0 && period > 0 { throw ContainerSpecError.invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set") }
        if nano > 0 && quota > 0 { throw ContainerSpecError.invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set") }
        if nano != 0 && (nano < 0 || nano > Int64(cpuCount) * 1_000_000_000) {
            throw ContainerSpecError.invalid("range of CPUs is from 0.01 to \(cpuCount).00, as there are only \(cpuCount) CPUs available")
        }
        if period != 0 && (period < 1000 || period > 1_000_000) {
            throw ContainerSpecError.invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
        }
        if quota > 0 && quota < 1000 { throw ContainerSpecError.invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)") }
        if let w = h.BlkioWeight, w > 0, w < 10 || w > 1000 {
            throw ContainerSpecError.invalid("Range of blkio weight is from 10 to 1000")
        }
        try NamespaceMode.validateIPC(h.IpcMode ?? "")
        try NamespaceMode.validatePID(h.PidMode ?? "")
        if let shm = h.ShmSize, shm < 0 { throw ContainerSpecError.invalid("SHM size can not be less than 0") }
        try NamespaceMode.validateUTS(h.UTSMode ?? "")
        if let adj = h.OomScoreAdj, adj < -1000 || adj > 1000 {
            throw ContainerSpecError.invalid("Invalid value \(adj), range for oom score adj is [-1000, 1000]")
        }
        for dest in (h.Tmpfs ?? [:]).keys.sorted() { try MountParser.validateTmpfsDestination(dest) }
        try NamespaceMode.validateCgroupns(h.CgroupnsMode ?? "")
        for mount in h.Mounts ?? [] { try MountParser.validate(mount, checkSourceExists: true) }
        if h.AutoRemove == true, let policy = h.RestartPolicy?.Name, !policy.isEmpty, policy != "no" {
            throw ContainerSpecError.invalid("can't create 'AutoRemove' container with restart policy")
        }
        try CapabilitySet.validate(add: h.CapAdd ?? [], drop: h.CapDrop ?? [], available: host.capabilities)
        if (h.Annotations ?? [:]).keys.contains("") {
            throw ContainerSpecError.invalid("invalid Annotations: the empty string is not permitted as an annotation key")
        }
        _ = try ProcessResolver.workingDir(config.WorkingDir)
        for entry in config.Env ?? [] where entry.isEmpty || entry.hasPrefix("=") {
            throw ContainerSpecError.invalid("invalid environment variable: \(entry)")
        }
    }

    public static func onlineCPUs() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
