// Seccomp filter description (runtime-spec config-linux.md "Seccomp").
// Actions, operators, architectures and flags stay strings exactly as
// written in config.json ("SCMP_ACT_ERRNO", "SCMP_CMP_EQ",
// "SCMP_ARCH_X86_64", "SECCOMP_FILTER_FLAG_LOG"): the Seccomp module maps
// them, so an unknown name is reported there with its own text.

public struct LinuxSeccomp: Codable, Sendable, Equatable {
    public var defaultAction: String
    /// errno returned when `defaultAction` is SCMP_ACT_ERRNO/SCMP_ACT_TRACE; EPERM if nil.
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    /// Unix socket that receives the seccomp notify fd (SCMP_ACT_NOTIFY).
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [LinuxSyscall]?

    public init(
        defaultAction: String = "SCMP_ACT_ALLOW",
        defaultErrnoRet: UInt32? = nil,
        architectures: [String]? = nil,
        flags: [String]? = nil,
        listenerPath: String? = nil,
        listenerMetadata: String? = nil,
        syscalls: [LinuxSyscall]? = nil
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.syscalls = syscalls
    }
}

public struct LinuxSyscall: Codable, Sendable, Equatable {
    public var names: [String]
    public var action: String
    public var errnoRet: UInt32?
    public var args: [LinuxSeccompArg]?

    public init(names: [String] = [], action: String = "SCMP_ACT_ALLOW", errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }
}

public struct LinuxSeccompArg: Codable, Sendable, Equatable {
    public var index: UInt
    public var value: UInt64
    /// Second operand; only SCMP_CMP_MASKED_EQ uses it.
    public var valueTwo: UInt64?
    public var op: String

    public init(index: UInt = 0, value: UInt64 = 0, valueTwo: UInt64? = nil, op: String = "SCMP_CMP_EQ") {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}
