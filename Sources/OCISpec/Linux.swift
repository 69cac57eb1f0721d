// `linux` in config.json (runtime-spec config-linux.md). Resources and
// seccomp live in their own files.

public struct Linux: Codable, Sendable, Equatable {
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    /// e.g. "net.ipv4.ip_forward": "1".
    public var sysctl: [String: String]?
    public var resources: LinuxResources?
    /// A cgroupfs path, or "slice:prefix:name" with the systemd driver.
    public var cgroupsPath: String?
    public var namespaces: [LinuxNamespace]?
    public var devices: [LinuxDevice]?
    public var seccomp: LinuxSeccomp?
    /// "shared", "slave", "private", "unbindable" or their r-prefixed forms.
    public var rootfsPropagation: String?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var intelRdt: LinuxIntelRdt?
    public var personality: LinuxPersonality?
    /// Keyed by clock name: "monotonic" or "boottime".
    public var timeOffsets: [String: LinuxTimeOffset]?

    public init(
        uidMappings: [LinuxIDMapping]? = nil,
        gidMappings: [LinuxIDMapping]? = nil,
        sysctl: [String: String]? = nil,
        resources: LinuxResources? = nil,
        cgroupsPath: String? = nil,
        namespaces: [LinuxNamespace]? = nil,
        devices: [LinuxDevice]? = nil,
        seccomp: LinuxSeccomp? = nil,
        rootfsPropagation: String? = nil,
        maskedPaths: [String]? = nil,
        readonlyPaths: [String]? = nil,
        mountLabel: String? = nil,
        intelRdt: LinuxIntelRdt? = nil,
        personality: LinuxPersonality? = nil,
        timeOffsets: [String: LinuxTimeOffset]? = nil
    ) {
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.sysctl = sysctl
        self.resources = resources
        self.cgroupsPath = cgroupsPath
        self.namespaces = namespaces
        self.devices = devices
        self.seccomp = seccomp
        self.rootfsPropagation = rootfsPropagation
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.mountLabel = mountLabel
        self.intelRdt = intelRdt
        self.personality = personality
        self.timeOffsets = timeOffsets
    }
}

/// The namespace names the spec defines. `LinuxNamespace.type` stays a
/// String so an unknown name reaches the runtime, which rejects it by name.
public enum LinuxNamespaceType: String, CaseIterable, Codable, Sendable {
    case pid, network, mount, ipc, uts, user, cgroup, time
}

public struct LinuxNamespace: Codable, Sendable, Equatable {
    public var type: String
    /// Join this existing namespace instead of creating one.
    public var path: String?

    public init(type: String = "", path: String? = nil) {
        self.type = type
        self.path = path
    }

    public init(type: LinuxNamespaceType, path: String? = nil) {
        self.init(type: type.rawValue, path: path)
    }

    /// nil when `type` is not a name the spec defines.
    public var namespaceType: LinuxNamespaceType? {
        LinuxNamespaceType(rawValue: type)
    }
}

/// A device node to create inside the container.
public struct LinuxDevice: Codable, Sendable, Equatable {
    public var path: String
    /// "c", "b", "u" or "p".
    public var type: String
    public var major: Int64
    public var minor: Int64
    /// Permission bits; JSON carries it as a decimal number (0666 is 438).
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?

    public init(
        path: String = "",
        type: String = "c",
        major: Int64 = 0,
        minor: Int64 = 0,
        fileMode: UInt32? = nil,
        uid: UInt32? = nil,
        gid: UInt32? = nil
    ) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }
}

/// personality(2) execution domain.
public struct LinuxPersonality: Codable, Sendable, Equatable {
    /// "LINUX" or "LINUX32".
    public var domain: String
    public var flags: [String]?

    public init(domain: String = "LINUX", flags: [String]? = nil) {
        self.domain = domain
        self.flags = flags
    }
}

/// Offset written to /proc/self/timens_offsets for one clock.
public struct LinuxTimeOffset: Codable, Sendable, Equatable {
    public var secs: Int64?
    public var nanosecs: UInt32?

    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) {
        self.secs = secs
        self.nanosecs = nanosecs
    }
}

/// Intel RDT (resctrl) class of service.
public struct LinuxIntelRdt: Codable, Sendable, Equatable {
    public var closID: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
    public var enableCMT: Bool?
    public var enableMBM: Bool?

    public init(
        closID: String? = nil,
        l3CacheSchema: String? = nil,
        memBwSchema: String? = nil,
        enableCMT: Bool? = nil,
        enableMBM: Bool? = nil
    ) {
        self.closID = closID
        self.l3CacheSchema = l3CacheSchema
        self.memBwSchema = memBwSchema
        self.enableCMT = enableCMT
        self.enableMBM = enableMBM
    }
}
