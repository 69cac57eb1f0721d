import Glibc

extension CgroupManager {
    /// Reads what each controller offers; a controller or file that is absent leaves its
    /// numbers at zero, so one missing counter never hides the rest.
    public func stats() throws -> CgroupStats {
        guard let dir = processDirectory, CgroupFS.isDirectory(dir) else {
            throw CgroupError("cgroup \(processDirectory ?? "(none)") does not exist", path: processDirectory, errno: ENOENT)
        }
        var s = CgroupStats()
        switch place("cpuacct") {
        case .v1(let dir): StatsV1.cpuacct(dir, &s.cpu.usage)
        case .v2(let dir): StatsV2.cpu(dir, &s.cpu)
        case nil: break
        }
        if case .v1(let dir) = place("cpu") { StatsV1.throttling(dir, &s.cpu.throttling) }
        switch place("memory") {
        case .v1(let dir): StatsV1.memory(dir, &s.memory)
        case .v2(let dir): StatsV2.memory(dir, &s.memory)
        case nil: break
        }
        switch place("pids") {
        case .v1(let dir), .v2(let dir):
            s.pids.current = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "pids.current"))
            let max = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "pids.max"))
            s.pids.limit = max == UInt64.max ? 0 : max
        case nil: break
        }
        switch place("blkio") {
        case .v1(let dir): StatsV1.blkio(dir, &s.blkio)
        case .v2(let dir): StatsV2.io(dir, &s.blkio)
        case nil: break
        }
        switch place("hugetlb") {
        case .v1(let dir): s.hugetlb = StatsV1.hugetlb(dir)
        case .v2(let dir): s.hugetlb = StatsV2.hugetlb(dir)
        case nil: break
        }
        return s
    }
}

/// Page sizes with a hugetlb file in `dir`, taken from names like "hugetlb.2MB.<suffix>".
func hugetlbSizes(_ dir: String, suffix: String) -> [String] {
    CgroupFS.entries(dir).compactMap { name in
        let parts = name.split(separator: ".")
        guard parts.count == 3, parts[0] == "hugetlb", String(parts[2]) == suffix else { return nil }
        return String(parts[1])
    }.sorted()
}

/// Lines "8:0 Read 123", "8:0 123" or "Total 123" (the total is dropped, as runc does).
func parseBlkioEntries(_ text: String?) -> [CgroupStats.BlkioEntry] {
    guard let text else { return [] }
    var out: [CgroupStats.BlkioEntry] = []
    for line in CgroupFS.lines(text) {
        let f = CgroupFS.fields(line)
        guard f.count == 2 || f.count == 3 else { continue }
        let dev = f[0].split(separator: ":")
        guard dev.count == 2, let major = UInt64(dev[0]), let minor = UInt64(dev[1]),
              let value = UInt64(f[f.count - 1]) else { continue }
        out.append(.init(major: major, minor: minor, op: f.count == 3 ? String(f[1]) : "", value: value))
    }
    return out
}

enum StatsV1 {
    static func cpuacct(_ dir: String, _ usage: inout CgroupStats.CPUUsage) {
        usage.total = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "cpuacct.usage"))
        usage.percpu = numbers(CgroupFS.readIfPresent(dir, "cpuacct.usage_percpu"))
        // usage_all: header "cpu user system", then one row per cpu, in nanoseconds.
        for line in CgroupFS.lines(CgroupFS.readIfPresent(dir, "cpuacct.usage_all") ?? "").dropFirst() {
            let f = CgroupFS.fields(line)
            guard f.count == 3, let user = UInt64(f[1]), let system = UInt64(f[2]) else { continue }
            usage.percpuUser.append(user)
            usage.percpuKernel.append(system)
        }
        // cpuacct.stat counts USER_HZ ticks.
        let ticks = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "cpuacct.stat") ?? "")
        let hz = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        usage.user = (ticks["user"] ?? 0) * (1_000_000_000 / hz)
        usage.kernel = (ticks["system"] ?? 0) * (1_000_000_000 / hz)
    }

    static func throttling(_ dir: String, _ t: inout CgroupStats.Throttling) {
        let kv = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "cpu.stat") ?? "")
        t.periods = kv["nr_periods"] ?? 0
        t.throttledPeriods = kv["nr_throttled"] ?? 0
        t.throttledTime = kv["throttled_time"] ?? 0
    }

    static func memory(_ dir: String, _ m: inout CgroupStats.MemoryStats) {
        m.raw = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "memory.stat") ?? "")
        m.cache = m.raw["cache"] ?? 0
        m.usage = entry(dir, "memory")
        m.swap = entry(dir, "memory.memsw")
        m.kernel = entry(dir, "memory.kmem")
        m.kernelTCP = entry(dir, "memory.kmem.tcp")
    }

    private static func entry(_ dir: String, _ prefix: String) -> CgroupStats.MemoryEntry {
        var e = CgroupStats.MemoryEntry()
        e.usage = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, prefix + ".usage_in_bytes"))
        e.max = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, prefix + ".max_usage_in_bytes"))
        e.failcnt = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, prefix + ".failcnt"))
        e.limit = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, prefix + ".limit_in_bytes"))
        return e
    }

    /// CFQ files first, then BFQ, then the throttle layer that every kernel keeps.
    static func blkio(_ dir: String, _ b: inout CgroupStats.BlkioStats) {
        func firstNonEmpty(_ name: String) -> [CgroupStats.BlkioEntry] {
            for prefix in ["blkio.", "blkio.bfq.", "blkio.throttle."] {
                let e = parseBlkioEntries(CgroupFS.readIfPresent(dir, prefix + name))
                if !e.isEmpty { return e }
            }
            return []
        }
        b.ioServiceBytesRecursive = firstNonEmpty("io_service_bytes_recursive")
        b.ioServicedRecursive = firstNonEmpty("io_serviced_recursive")
        b.ioQueuedRecursive = parseBlkioEntries(CgroupFS.readIfPresent(dir, "blkio.io_queued_recursive"))
        b.ioServiceTimeRecursive = parseBlkioEntries(CgroupFS.readIfPresent(dir, "blkio.io_service_time_recursive"))
        b.ioWaitTimeRecursive = parseBlkioEntries(CgroupFS.readIfPresent(dir, "blkio.io_wait_time_recursive"))
        b.ioMergedRecursive = parseBlkioEntries(CgroupFS.readIfPresent(dir, "blkio.io_merged_recursive"))
        b.ioTimeRecursive = parseBlkioEntries(CgroupFS.readIfPresent(dir, "blkio.time_recursive"))
        b.sectorsRecursive = parseBlkioEntries(CgroupFS.readIfPresent(dir, "blkio.sectors_recursive"))
    }

    static func hugetlb(_ dir: String) -> [String: CgroupStats.HugetlbStats] {
        var out: [String: CgroupStats.HugetlbStats] = [:]
        for size in hugetlbSizes(dir, suffix: "limit_in_bytes") {
            var h = CgroupStats.HugetlbStats()
            h.usage = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "hugetlb.\(size).usage_in_bytes"))
            h.max = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "hugetlb.\(size).max_usage_in_bytes"))
            h.failcnt = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "hugetlb.\(size).failcnt"))
            out[size] = h
        }
        return out
    }

    static func numbers(_ text: String?) -> [UInt64] {
        CgroupFS.fields(Substring(text ?? "")).compactMap { UInt64($0) }
    }
}

enum StatsV2 {
    static func cpu(_ dir: String, _ c: inout CgroupStats.CPUStats) {
        let kv = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "cpu.stat") ?? "")
        c.usage.total = (kv["usage_usec"] ?? 0) * 1000
        c.usage.user = (kv["user_usec"] ?? 0) * 1000
        c.usage.kernel = (kv["system_usec"] ?? 0) * 1000
        c.throttling.periods = kv["nr_periods"] ?? 0
        c.throttling.throttledPeriods = kv["nr_throttled"] ?? 0
        c.throttling.throttledTime = (kv["throttled_usec"] ?? 0) * 1000
    }

    static func memory(_ dir: String, _ m: inout CgroupStats.MemoryStats) {
        m.raw = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "memory.stat") ?? "")
        m.cache = m.raw["file"] ?? 0
        let events = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "memory.events") ?? "")
        m.usage.usage = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "memory.current"))
        m.usage.max = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "memory.peak"))
        m.usage.limit = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "memory.max"))
        m.usage.failcnt = events["max"] ?? 0
        // v1 reports swap as memory+swap; keep that meaning so consumers need not care.
        guard let swapCurrent = CgroupFS.readIfPresent(dir, "memory.swap.current") else { return }
        m.swap.usage = CgroupFS.parseUInt(swapCurrent) &+ m.usage.usage
        m.swap.max = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "memory.swap.peak"))
        let swapLimit = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "memory.swap.max"))
        let (sum, overflow) = swapLimit.addingReportingOverflow(m.usage.limit)
        m.swap.limit = overflow ? UInt64.max : sum
        m.swap.failcnt = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "memory.swap.events") ?? "")["max"] ?? 0
    }

    /// io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".
    static func io(_ dir: String, _ b: inout CgroupStats.BlkioStats) {
        for line in CgroupFS.lines(CgroupFS.readIfPresent(dir, "io.stat") ?? "") {
            let f = CgroupFS.fields(line)
            let dev = f.first?.split(separator: ":") ?? []
            guard dev.count == 2, let major = UInt64(dev[0]), let minor = UInt64(dev[1]) else { continue }
            for kv in f.dropFirst() {
                let pair = kv.split(separator: "=")
                guard pair.count == 2, let v = UInt64(pair[1]) else { continue }
                let entry = { (op: String) in CgroupStats.BlkioEntry(major: major, minor: minor, op: op, value: v) }
                switch pair[0] {
                case "rbytes": b.ioServiceBytesRecursive.append(entry("Read"))
                case "wbytes": b.ioServiceBytesRecursive.append(entry("Write"))
                case "rios": b.ioServicedRecursive.append(entry("Read"))
                case "wios": b.ioServicedRecursive.append(entry("Write"))
                default: break
                }
            }
        }
    }

    static func hugetlb(_ dir: String) -> [String: CgroupStats.HugetlbStats] {
        var out: [String: CgroupStats.HugetlbStats] = [:]
        for size in hugetlbSizes(dir, suffix: "current") {
            var h = CgroupStats.HugetlbStats()
            h.usage = CgroupFS.parseUInt(CgroupFS.readIfPresent(dir, "hugetlb.\(size).current"))
            h.failcnt = CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "hugetlb.\(size).events") ?? "")["max"] ?? 0
            out[size] = h
        }
        return out
    }
}
