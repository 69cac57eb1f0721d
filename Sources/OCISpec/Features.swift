// Output of `runtime features` (runtime-spec features.md). Every field is
// optional: nil means "unknown", not "unsupported".

public struct Features: Codable, Sendable, Equatable {
    public var ociVersionMin: String?
    public var ociVersionMax: String?
    /// Hook names the runtime runs, e.g. "createRuntime".
    public var hooks: [String]?
    public var mountOptions: [String]?
    public var linux: LinuxFeatures?
    public var annotations: [String: String]?
    public var potentiallyUnsafeConfigAnnotations: [String]?

    public init(
        ociVersionMin: String? = nil,
        ociVersionMax: String? = nil,
        hooks: [String]? = nil,
        mountOptions: [String]? = nil,
        linux: LinuxFeatures? = nil,
        annotations: [String: String]? = nil,
        potentiallyUnsafeConfigAnnotations: [String]? = nil
    ) {
        self.ociVersionMin = ociVersionMin
        self.ociVersionMax = ociVersionMax
        self.hooks = hooks
        self.mountOptions = mountOptions
        self.linux = linux
        self.annotations = annotations
        self.potentiallyUnsafeConfigAnnotations = potentiallyUnsafeConfigAnnotations
    }
}

public struct LinuxFeatures: Codable, Sendable, Equatable {
    public var namespaces: [String]?
    public var capabilities: [String]?
    public var cgroup: CgroupFeatures?
    public var seccomp: SeccompFeatures?
    public var apparmor: AppArmorFeatures?
    public var selinux: SELinuxFeatures?
    public var intelRdt: IntelRdtFeatures?
    public var mountExtensions: MountExtensionsFeatures?

    public init(
        namespaces: [String]? = nil,
        capabilities: [String]? = nil,
        cgroup: CgroupFeatures? = nil,
        seccomp: SeccompFeatures? = nil,
        apparmor: AppArmorFeatures? = nil,
        selinux: SELinuxFeatures? = nil,
        intelRdt: IntelRdtFeatures? = nil,
        mountExtensions: MountExtensionsFeatures? = nil
    ) {
        self.namespaces = namespaces
        self.capabilities = capabilities
        self.cgroup = cgroup
        self.seccomp = seccomp
        self.apparmor = apparmor
        self.selinux = selinux
        self.intelRdt = intelRdt
        self.mountExtensions = mountExtensions
    }
}

public struct CgroupFeatures: Codable, Sendable, Equatable {
    public var v1: Bool?
    public var v2: Bool?
    public var systemd: Bool?
    public var systemdUser: Bool?
    public var rdma: Bool?

    public init(v1: Bool? = nil, v2: Bool? = nil, systemd: Bool? = nil, systemdUser: Bool? = nil, rdma: Bool? = nil) {
        self.v1 = v1
        self.v2 = v2
        self.systemd = systemd
        self.systemdUser = systemdUser
        self.rdma = rdma
    }
}

public struct SeccompFeatures: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var actions: [String]?
    public var operators: [String]?
    public var archs: [String]?
    /// Flags the runtime knows; `supportedFlags` is the subset this kernel accepts.
    public var knownFlags: [String]?
    public var supportedFlags: [String]?

    public init(
        enabled: Bool? = nil,
        actions: [String]? = nil,
        operators: [String]? = nil,
        archs: [String]? = nil,
        knownFlags: [String]? = nil,
        supportedFlags: [String]? = nil
    ) {
        self.enabled = enabled
        self.actions = actions
        self.operators = operators
        self.archs = archs
        self.knownFlags = knownFlags
        self.supportedFlags = supportedFlags
    }
}

public struct AppArmorFeatures: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public init(enabled: Bool? = nil) { self.enabled = enabled }
}

public struct SELinuxFeatures: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public init(enabled: Bool? = nil) { self.enabled = enabled }
}

public struct IntelRdtFeatures: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public init(enabled: Bool? = nil) { self.enabled = enabled }
}

public struct MountExtensionsFeatures: Codable, Sendable, Equatable {
    public var idmap: IDMapFeatures?
    public init(idmap: IDMapFeatures? = nil) { self.idmap = idmap }
}

public struct IDMapFeatures: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public init(enabled: Bool? = nil) { self.enabled = enabled }
}
