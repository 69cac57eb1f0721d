import CSeccomp
import Glibc
import OCISpec

/// A compiled filter, ready for seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)
/// in the container's init.
public struct SeccompProgram: Sendable, Equatable {
    /// The `struct sock_filter` array exactly as seccomp_export_bpf wrote it
    /// (8 bytes per instruction, host byte order).
    public let filter: [UInt8]
    /// SECCOMP_FILTER_FLAG_* bits to pass to seccomp(2).
    public let flags: UInt32
    /// Some rule uses SCMP_ACT_NOTIFY; `flags` then holds NEW_LISTENER.
    public let needsNotify: Bool

    public init(filter: [UInt8], flags: UInt32, needsNotify: Bool) {
        self.filter = filter
        self.flags = flags
        self.needsNotify = needsNotify
    }

    /// `sock_fprog.len`.
    public var instructionCount: Int { filter.count / SeccompCompiler.instructionSize }
}

/// Compiles `linux.seccomp` with libseccomp in the runtime, so the forked
/// init never runs libseccomp (which allocates) and only hands bytes to the
/// kernel.
public enum SeccompCompiler {
    static let instructionSize = 8
    /// BPF_MAXINSNS: the kernel refuses longer programs with a bare EINVAL.
    static let maxInstructions = 4096
    /// Above this many rules libseccomp's binary-tree layout beats its
    /// linear one (runc uses the same cut-off; 2.5.4 misbehaves with none).
    static let binaryTreeThreshold = 32

    public static func compile(_ config: LinuxSeccomp) throws -> SeccompProgram {
        let defaultField = "linux.seccomp.defaultAction"
        let defaultKind = try SeccompAction.parse(config.defaultAction, field: defaultField)
        // A notify default would also route the init's own write() of the
        // listener fd to the (not yet connected) agent and hang.
        if defaultKind == .notify {
            throw SeccompError(field: defaultField, "SCMP_ACT_NOTIFY cannot be used as the default action")
        }
        let defaultAction = try defaultKind.value(errnoRet: config.defaultErrnoRet, field: "linux.seccomp.defaultErrnoRet")
        let arches = try resolveArchitectures(config.architectures ?? [])
        let calls = config.syscalls ?? []
        let rules = try resolveRules(calls, defaultAction: defaultAction)
        let needsNotify = calls.contains { $0.action == SeccompAction.notify.rawValue }
        let flags = finalFlags(try resolveFlags(config.flags ?? []), notify: needsNotify)

        let filter = try build(defaultAction: defaultAction, arches: arches, rules: rules)
        return SeccompProgram(filter: filter, flags: flags, needsNotify: needsNotify)
    }

    // MARK: features document

    public static var supportedActions: [String] {
        SeccompAction.allCases.map(\.rawValue).sorted()
    }

    public static var supportedOperators: [String] {
        SeccompOperator.byName.keys.sorted()
    }

    /// The architectures this libseccomp can add to a filter.
    public static var supportedArchitectures: [String] {
        SeccompArch.candidates.filter { SeccompArch.token($0) != nil }.sorted()
    }

    public static var knownFlags: [String] {
        SeccompFilterFlag.known.map(\.name)
    }

    /// The known flags the running kernel accepts.
    public static var supportedFlags: [String] {
        SeccompFilterFlag.known.filter { SeccompFilterFlag.kernelAccepts($0.bit) }.map(\.name)
    }

    public static var libseccompVersion: String {
        guard let version = seccomp_version() else { return "unknown" }
        let v = version.pointee
        return "\(v.major).\(v.minor).\(v.micro)"
    }

    // MARK: input → libseccomp values

    /// One seccomp_rule_add_array call.
    struct Rule {
        let field: String
        let name: String
        let number: Int32
        let action: UInt32
        let conditions: [scmp_arg_cmp]
    }

    static func resolveArchitectures(_ names: [String]) throws -> [(field: String, name: String, token: UInt32)] {
        try names.enumerated().map { i, name in
            let field = "linux.seccomp.architectures[\(i)]"
            guard let token = SeccompArch.token(name) else {
                throw SeccompError(field: field, "unknown architecture \"\(name)\"")
            }
            return (field, name, token)
        }
    }

    static func resolveFlags(_ names: [String]) throws -> UInt32 {
        var bits: UInt32 = 0
        for (i, name) in names.enumerated() {
            guard let bit = SeccompFilterFlag.bit(name) else {
                throw SeccompError(field: "linux.seccomp.flags[\(i)]", "unknown flag \"\(name)\"")
            }
            bits |= bit
        }
        return bits
    }

    /// Adds the bits seccomp(2) needs for the notify case and drops the one
    /// it rejects without it.
    static func finalFlags(_ requested: UInt32, notify: Bool) -> UInt32 {
        var bits = requested
        if notify {
            bits |= SeccompFilterFlag.newListener
            // TSYNC and NEW_LISTENER both report through the return value;
            // the kernel only allows them together with TSYNC_ESRCH.
            if bits & SeccompFilterFlag.tsync != 0 { bits |= SeccompFilterFlag.tsyncESRCH }
        } else {
            // WAIT_KILLABLE_RECV without a listener is EINVAL, and it would
            // change nothing anyway.
            bits &= ~SeccompFilterFlag.waitKillableRecv
        }
        return bits
    }

    static func resolveRules(_ calls: [LinuxSyscall], defaultAction: UInt32) throws -> [Rule] {
        var rules: [Rule] = []
        for (i, call) in calls.enumerated() {
            let field = "linux.seccomp.syscalls[\(i)]"
            let kind = try SeccompAction.parse(call.action, field: "\(field).action")
            let action = try kind.value(errnoRet: call.errnoRet, field: "\(field).errnoRet")
            let conditions = try (call.args ?? []).enumerated().map { j, arg in
                try SeccompOperator.condition(arg, field: "\(field).args[\(j)]")
            }
            // The init reports the listener fd to the runtime with write();
            // notifying on it would deadlock container start.
            if kind == .notify, call.names.contains("write") {
                throw SeccompError(field: "\(field).names", "SCMP_ACT_NOTIFY cannot be used for the write syscall")
            }
            // libseccomp refuses rules that repeat the default (EACCES);
            // they are no-ops, so drop them.
            if action == defaultAction { continue }

            for (j, name) in call.names.enumerated() {
                guard !name.isEmpty else {
                    throw SeccompError(field: "\(field).names[\(j)]", "empty syscall name")
                }
                // Profiles list syscalls newer than this libseccomp; like
                // runc, such names are left to the default action.
                let number = seccomp_syscall_resolve_name(name)
                if number == __NR_SCMP_ERROR { continue }
                for group in conditionGroups(conditions) {
                    rules.append(Rule(field: field, name: name, number: number, action: action, conditions: group))
                }
            }
        }
        return rules
    }

    /// The conditions of one rule are ANDed, but libseccomp cannot AND two
    /// comparisons of the same argument. runc then adds one rule per
    /// condition (ORing them), which is what profiles written for runc
    /// expect, so do the same.
    static func conditionGroups(_ conditions: [scmp_arg_cmp]) -> [[scmp_arg_cmp]] {
        let indexes = conditions.map(\.arg)
        let repeated = Set(indexes).count != indexes.count
        return repeated ? conditions.map { [$0] } : [conditions]
    }

    // MARK: libseccomp

    static func build(
        defaultAction: UInt32,
        arches: [(field: String, name: String, token: UInt32)],
        rules: [Rule]
    ) throws -> [UInt8] {
        guard let ctx = seccomp_init(defaultAction) else {
            throw SeccompError(field: "linux.seccomp.defaultAction", "seccomp_init: libseccomp or the kernel does not support this action")
        }
        defer { seccomp_release(ctx) }

        // The runtime sets no_new_privs itself when process.noNewPrivileges
        // asks for it; the filter must not imply it.
        var rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)
        guard rc == 0 else { throw SeccompError(call: "seccomp_attr_set SCMP_FLTATR_CTL_NNP", rc: rc) }

        for arch in arches {
            rc = seccomp_arch_add(ctx, arch.token)
            // The native architecture is always in a new context.
            if rc != 0, rc != -EEXIST {
                throw SeccompError(call: "seccomp_arch_add \(arch.name)", rc: rc, field: arch.field)
            }
        }

        if rules.count > binaryTreeThreshold {
            // Only a speed-up; older libseccomp lacks the attribute.
            _ = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        }

        for rule in rules {
            rc = rule.conditions.withUnsafeBufferPointer { conds in
                seccomp_rule_add_array(ctx, rule.action, rule.number, UInt32(conds.count), conds.baseAddress)
            }
            guard rc == 0 else {
                throw SeccompError(call: "seccomp_rule_add for syscall \"\(rule.name)\"", rc: rc, field: rule.field)
            }
        }
        return try export(ctx)
    }

    /// seccomp_export_bpf writes the whole program with one write(2), so the
    /// target is a memfd: a pipe could take a partial write and silently
    /// truncate the program.
    static func export(_ ctx: scmp_filter_ctx) throws -> [UInt8] {
        let fd = berth_memfd_create("berth-seccomp")
        guard fd >= 0 else { throw SeccompError("memfd_create: \(errnoText(errno))") }
        defer { close(fd) }

        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else { throw SeccompError(call: "seccomp_export_bpf", rc: rc) }

        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw SeccompError("lseek seccomp memfd: \(errnoText(errno))") }
        let size = Int(end)
        guard size > 0, size % instructionSize == 0 else {
            throw SeccompError("seccomp_export_bpf: wrote \(size) bytes, not a whole number of BPF instructions")
        }
        guard size / instructionSize <= maxInstructions else {
            throw SeccompError("seccomp filter compiles to \(size / instructionSize) BPF instructions, more than the kernel's limit of \(maxInstructions)")
        }

        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return pread(fd, base + done, size - done, off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SeccompError("read seccomp memfd: \(errnoText(errno))")
            }
            guard n > 0 else { throw SeccompError("read seccomp memfd: unexpected end after \(done) of \(size) bytes") }
            done += n
        }
        return bytes
    }
}
