/// The "data" object of `runc events --stats` (runc types/events.go), with the same JSON
/// keys; zero counters are left out where runc's `omitempty` leaves them out.
public struct CgroupStats: Codable, Sendable, Equatable {
    public var cpu = CPUStats()
    public var memory = MemoryStats()
    public var pids = PidsStats()
    public var blkio = BlkioStats()
    /// Keyed by page size as the kernel names it in file names: "2MB", "1GB".
    public var hugetlb: [String: HugetlbStats] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey { case cpu, memory, pids, blkio, hugetlb }
    /// Lenient: runc writes `"hugetlb": null` when it has none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cpu = try c.value(.cpu, or: CPUStats())
        memory = try c.value(.memory, or: MemoryStats())
        pids = try c.value(.pids, or: PidsStats())
        blkio = try c.value(.blkio, or: BlkioStats())
        hugetlb = try c.value(.hugetlb, or: [:])
    }

    public struct CPUStats: Codable, Sendable, Equatable {
        public var usage = CPUUsage()
        public var throttling = Throttling()
        public init() {}

        enum CodingKeys: String, CodingKey { case usage, throttling }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            usage = try c.value(.usage, or: CPUUsage())
            throttling = try c.value(.throttling, or: Throttling())
        }
    }

    /// Nanoseconds.
    public struct CPUUsage: Codable, Sendable, Equatable {
        public var total: UInt64 = 0
        public var percpu: [UInt64] = []
        public var percpuKernel: [UInt64] = []
        public var percpuUser: [UInt64] = []
        public var kernel: UInt64 = 0
        public var user: UInt64 = 0
        public init() {}

        enum CodingKeys: String, CodingKey {
            case total, percpu, percpuKernel = "percpu_kernel", percpuUser = "percpu_user", kernel, user
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            total = try c.value(.total, or: 0)
            percpu = try c.value(.percpu, or: [])
            percpuKernel = try c.value(.percpuKernel, or: [])
            percpuUser = try c.value(.percpuUser, or: [])
            kernel = try c.value(.kernel, or: 0)
            user = try c.value(.user, or: 0)
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(total, forKey: .total)
            try c.encodeNonEmpty(percpu, forKey: .percpu)
            try c.encodeNonEmpty(percpuKernel, forKey: .percpuKernel)
            try c.encodeNonEmpty(percpuUser, forKey: .percpuUser)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(user, forKey: .user)
        }
    }

    public struct Throttling: Codable, Sendable, Equatable {
        public var periods: UInt64 = 0
        public var throttledPeriods: UInt64 = 0
        /// Nanoseconds.
        public var throttledTime: UInt64 = 0
        public init() {}

        enum CodingKeys: String, CodingKey { case periods, throttledPeriods, throttledTime }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            periods = try c.value(.periods, or: 0)
            throttledPeriods = try c.value(.throttledPeriods, or: 0)
            throttledTime = try c.value(.throttledTime, or: 0)
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(periods, forKey: .periods)
            try c.encodeNonZero(throttledPeriods, forKey: .throttledPeriods)
            try c.encodeNonZero(throttledTime, forKey: .throttledTime)
        }
    }

    public struct MemoryEntry: Codable, Sendable, Equatable {
        /// UInt64.max when unlimited, as runc reports it.
        public var limit: UInt64 = 0
        public var usage: UInt64 = 0
        public var max: UInt64 = 0
        public var failcnt: UInt64 = 0
        public init() {}

        enum CodingKeys: String, CodingKey { case limit, usage, max, failcnt }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            limit = try c.value(.limit, or: 0)
            usage = try c.value(.usage, or: 0)
            max = try c.value(.max, or: 0)
            failcnt = try c.value(.failcnt, or: 0)
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(limit, forKey: .limit)
            try c.encodeNonZero(usage, forKey: .usage)
            try c.encodeNonZero(max, forKey: .max)
            try c.encode(failcnt, forKey: .failcnt)
        }
    }

    public struct MemoryStats: Codable, Sendable, Equatable {
        /// Page cache: v1 "cache", v2 "file" from memory.stat.
        public var cache: UInt64 = 0
        public var usage = MemoryEntry()
        /// Memory plus swap on both versions, for v1 compatibility (as runc reports it).
        public var swap = MemoryEntry()
        public var kernel = MemoryEntry()
        public var kernelTCP = MemoryEntry()
        /// memory.stat as is.
        public var raw: [String: UInt64] = [:]
        public init() {}

        enum CodingKeys: String, CodingKey { case cache, usage, swap, kernel, kernelTCP, raw }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cache = try c.value(.cache, or: 0)
            usage = try c.value(.usage, or: MemoryEntry())
            swap = try c.value(.swap, or: MemoryEntry())
            kernel = try c.value(.kernel, or: MemoryEntry())
            kernelTCP = try c.value(.kernelTCP, or: MemoryEntry())
            raw = try c.value(.raw, or: [:])
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(cache, forKey: .cache)
            try c.encode(usage, forKey: .usage)
            try c.encode(swap, forKey: .swap)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(kernelTCP, forKey: .kernelTCP)
            try c.encodeNonEmpty(raw, forKey: .raw)
        }
    }

    public struct PidsStats: Codable, Sendable, Equatable {
        public var current: UInt64 = 0
        /// 0 when unlimited ("max").
        public var limit: UInt64 = 0
        public init() {}

        enum CodingKeys: String, CodingKey { case current, limit }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            current = try c.value(.current, or: 0)
            limit = try c.value(.limit, or: 0)
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(current, forKey: .current)
            try c.encodeNonZero(limit, forKey: .limit)
        }
    }

    public struct BlkioEntry: Codable, Sendable, Equatable {
        public var major: UInt64 = 0
        public var minor: UInt64 = 0
        /// "Read", "Write", "Sync", "Async", "Discard", "Total".
        public var op: String = ""
        public var value: UInt64 = 0

        public init(major: UInt64, minor: UInt64, op: String, value: UInt64) {
            self.major = major
            self.minor = minor
            self.op = op
            self.value = value
        }

        enum CodingKeys: String, CodingKey { case major, minor, op, value }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            major = try c.value(.major, or: 0)
            minor = try c.value(.minor, or: 0)
            op = try c.value(.op, or: "")
            value = try c.value(.value, or: 0)
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(major, forKey: .major)
            try c.encodeNonZero(minor, forKey: .minor)
            try c.encodeNonEmpty(op, forKey: .op)
            try c.encodeNonZero(value, forKey: .value)
        }
    }

    public struct BlkioStats: Codable, Sendable, Equatable {
        public var ioServiceBytesRecursive: [BlkioEntry] = []
        public var ioServicedRecursive: [BlkioEntry] = []
        public var ioQueuedRecursive: [BlkioEntry] = []
        public var ioServiceTimeRecursive: [BlkioEntry] = []
        public var ioWaitTimeRecursive: [BlkioEntry] = []
        public var ioMergedRecursive: [BlkioEntry] = []
        public var ioTimeRecursive: [BlkioEntry] = []
        public var sectorsRecursive: [BlkioEntry] = []
        public init() {}

        enum CodingKeys: String, CodingKey {
            // runc's JSON key really is "ioQueueRecursive" for the queued list.
            case ioServiceBytesRecursive, ioServicedRecursive, ioQueuedRecursive = "ioQueueRecursive"
            case ioServiceTimeRecursive, ioWaitTimeRecursive, ioMergedRecursive, ioTimeRecursive, sectorsRecursive
        }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ioServiceBytesRecursive = try c.value(.ioServiceBytesRecursive, or: [])
            ioServicedRecursive = try c.value(.ioServicedRecursive, or: [])
            ioQueuedRecursive = try c.value(.ioQueuedRecursive, or: [])
            ioServiceTimeRecursive = try c.value(.ioServiceTimeRecursive, or: [])
            ioWaitTimeRecursive = try c.value(.ioWaitTimeRecursive, or: [])
            ioMergedRecursive = try c.value(.ioMergedRecursive, or: [])
            ioTimeRecursive = try c.value(.ioTimeRecursive, or: [])
            sectorsRecursive = try c.value(.sectorsRecursive, or: [])
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonEmpty(ioServiceBytesRecursive, forKey: .ioServiceBytesRecursive)
            try c.encodeNonEmpty(ioServicedRecursive, forKey: .ioServicedRecursive)
            try c.encodeNonEmpty(ioQueuedRecursive, forKey: .ioQueuedRecursive)
            try c.encodeNonEmpty(ioServiceTimeRecursive, forKey: .ioServiceTimeRecursive)
            try c.encodeNonEmpty(ioWaitTimeRecursive, forKey: .ioWaitTimeRecursive)
            try c.encodeNonEmpty(ioMergedRecursive, forKey: .ioMergedRecursive)
            try c.encodeNonEmpty(ioTimeRecursive, forKey: .ioTimeRecursive)
            try c.encodeNonEmpty(sectorsRecursive, forKey: .sectorsRecursive)
        }
    }

    public struct HugetlbStats: Codable, Sendable, Equatable {
        public var usage: UInt64 = 0
        public var max: UInt64 = 0
        public var failcnt: UInt64 = 0
        public init() {}

        enum CodingKeys: String, CodingKey { case usage, max, failcnt }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            usage = try c.value(.usage, or: 0)
            max = try c.value(.max, or: 0)
            failcnt = try c.value(.failcnt, or: 0)
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(usage, forKey: .usage)
            try c.encodeNonZero(max, forKey: .max)
            try c.encode(failcnt, forKey: .failcnt)
        }
    }
}

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension KeyedEncodingContainer {
    mutating func encodeNonZero(_ v: UInt64, forKey key: Key) throws {
        if v != 0 { try encode(v, forKey: key) }
    }

    mutating func encodeNonEmpty<T: Encodable & Collection>(_ v: T, forKey key: Key) throws {
        if !v.isEmpty { try encode(v, forKey: key) }
    }
}
