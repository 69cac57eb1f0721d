// `process` in config.json, also the shape of `runc exec --process` files.

public struct Process: Codable, Sendable, Equatable {
    public var terminal: Bool?
    public var consoleSize: Box?
    public var user: User
    public var args: [String]?
    /// Windows only; kept so such configs round-trip.
    public var commandLine: String?
    public var env: [String]?
    /// Required by the spec, but decoded as "" when missing so the runtime
    /// can reject it with its own message instead of a decoding error.
    public var cwd: String
    public var capabilities: LinuxCapabilities?
    public var rlimits: [POSIXRlimit]?
    public var noNewPrivileges: Bool?
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var selinuxLabel: String?
    public var ioPriority: LinuxIOPriority?
    public var scheduler: Scheduler?
    public var execCPUAffinity: CPUAffinity?

    public init(
        terminal: Bool? = nil,
        consoleSize: Box? = nil,
        user: User = User(),
        args: [String]? = nil,
        commandLine: String? = nil,
        env: [String]? = nil,
        cwd: String = "/",
        capabilities: LinuxCapabilities? = nil,
        rlimits: [POSIXRlimit]? = nil,
        noNewPrivileges: Bool? = nil,
        apparmorProfile: String? = nil,
        oomScoreAdj: Int? = nil,
        selinuxLabel: String? = nil,
        ioPriority: LinuxIOPriority? = nil,
        scheduler: Scheduler? = nil,
        execCPUAffinity: CPUAffinity? = nil
    ) {
        self.terminal = terminal
        self.consoleSize = consoleSize
        self.user = user
        self.args = args
        self.commandLine = commandLine
        self.env = env
        self.cwd = cwd
        self.capabilities = capabilities
        self.rlimits = rlimits
        self.noNewPrivileges = noNewPrivileges
        self.apparmorProfile = apparmorProfile
        self.oomScoreAdj = oomScoreAdj
        self.selinuxLabel = selinuxLabel
        self.ioPriority = ioPriority
        self.scheduler = scheduler
        self.execCPUAffinity = execCPUAffinity
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        terminal = try c.decodeIfPresent(Bool.self, forKey: .terminal)
        consoleSize = try c.decodeIfPresent(Box.self, forKey: .consoleSize)
        user = try c.decode(User.self, forKey: .user)
        args = try c.decodeIfPresent([String].self, forKey: .args)
        commandLine = try c.decodeIfPresent(String.self, forKey: .commandLine)
        env = try c.decodeIfPresent([String].self, forKey: .env)
        cwd = try c.decodeIfPresent(String.self, forKey: .cwd) ?? ""
        capabilities = try c.decodeIfPresent(LinuxCapabilities.self, forKey: .capabilities)
        rlimits = try c.decodeIfPresent([POSIXRlimit].self, forKey: .rlimits)
        noNewPrivileges = try c.decodeIfPresent(Bool.self, forKey: .noNewPrivileges)
        apparmorProfile = try c.decodeIfPresent(String.self, forKey: .apparmorProfile)
        oomScoreAdj = try c.decodeIfPresent(Int.self, forKey: .oomScoreAdj)
        selinuxLabel = try c.decodeIfPresent(String.self, forKey: .selinuxLabel)
        ioPriority = try c.decodeIfPresent(LinuxIOPriority.self, forKey: .ioPriority)
        scheduler = try c.decodeIfPresent(Scheduler.self, forKey: .scheduler)
        execCPUAffinity = try c.decodeIfPresent(CPUAffinity.self, forKey: .execCPUAffinity)
    }
}

/// Console size in characters.
public struct Box: Codable, Sendable, Equatable {
    public var height: UInt
    public var width: UInt

    public init(height: UInt = 0, width: UInt = 0) {
        self.height = height
        self.width = width
    }
}

public struct User: Codable, Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32?
    public var additionalGids: [UInt32]?
    /// Windows only.
    public var username: String?

    public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32]? = nil, username: String? = nil) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
        self.additionalGids = additionalGids
        self.username = username
    }
}

/// Capability names as in capabilities(7), e.g. "CAP_KILL".
public struct LinuxCapabilities: Codable, Sendable, Equatable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?

    public init(
        bounding: [String]? = nil,
        effective: [String]? = nil,
        inheritable: [String]? = nil,
        permitted: [String]? = nil,
        ambient: [String]? = nil
    ) {
        self.bounding = bounding
        self.effective = effective
        self.inheritable = inheritable
        self.permitted = permitted
        self.ambient = ambient
    }
}

public struct POSIXRlimit: Codable, Sendable, Equatable {
    /// e.g. "RLIMIT_NOFILE".
    public var type: String
    public var hard: UInt64
    public var soft: UInt64

    public init(type: String = "", hard: UInt64 = 0, soft: UInt64 = 0) {
        self.type = type
        self.hard = hard
        self.soft = soft
    }
}

public struct LinuxIOPriority: Codable, Sendable, Equatable {
    /// "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE" or "IOPRIO_CLASS_IDLE" (JSON key "class").
    public var ioClass: String
    public var priority: Int

    public init(ioClass: String = "IOPRIO_CLASS_BE", priority: Int = 0) {
        self.ioClass = ioClass
        self.priority = priority
    }

    enum CodingKeys: String, CodingKey {
        case ioClass = "class"
        case priority
    }
}

/// sched_setattr(2) parameters.
public struct Scheduler: Codable, Sendable, Equatable {
    /// e.g. "SCHED_OTHER", "SCHED_FIFO", "SCHED_DEADLINE".
    public var policy: String
    public var nice: Int32?
    public var priority: Int32?
    /// e.g. "SCHED_FLAG_RESET_ON_FORK".
    public var flags: [String]?
    public var runtime: UInt64?
    public var deadline: UInt64?
    public var period: UInt64?

    public init(
        policy: String = "SCHED_OTHER",
        nice: Int32? = nil,
        priority: Int32? = nil,
        flags: [String]? = nil,
        runtime: UInt64? = nil,
        deadline: UInt64? = nil,
        period: UInt64? = nil
    ) {
        self.policy = policy
        self.nice = nice
        self.priority = priority
        self.flags = flags
        self.runtime = runtime
        self.deadline = deadline
        self.period = period
    }
}

/// CPU lists ("0-3,7") for `runc exec`: `initial` while joining the
/// container, `final` once inside its cgroup.
public struct CPUAffinity: Codable, Sendable, Equatable {
    public var initial: String?
    public var final: String?

    public init(initial: String? = nil, final: String? = nil) {
        self.initial = initial
        self.final = final
    }
}
