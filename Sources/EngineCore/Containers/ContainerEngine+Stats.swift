import Glibc
import LinuxSys
import Cgroups
import DockerAPI

extension ContainerEngine {
    /// One Docker stats sample; `previous` becomes precpu_stats (the CLI's CPU % needs both).
    public func stats(_ ref: String, previous: StatsResponse?) throws -> StatsResponse {
        let (r, raw) = try rawStats(ref)
        let now = WallTime.now().rfc3339Nano
        guard let s = raw else {
            return StatsResponse(name: r.Name, id: r.ID, read: now, preread: zeroTime,
                                 pids: .init(current: nil, limit: nil), blkio: .init(serviceBytes: nil, serviced: nil),
                                 cpu: .empty, precpu: .empty,
                                 memory: .init(usage: nil, maxUsage: nil, stats: nil, failcnt: nil, limit: nil))
        }
        let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let cpu = StatsResponse.CPUStats(
            usage: .init(total: s.cpu.usage.total, percpu: s.cpu.usage.percpu.isEmpty ? nil : s.cpu.usage.percpu,
                         kernel: s.cpu.usage.kernel, user: s.cpu.usage.user),
            system: Self.systemCPUUsage(), online: online,
            throttling: .init(periods: s.cpu.throttling.periods, throttled: s.cpu.throttling.throttledPeriods,
                              time: s.cpu.throttling.throttledTime))
        var memLimit = s.memory.usage.limit
        if memLimit == 0 || memLimit > UInt64(Int64.max) / 2 { memLimit = Self.hostMemory() }
        var mstats = s.memory.raw
        if mstats["cache"] == nil { mstats["cache"] = s.memory.cache }
        let memory = StatsResponse.MemoryStats(usage: s.memory.usage.usage, maxUsage: s.memory.usage.max, stats: mstats,
                                               failcnt: s.memory.usage.failcnt, limit: memLimit)
        func entries(_ e: [CgroupStats.BlkioEntry]) -> [StatsResponse.BlkioEntry] {
            e.map { .init(major: $0.major, minor: $0.minor, op: $0.op, value: $0.value) }
        }
        return StatsResponse(name: r.Name, id: r.ID, read: now, preread: previous?.read ?? zeroTime,
                             pids: .init(current: s.pids.current, limit: s.pids.limit == 0 ? nil : s.pids.limit),
                             blkio: .init(serviceBytes: entries(s.blkio.ioServiceBytesRecursive),
                                          serviced: entries(s.blkio.ioServicedRecursive)),
                             cpu: cpu, precpu: previous?.cpu_stats ?? .empty, memory: memory)
    }

    /// Host CPU time in nanoseconds from /proc/stat, as Docker reports system_cpu_usage.
    static func systemCPUUsage() -> UInt64? {
        guard let text = FileIO.readStringIfPresent("/proc/stat"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let ticks = line.split(separator: " ").dropFirst().prefix(7).compactMap { UInt64($0) }.reduce(0, +)
        let hz = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return ticks * (1_000_000_000 / hz)
    }

    static func hostMemory() -> UInt64 {
        UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
