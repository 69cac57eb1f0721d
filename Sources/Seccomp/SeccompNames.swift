import CSeccomp
import Glibc
import OCISpec

// Maps the strings of config.json to libseccomp values. The spec names them
// after libseccomp's own macros, so the tables are closed: anything else is
// an input error, reported with the field it came from.

enum SeccompAction: String, CaseIterable {
    case kill = "SCMP_ACT_KILL"
    case killProcess = "SCMP_ACT_KILL_PROCESS"
    case killThread = "SCMP_ACT_KILL_THREAD"
    case trap = "SCMP_ACT_TRAP"
    case errno = "SCMP_ACT_ERRNO"
    case trace = "SCMP_ACT_TRACE"
    case allow = "SCMP_ACT_ALLOW"
    case log = "SCMP_ACT_LOG"
    case notify = "SCMP_ACT_NOTIFY"

    static func parse(_ name: String, field: String) throws -> SeccompAction {
        guard let action = SeccompAction(rawValue: name) else {
            throw SeccompError(field: field, "unknown action \"\(name)\"")
        }
        return action
    }

    /// The libseccomp action value. `errnoRet` only means something for
    /// ERRNO (the errno returned) and TRACE (the value the tracer sees);
    /// both default to EPERM like runc, and the spec ignores it elsewhere.
    func value(errnoRet: UInt32?, field: String) throws -> UInt32 {
        switch self {
        case .kill, .killThread: return SCMP_ACT_KILL_THREAD
        case .killProcess: return SCMP_ACT_KILL_PROCESS
        case .trap: return SCMP_ACT_TRAP
        case .allow: return SCMP_ACT_ALLOW
        case .log: return SCMP_ACT_LOG
        case .notify: return SCMP_ACT_NOTIFY
        case .errno: return berth_scmp_act_errno(try Self.data(errnoRet, field: field))
        case .trace: return berth_scmp_act_trace(try Self.data(errnoRet, field: field))
        }
    }

    // The kernel keeps 16 bits of return data (SECCOMP_RET_DATA); a wider
    // value would silently turn into a different errno.
    private static func data(_ errnoRet: UInt32?, field: String) throws -> UInt16 {
        guard let errnoRet else { return UInt16(EPERM) }
        guard let data = UInt16(exactly: errnoRet) else {
            throw SeccompError(field: field, "\(errnoRet) does not fit in the 16-bit seccomp return data")
        }
        return data
    }
}

enum SeccompOperator {
    static let byName: [String: scmp_compare] = [
        "SCMP_CMP_NE": SCMP_CMP_NE,
        "SCMP_CMP_LT": SCMP_CMP_LT,
        "SCMP_CMP_LE": SCMP_CMP_LE,
        "SCMP_CMP_EQ": SCMP_CMP_EQ,
        "SCMP_CMP_GE": SCMP_CMP_GE,
        "SCMP_CMP_GT": SCMP_CMP_GT,
        "SCMP_CMP_MASKED_EQ": SCMP_CMP_MASKED_EQ,
    ]

    /// Linux system calls take at most six arguments.
    static let maxArgumentIndex: UInt = 5

    static func condition(_ arg: LinuxSeccompArg, field: String) throws -> scmp_arg_cmp {
        guard let op = byName[arg.op] else {
            throw SeccompError(field: "\(field).op", "unknown operator \"\(arg.op)\"")
        }
        guard arg.index <= maxArgumentIndex, let index = UInt32(exactly: arg.index) else {
            throw SeccompError(field: "\(field).index", "\(arg.index) is out of range (0-\(maxArgumentIndex))")
        }
        // libseccomp's masked-equality compares (arg & datum_a) == datum_b,
        // which is exactly the spec's (arg & value) == valueTwo; the other
        // operators ignore datum_b.
        return scmp_arg_cmp(arg: index, op: op, datum_a: arg.value, datum_b: arg.valueTwo ?? 0)
    }
}

enum SeccompArch {
    private static let prefix = "SCMP_ARCH_"

    /// Every architecture the spec or a libseccomp release names; the
    /// features document lists those this libseccomp can resolve.
    static let candidates = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
        "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    ]

    /// libseccomp's arch token for "SCMP_ARCH_<NAME>", or nil if this
    /// libseccomp does not know it (it spells the same names in lower case).
    static func token(_ name: String) -> UInt32? {
        guard name.hasPrefix(prefix) else { return nil }
        let suffix = name.dropFirst(prefix.count).lowercased()
        guard !suffix.isEmpty else { return nil }
        let token = seccomp_arch_resolve_name(suffix)
        return token == 0 ? nil : token
    }
}

/// SECCOMP_FILTER_FLAG_* from <linux/seccomp.h>; the header's macros are
/// shifts Swift does not import.
enum SeccompFilterFlag {
    static let tsync: UInt32 = 1 << 0
    static let log: UInt32 = 1 << 1
    static let specAllow: UInt32 = 1 << 2
    static let newListener: UInt32 = 1 << 3
    static let tsyncESRCH: UInt32 = 1 << 4
    static let waitKillableRecv: UInt32 = 1 << 5

    static let known: [(name: String, bit: UInt32)] = [
        ("SECCOMP_FILTER_FLAG_TSYNC", tsync),
        ("SECCOMP_FILTER_FLAG_LOG", log),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", specAllow),
        ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", waitKillableRecv),
    ]

    static func bit(_ name: String) -> UInt32? {
        known.first { $0.name == name }?.bit
    }

    /// Whether the running kernel accepts the flag. WAIT_KILLABLE_RECV is
    /// only valid together with NEW_LISTENER, so it is probed that way.
    static func kernelAccepts(_ bit: UInt32) -> Bool {
        let probe = bit == waitKillableRecv ? bit | newListener : bit
        return berth_seccomp_probe_flags(probe) == EFAULT
    }
}
