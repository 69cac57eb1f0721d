import Glibc
import OCISpec
import LinuxSys
import Seccomp

/// Everything about the process to exec that can be decided before forking:
/// capability masks, rlimit numbers, a compiled seccomp filter. The child only
/// applies these values, so it does no parsing and no allocation-heavy work.
public struct ProcessPlan: Sendable {
    public var process: Process
    public var bounding: UInt64 = 0, effective: UInt64 = 0, permitted: UInt64 = 0
    public var inheritable: UInt64 = 0, ambient: UInt64 = 0
    public var hasCapabilities = false
    public var rlimits: [(resource: Int32, soft: UInt64, hard: UInt64)] = []
    public var seccomp: SeccompProgram?
    public var env: [String]
    public var args: [String]
    public var warnings: [String] = []

    static let rlimitNames: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
        "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
        "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
        "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    public init(process: Process, seccomp: LinuxSeccomp?, field: String = "process") throws {
        self.process = process
        guard let args = process.args, !args.isEmpty, !args[0].isEmpty else {
            throw RuntimeError("\(field).args must not be empty: give the command to run")
        }
        self.args = args
        guard process.cwd.hasPrefix("/") else {
            throw RuntimeError("\(field).cwd \"\(process.cwd)\" must be an absolute path")
        }
        env = process.env ?? []
        if let caps = process.capabilities {
            hasCapabilities = true
            var unknown: [String] = []
            bounding = Capabilities.mask(caps.bounding, unknown: &unknown)
            effective = Capabilities.mask(caps.effective, unknown: &unknown)
            permitted = Capabilities.mask(caps.permitted, unknown: &unknown)
            inheritable = Capabilities.mask(caps.inheritable, unknown: &unknown)
            ambient = Capabilities.mask(caps.ambient, unknown: &unknown)
            for u in Set(unknown).sorted() { warnings.append("ignoring unknown or unsupported capability \"\(u)\"") }
        }
        for (i, r) in (process.rlimits ?? []).enumerated() {
            guard let n = Self.rlimitNames[r.type] else {
                throw RuntimeError("\(field).rlimits[\(i)].type: unknown rlimit \"\(r.type)\"")
            }
            if r.soft > r.hard {
                throw RuntimeError("\(field).rlimits[\(i)]: soft limit \(r.soft) is above hard limit \(r.hard)")
            }
            rlimits.append((n, r.soft, r.hard))
        }
        if let p = process.apparmorProfile, !p.isEmpty, !FileIO.exists("/sys/kernel/security/apparmor") {
            throw RuntimeError("\(field).apparmorProfile \"\(p)\" is set but AppArmor is not enabled on this host")
        }
        if let l = process.selinuxLabel, !l.isEmpty, !FileIO.exists("/sys/fs/selinux/enforce") {
            throw RuntimeError("\(field).selinuxLabel \"\(l)\" is set but SELinux is not enabled on this host")
        }
        if let s = seccomp {
            let prog = try SeccompCompiler.compile(s)
            if prog.needsNotify {
                throw RuntimeError("linux.seccomp: SCMP_ACT_NOTIFY (seccomp user notification) is not supported by berth-runtime")
            }
            self.seccomp = prog
        }
    }

    public var noNewPrivileges: Bool { process.noNewPrivileges ?? false }
}
