import JSON
import OCISpec

/// A seccomp profile in Docker's format (moby/profiles/seccomp): the runtime-spec's fields
/// plus `archMap` and per-rule `includes`/`excludes` conditions on capabilities, host
/// architecture and kernel version, resolved per container by `oci(...)`.
public struct SeccompProfile: Codable, Sendable, Equatable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var archMap: [SeccompArchitecture]?
    public var flags: [String]?
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [SeccompRule]?

    public init(defaultAction: String = "", defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
                archMap: [SeccompArchitecture]? = nil, flags: [String]? = nil, syscalls: [SeccompRule]? = nil) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.archMap = archMap
        self.flags = flags
        self.syscalls = syscalls
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultAction = try c.decodeIfPresent(String.self, forKey: .defaultAction) ?? ""
        defaultErrnoRet = try c.decodeIfPresent(UInt32.self, forKey: .defaultErrnoRet)
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        archMap = try c.decodeIfPresent([SeccompArchitecture].self, forKey: .archMap)
        flags = try c.decodeIfPresent([String].self, forKey: .flags)
        listenerPath = try c.decodeIfPresent(String.self, forKey: .listenerPath)
        listenerMetadata = try c.decodeIfPresent(String.self, forKey: .listenerMetadata)
        syscalls = try c.decodeIfPresent([SeccompRule].self, forKey: .syscalls)
    }

    /// Decodes a profile from JSON text, with dockerd's message on failure.
    public static func decode(_ bytes: [UInt8]) throws -> SeccompProfile {
        do {
            return try JSON.decode(SeccompProfile.self, from: bytes)
        } catch {
            let reason = (error as? DecodingError).map { SpecError(file: "profile", decoding: $0).description } ?? "\(error)"
            throw ContainerSpecError.invalid("Decoding seccomp profile failed: \(reason)")
        }
    }

    /// `oci(capabilities:arch:kernel:)` for this machine's architecture and kernel.
    public func oci(capabilities: [String], host: HostFacts) throws -> LinuxSeccomp? {
        try oci(capabilities: capabilities, arch: host.seccompArch, kernel: host.kernel)
    }

    /// The filter for one container: rules kept or dropped by their conditions against
    /// `capabilities` (the container's bounding set), `arch` (libseccomp's name, "amd64")
    /// and `kernel`; `archMap` expanded for `arch`. nil when the profile has neither a
    /// default action nor rules (seccomp disabled), as moby's setupSeccomp.
    public func oci(capabilities: [String], arch: String, kernel: KernelVersion) throws -> LinuxSeccomp? {
        if defaultAction.isEmpty && (syscalls ?? []).isEmpty { return nil }
        if !(architectures ?? []).isEmpty && !(archMap ?? []).isEmpty {
            throw ContainerSpecError.invalid(
                "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'")
        }
        var out = LinuxSeccomp(defaultAction: defaultAction, defaultErrnoRet: defaultErrnoRet, architectures: architectures,
                               flags: flags, listenerPath: listenerPath, listenerMetadata: listenerMetadata, syscalls: nil)
        if let native = SeccompArch.scmp[arch], let entry = archMap?.first(where: { $0.architecture == native }) {
            out.architectures = (out.architectures ?? []) + [entry.architecture] + (entry.subArchitectures ?? [])
        }
        var rules: [LinuxSyscall] = []
        for rule in syscalls ?? [] {
            var names = rule.names ?? []
            if let name = rule.name, !name.isEmpty {
                guard names.isEmpty else {
                    throw ContainerSpecError.invalid(
                        "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'")
                }
                names = [name]
            }
            if let excludes = rule.excludes {
                if excludes.arches?.contains(arch) == true { continue }
                if excludes.caps?.contains(where: capabilities.contains) == true { continue }
                if let min = try excludes.minimumKernel(), kernel >= min { continue }
            }
            if let includes = rule.includes {
                if let arches = includes.arches, !arches.isEmpty, !arches.contains(arch) { continue }
                if let caps = includes.caps, !caps.allSatisfy(capabilities.contains) { continue }
                if let min = try includes.minimumKernel(), kernel < min { continue }
            }
            rules.append(LinuxSyscall(names: names, action: rule.action, errnoRet: rule.errnoRet, args: rule.args))
        }
        out.syscalls = rules.isEmpty ? nil : rules
        return out
    }
}

public struct SeccompArchitecture: Codable, Sendable, Equatable {
    public var architecture: String
    public var subArchitectures: [String]?

    public init(architecture: String, subArchitectures: [String]? = nil) {
        self.architecture = architecture
        self.subArchitectures = subArchitectures
    }
}

/// One rule: the runtime-spec's syscall entry, the legacy single `name`, a comment, and
/// the conditions under which it applies.
public struct SeccompRule: Codable, Sendable, Equatable {
    public var names: [String]?
    public var name: String?
    public var action: String
    public var errnoRet: UInt32?
    public var args: [LinuxSeccompArg]?
    public var comment: String?
    public var includes: SeccompCondition?
    public var excludes: SeccompCondition?

    public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil,
                includes: SeccompCondition? = nil, excludes: SeccompCondition? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
        self.includes = includes
        self.excludes = excludes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        names = try c.decodeIfPresent([String].self, forKey: .names)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        action = try c.decodeIfPresent(String.self, forKey: .action) ?? ""
        errnoRet = try c.decodeIfPresent(UInt32.self, forKey: .errnoRet)
        args = try c.decodeIfPresent([LinuxSeccompArg].self, forKey: .args)
        comment = try c.decodeIfPresent(String.self, forKey: .comment)
        includes = try c.decodeIfPresent(SeccompCondition.self, forKey: .includes)
        excludes = try c.decodeIfPresent(SeccompCondition.self, forKey: .excludes)
    }
}

/// `includes` / `excludes`: every listed capability, any listed architecture, a minimum kernel.
public struct SeccompCondition: Codable, Sendable, Equatable {
    public var caps: [String]?
    public var arches: [String]?
    /// "<kernel>.<major>", e.g. "4.8".
    public var minKernel: String?

    public init(caps: [String]? = nil, arches: [String]? = nil, minKernel: String? = nil) {
        self.caps = caps
        self.arches = arches
        self.minKernel = minKernel
    }

    func minimumKernel() throws -> KernelVersion? {
        guard let text = minKernel, !text.isEmpty else { return nil }
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 2, let k = UInt8(parts[0]), let m = UInt8(parts[1]), k != 0 || m != 0 else {
            throw ContainerSpecError.invalid("invalid kernel version: \"\(text)\", expected \"<kernel>.<major>\"")
        }
        return KernelVersion(UInt64(k), UInt64(m))
    }
}

/// Architecture names: uname's machine → libseccomp's name (what profiles write in `arches`)
/// → the SCMP_ARCH_ constant (what `archMap` and the runtime-spec use).
public enum SeccompArch {
    public static func native(machine: String) -> String {
        switch machine {
        case "x86_64": return "amd64"
        case "i386", "i486", "i586", "i686": return "x86"
        case "aarch64", "arm64": return "arm64"
        case "ppc64le": return "ppc64le"
        case "ppc64": return "ppc64"
        case "s390x": return "s390x"
        case "riscv64": return "riscv64"
        case "loongarch64": return "loong64"
        case "mips64": return "mips64"
        default: return machine.hasPrefix("arm") ? "arm" : machine
        }
    }

    static let scmp: [String: String] = [
        "x86": "SCMP_ARCH_X86", "amd64": "SCMP_ARCH_X86_64", "arm": "SCMP_ARCH_ARM", "arm64": "SCMP_ARCH_AARCH64",
        "loong64": "SCMP_ARCH_LOONGARCH64", "mips64": "SCMP_ARCH_MIPS64", "mips64n32": "SCMP_ARCH_MIPS64N32",
        "mipsel64": "SCMP_ARCH_MIPSEL64", "mips3l64n32": "SCMP_ARCH_MIPSEL64N32", "mipsle": "SCMP_ARCH_MIPSEL",
        "ppc": "SCMP_ARCH_PPC", "ppc64": "SCMP_ARCH_PPC64", "ppc64le": "SCMP_ARCH_PPC64LE",
        "riscv64": "SCMP_ARCH_RISCV64", "s390": "SCMP_ARCH_S390", "s390x": "SCMP_ARCH_S390X",
    ]
}
