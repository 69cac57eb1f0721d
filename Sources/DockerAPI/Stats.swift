/// `GET /containers/{id}/stats` (ContainerStatsResponse), the fields the docker CLI and SDKs read.
public struct StatsResponse: Codable, Sendable {
    public var name: String
    public var id: String
    public var read: String
    public var preread: String
    public var pids_stats: PidsStats
    public var blkio_stats: BlkioStats
    public var num_procs: Int
    public var cpu_stats: CPUStats
    public var precpu_stats: CPUStats
    public var memory_stats: MemoryStats
    public var networks: [String: NetworkStats]?

    public init(name: String, id: String, read: String, preread: String, pids: PidsStats, blkio: BlkioStats,
                cpu: CPUStats, precpu: CPUStats, memory: MemoryStats) {
        self.name = name; self.id = id; self.read = read; self.preread = preread; pids_stats = pids
        blkio_stats = blkio; num_procs = 0; cpu_stats = cpu; precpu_stats = precpu; memory_stats = memory
    }

    public struct PidsStats: Codable, Sendable {
        public var current: UInt64?
        public var limit: UInt64?
        public init(current: UInt64?, limit: UInt64?) { self.current = current; self.limit = limit }
    }

    public struct BlkioEntry: Codable, Sendable {
        public var major: UInt64
        public var minor: UInt64
        public var op: String
        public var value: UInt64
        public init(major: UInt64, minor: UInt64, op: String, value: UInt64) {
            self.major = major; self.minor = minor; self.op = op; self.value = value
        }
    }

    public struct BlkioStats: Codable, Sendable {
        public var io_service_bytes_recursive: [BlkioEntry]?
        public var io_serviced_recursive: [BlkioEntry]?
        public init(serviceBytes: [BlkioEntry]?, serviced: [BlkioEntry]?) {
            io_service_bytes_recursive = serviceBytes; io_serviced_recursive = serviced
        }
    }

    public struct CPUUsage: Codable, Sendable {
        public var total_usage: UInt64
        public var percpu_usage: [UInt64]?
        public var usage_in_kernelmode: UInt64
        public var usage_in_usermode: UInt64
        public init(total: UInt64, percpu: [UInt64]?, kernel: UInt64, user: UInt64) {
            total_usage = total; percpu_usage = percpu; usage_in_kernelmode = kernel; usage_in_usermode = user
        }
    }

    public struct Throttling: Codable, Sendable {
        public var periods: UInt64
        public var throttled_periods: UInt64
        public var throttled_time: UInt64
        public init(periods: UInt64, throttled: UInt64, time: UInt64) {
            self.periods = periods; throttled_periods = throttled; throttled_time = time
        }
    }

    public struct CPUStats: Codable, Sendable {
        public var cpu_usage: CPUUsage
        public var system_cpu_usage: UInt64?
        public var online_cpus: Int?
        public var throttling_data: Throttling
        public init(usage: CPUUsage, system: UInt64?, online: Int?, throttling: Throttling) {
            cpu_usage = usage; system_cpu_usage = system; online_cpus = online; throttling_data = throttling
        }
        public static let empty = CPUStats(usage: CPUUsage(total: 0, percpu: nil, kernel: 0, user: 0), system: nil,
                                           online: nil, throttling: Throttling(periods: 0, throttled: 0, time: 0))
    }

    public struct MemoryStats: Codable, Sendable {
        public var usage: UInt64?
        public var max_usage: UInt64?
        public var stats: [String: UInt64]?
        public var failcnt: UInt64?
        public var limit: UInt64?
        public init(usage: UInt64?, maxUsage: UInt64?, stats: [String: UInt64]?, failcnt: UInt64?, limit: UInt64?) {
            self.usage = usage; max_usage = maxUsage; self.stats = stats; self.failcnt = failcnt; self.limit = limit
        }
    }

    public struct NetworkStats: Codable, Sendable {
        public var rx_bytes: UInt64
        public var rx_packets: UInt64
        public var rx_errors: UInt64
        public var rx_dropped: UInt64
        public var tx_bytes: UInt64
        public var tx_packets: UInt64
        public var tx_errors: UInt64
        public var tx_dropped: UInt64
    }
}
