import JSON

/// The non-portable part of a container's configuration (`HostConfig` in the swagger).
public struct HostConfig: Codable, Sendable, Equatable {
    // Resources
    public var CpuShares: Int64?
    public var Memory: Int64?
    public var CgroupParent: String?
    public var BlkioWeight: UInt16?
    public var CpuPeriod: Int64?
    public var CpuQuota: Int64?
    public var CpuRealtimePeriod: Int64?
    public var CpuRealtimeRuntime: Int64?
    public var CpusetCpus: String?
    public var CpusetMems: String?
    public var Devices: [DeviceMapping]?
    public var DeviceCgroupRules: [String]?
    public var MemoryReservation: Int64?
    public var MemorySwap: Int64?
    public var MemorySwappiness: Int64?
    public var NanoCpus: Int64?
    public var OomKillDisable: Bool?
    public var Init: Bool?
    public var PidsLimit: Int64?
    public var Ulimits: [Ulimit]?

    public var Binds: [String]?
    public var ContainerIDFile: String?
    public var LogConfig: LogConfig?
    public var NetworkMode: String?
    public var PortBindings: [String: [PortBinding]?]?
    public var RestartPolicy: RestartPolicy?
    public var AutoRemove: Bool?
    public var VolumeDriver: String?
    public var VolumesFrom: [String]?
    public var Mounts: [Mount]?
    public var ConsoleSize: [Int]?
    public var Annotations: [String: String]?
    public var CapAdd: [String]?
    public var CapDrop: [String]?
    public var CgroupnsMode: String?
    public var Dns: [String]?
    public var DnsOptions: [String]?
    public var DnsSearch: [String]?
    public var ExtraHosts: [String]?
    public var GroupAdd: [String]?
    public var IpcMode: String?
    public var Cgroup: String?
    public var Links: [String]?
    public var OomScoreAdj: Int?
    public var PidMode: String?
    public var Privileged: Bool?
    public var PublishAllPorts: Bool?
    public var ReadonlyRootfs: Bool?
    public var SecurityOpt: [String]?
    public var StorageOpt: [String: String]?
    public var Tmpfs: [String: String]?
    public var UTSMode: String?
    public var UsernsMode: String?
    public var ShmSize: Int64?
    public var Sysctls: [String: String]?
    public var Runtime: String?
    public var Isolation: String?
    public var MaskedPaths: [String]?
    public var ReadonlyPaths: [String]?

    public init() {}
}

public struct DeviceMapping: Codable, Sendable, Equatable {
    public var PathOnHost: String?
    public var PathInContainer: String?
    public var CgroupPermissions: String?
}

public struct Ulimit: Codable, Sendable, Equatable {
    public var Name: String
    public var Soft: Int64
    public var Hard: Int64
    public init(Name: String, Soft: Int64, Hard: Int64) { self.Name = Name; self.Soft = Soft; self.Hard = Hard }
}

public struct LogConfig: Codable, Sendable, Equatable {
    public var `Type`: String?
    public var Config: [String: String]?
    public init(Type: String? = nil, Config: [String: String]? = nil) { self.Type = Type; self.Config = Config }
}

public struct PortBinding: Codable, Sendable, Equatable {
    public var HostIp: String?
    public var HostPort: String?
}

public struct RestartPolicy: Codable, Sendable, Equatable {
    /// "", "no", "always", "unless-stopped", "on-failure".
    public var Name: String?
    public var MaximumRetryCount: Int?
    public init(Name: String? = nil, MaximumRetryCount: Int? = nil) { self.Name = Name; self.MaximumRetryCount = MaximumRetryCount }
}

/// A `--mount` / `HostConfig.Mounts` entry.
public struct Mount: Codable, Sendable, Equatable {
    /// bind, volume, tmpfs, npipe, cluster.
    public var `Type`: String?
    public var Source: String?
    public var Target: String?
    public var ReadOnly: Bool?
    public var Consistency: String?
    public var BindOptions: BindOptions?
    public var VolumeOptions: VolumeOptions?
    public var TmpfsOptions: TmpfsOptions?

    public init(Type: String?, Source: String?, Target: String?, ReadOnly: Bool? = nil) {
        self.Type = Type; self.Source = Source; self.Target = Target; self.ReadOnly = ReadOnly
    }

    public struct BindOptions: Codable, Sendable, Equatable {
        public var Propagation: String?
        public var NonRecursive: Bool?
        public var CreateMountpoint: Bool?
        public var ReadOnlyNonRecursive: Bool?
        public var ReadOnlyForceRecursive: Bool?
    }

    public struct VolumeOptions: Codable, Sendable, Equatable {
        public var NoCopy: Bool?
        public var Labels: [String: String]?
        public var Subpath: String?
        public var DriverConfig: JSONValue?
    }

    public struct TmpfsOptions: Codable, Sendable, Equatable {
        public var SizeBytes: Int64?
        public var Mode: UInt32?
        public var Options: [[String]]?
    }
}
