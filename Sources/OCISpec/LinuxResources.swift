// Cgroup resource limits (runtime-spec config-linux.md "Control groups").
// Property names and JSON keys follow specs-go/config.go so that configs
// written by runc, containerd, podman or Docker decode unchanged.

/// `linux.resources`: everything a runtime may apply to the container's cgroup.
public struct LinuxResources: Codable, Sendable, Equatable {
    public var devices: [LinuxDeviceCgroup]?
    public var memory: LinuxMemory?
    public var cpu: LinuxCPU?
    public var pids: LinuxPids?
    public var blockIO: LinuxBlockIO?
    public var hugepageLimits: [LinuxHugepageLimit]?
    public var network: LinuxNetwork?
    /// Keyed by RDMA device name.
    public var rdma: [String: LinuxRdma]?
    /// Raw cgroup v2 files: file name -> content.
    public var unified: [String: String]?

    public init(
        devices: [LinuxDeviceCgroup]? = nil,
        memory: LinuxMemory? = nil,
        cpu: LinuxCPU? = nil,
        pids: LinuxPids? = nil,
        blockIO: LinuxBlockIO? = nil,
        hugepageLimits: [LinuxHugepageLimit]? = nil,
        network: LinuxNetwork? = nil,
        rdma: [String: LinuxRdma]? = nil,
        unified: [String: String]? = nil
    ) {
        self.devices = devices
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.blockIO = blockIO
        self.hugepageLimits = hugepageLimits
        self.network = network
        self.rdma = rdma
        self.unified = unified
    }
}

/// One entry of the device cgroup allow/deny list.
/// A nil `type`, `major` or `minor` means "all" (runc writes `a`, `*`).
public struct LinuxDeviceCgroup: Codable, Sendable, Equatable {
    public var allow: Bool
    /// "a", "b" or "c".
    public var type: String?
    public var major: Int64?
    public var minor: Int64?
    /// Some combination of "r", "w", "m".
    public var access: String?

    public init(allow: Bool = false, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }
}

/// Memory limits in bytes; -1 means unlimited where the kernel allows it.
public struct LinuxMemory: Codable, Sendable, Equatable {
    public var limit: Int64?
    public var reservation: Int64?
    /// Memory plus swap, as in cgroup v1 `memory.memsw.limit_in_bytes`.
    public var swap: Int64?
    /// Deprecated in the spec; kept so old configs still decode.
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    public var checkBeforeUpdate: Bool?

    public init(
        limit: Int64? = nil,
        reservation: Int64? = nil,
        swap: Int64? = nil,
        kernel: Int64? = nil,
        kernelTCP: Int64? = nil,
        swappiness: UInt64? = nil,
        disableOOMKiller: Bool? = nil,
        useHierarchy: Bool? = nil,
        checkBeforeUpdate: Bool? = nil
    ) {
        self.limit = limit
        self.reservation = reservation
        self.swap = swap
        self.kernel = kernel
        self.kernelTCP = kernelTCP
        self.swappiness = swappiness
        self.disableOOMKiller = disableOOMKiller
        self.useHierarchy = useHierarchy
        self.checkBeforeUpdate = checkBeforeUpdate
    }
}

public struct LinuxCPU: Codable, Sendable, Equatable {
    public var shares: UInt64?
    public var quota: Int64?
    public var burst: UInt64?
    public var period: UInt64?
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    /// cpuset list, e.g. "0-3,7".
    public var cpus: String?
    public var mems: String?
    /// cgroup v2 `cpu.idle`: 1 gives the group SCHED_IDLE.
    public var idle: Int64?

    public init(
        shares: UInt64? = nil,
        quota: Int64? = nil,
        burst: UInt64? = nil,
        period: UInt64? = nil,
        realtimeRuntime: Int64? = nil,
        realtimePeriod: UInt64? = nil,
        cpus: String? = nil,
        mems: String? = nil,
        idle: Int64? = nil
    ) {
        self.shares = shares
        self.quota = quota
        self.burst = burst
        self.period = period
        self.realtimeRuntime = realtimeRuntime
        self.realtimePeriod = realtimePeriod
        self.cpus = cpus
        self.mems = mems
        self.idle = idle
    }
}

public struct LinuxPids: Codable, Sendable, Equatable {
    /// Maximum number of tasks; required by the spec, <= 0 means unlimited.
    public var limit: Int64

    public init(limit: Int64 = 0) {
        self.limit = limit
    }
}

public struct LinuxBlockIO: Codable, Sendable, Equatable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevice: [LinuxWeightDevice]?
    public var throttleReadBpsDevice: [LinuxThrottleDevice]?
    public var throttleWriteBpsDevice: [LinuxThrottleDevice]?
    public var throttleReadIOPSDevice: [LinuxThrottleDevice]?
    public var throttleWriteIOPSDevice: [LinuxThrottleDevice]?

    public init(
        weight: UInt16? = nil,
        leafWeight: UInt16? = nil,
        weightDevice: [LinuxWeightDevice]? = nil,
        throttleReadBpsDevice: [LinuxThrottleDevice]? = nil,
        throttleWriteBpsDevice: [LinuxThrottleDevice]? = nil,
        throttleReadIOPSDevice: [LinuxThrottleDevice]? = nil,
        throttleWriteIOPSDevice: [LinuxThrottleDevice]? = nil
    ) {
        self.weight = weight
        self.leafWeight = leafWeight
        self.weightDevice = weightDevice
        self.throttleReadBpsDevice = throttleReadBpsDevice
        self.throttleWriteBpsDevice = throttleWriteBpsDevice
        self.throttleReadIOPSDevice = throttleReadIOPSDevice
        self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
    }
}

public struct LinuxWeightDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var weight: UInt16?
    public var leafWeight: UInt16?

    public init(major: Int64 = 0, minor: Int64 = 0, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
        self.major = major
        self.minor = minor
        self.weight = weight
        self.leafWeight = leafWeight
    }
}

public struct LinuxThrottleDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    /// Bytes per second or operations per second, depending on the list it is in.
    public var rate: UInt64

    public init(major: Int64 = 0, minor: Int64 = 0, rate: UInt64 = 0) {
        self.major = major
        self.minor = minor
        self.rate = rate
    }
}

public struct LinuxHugepageLimit: Codable, Sendable, Equatable {
    /// e.g. "2MB", "1GB" — the suffix used in `hugetlb.<size>.limit_in_bytes`.
    public var pageSize: String
    public var limit: UInt64

    public init(pageSize: String = "", limit: UInt64 = 0) {
        self.pageSize = pageSize
        self.limit = limit
    }
}

public struct LinuxNetwork: Codable, Sendable, Equatable {
    public var classID: UInt32?
    public var priorities: [LinuxInterfacePriority]?

    public init(classID: UInt32? = nil, priorities: [LinuxInterfacePriority]? = nil) {
        self.classID = classID
        self.priorities = priorities
    }
}

public struct LinuxInterfacePriority: Codable, Sendable, Equatable {
    public var name: String
    public var priority: UInt32

    public init(name: String = "", priority: UInt32 = 0) {
        self.name = name
        self.priority = priority
    }
}

public struct LinuxRdma: Codable, Sendable, Equatable {
    public var hcaHandles: UInt32?
    public var hcaObjects: UInt32?

    public init(hcaHandles: UInt32? = nil, hcaObjects: UInt32? = nil) {
        self.hcaHandles = hcaHandles
        self.hcaObjects = hcaObjects
    }
}
