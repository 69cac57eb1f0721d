import Glibc
import LinuxSys

/// What dockerd reads from the host while it builds a spec. Gathered once by `detect()`
/// (berthd may keep it) and passed in, so `SpecBuilder.build` decides from its inputs
/// alone and tests can describe any host.
public struct HostFacts: Sendable, Equatable {
    /// /sys/fs/cgroup is cgroup2: containers then get a private cgroup namespace by default.
    public var cgroupUnified: Bool
    /// The daemon's effective capabilities: what `--privileged` and `--cap-add ALL` grant,
    /// as moby's GetAllCapabilities (a capability the daemon lacks cannot be added).
    public var capabilities: [String]
    public var kernel: KernelVersion
    /// libseccomp's name of the host architecture ("amd64", "arm64"...), matched against
    /// `arches` in seccomp profiles.
    public var seccompArch: String
    /// The host's hostname, the default for containers on the host network.
    public var hostname: String
    /// /sys/devices/system/cpu/cpuN/thermal_throttle directories that exist: moby masks them.
    public var thermalThrottlePaths: [String]
    /// Sysctls dockerd sets in containers with their own network namespace when the kernel has them.
    public var hasPingGroupRange: Bool
    public var hasUnprivilegedPortStart: Bool
    /// AppArmor is enabled, so `apparmor=PROFILE` can be applied.
    public var appArmorEnabled: Bool
    /// Read-only binds are made recursively read-only ("rro", kernel >= 5.12 and a runtime
    /// that knows the option: runc >= 1.1, crun, berth-runtime).
    public var recursiveReadOnly: Bool
    /// The memory controller accounts swap (cgroup v1 needs swapaccount=1): without it dockerd
    /// drops MemorySwap ("Memory limited without swap").
    public var swapLimit: Bool

    public init(cgroupUnified: Bool = false, capabilities: [String] = CapabilityNames.all,
                kernel: KernelVersion = KernelVersion(6, 1), seccompArch: String = "amd64",
                hostname: String = "localhost", thermalThrottlePaths: [String] = [],
                hasPingGroupRange: Bool = true, hasUnprivilegedPortStart: Bool = true,
                appArmorEnabled: Bool = false, recursiveReadOnly: Bool = true, swapLimit: Bool = true) {
        self.cgroupUnified = cgroupUnified
        self.capabilities = capabilities
        self.kernel = kernel
        self.seccompArch = seccompArch
        self.hostname = hostname
        self.thermalThrottlePaths = thermalThrottlePaths
        self.hasPingGroupRange = hasPingGroupRange
        self.hasUnprivilegedPortStart = hasUnprivilegedPortStart
        self.appArmorEnabled = appArmorEnabled
        self.recursiveReadOnly = recursiveReadOnly
        self.swapLimit = swapLimit
    }

    /// The facts of the machine this process runs on.
    public static func detect() -> HostFacts {
        // Only the unified hierarchy has cgroup.controllers at its root.
        let unified = FileIO.exists("/sys/fs/cgroup/cgroup.controllers")
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: uts.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let kernel = KernelVersion(release: release) ?? KernelVersion(0, 0)
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let possible = FileIO.readStringIfPresent("/sys/devices/system/cpu/possible") ?? ""
        let thermal = CPUList.parse(possible).map { "/sys/devices/system/cpu/cpu\($0)/thermal_throttle" }.filter(FileIO.exists)
        let apparmor = FileIO.readStringIfPresent("/sys/module/apparmor/parameters/enabled")?.hasPrefix("Y") ?? false
        return HostFacts(
            cgroupUnified: unified,
            capabilities: CapabilityNames.current() ?? CapabilityNames.all,
            kernel: kernel,
            seccompArch: SeccompArch.native(machine: machine),
            hostname: String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            thermalThrottlePaths: thermal,
            hasPingGroupRange: FileIO.exists("/proc/sys/net/ipv4/ping_group_range"),
            hasUnprivilegedPortStart: FileIO.exists("/proc/sys/net/ipv4/ip_unprivileged_port_start"),
            appArmorEnabled: apparmor,
            recursiveReadOnly: kernel >= KernelVersion(5, 12),
            swapLimit: unified ? unifiedSwapAccounting() : FileIO.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
    }

    /// memory.swap.max next to this process (the root cgroup has no memory files).
    static func unifiedSwapAccounting() -> Bool {
        let own = (FileIO.readStringIfPresent("/proc/self/cgroup") ?? "").split(separator: "\n")
            .first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        if own == "/" { return true }
        return FileIO.exists("/sys/fs/cgroup" + own + "/memory.swap.max")
    }
}

/// "<kernel>.<major>" as seccomp profiles compare it: "6.1.0-13-amd64" is 6.1.
public struct KernelVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var kernel: UInt64
    public var major: UInt64

    public init(_ kernel: UInt64, _ major: UInt64) {
        self.kernel = kernel
        self.major = major
    }

    /// The leading "N.M" of a uname release; nil when it has none.
    public init?(release: String) {
        let digits = release.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard digits.count >= 2, let k = UInt64(digits[0]),
              let m = UInt64(digits[1].prefix { $0.isASCII && $0.isNumber }) else { return nil }
        self.init(k, m)
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.kernel, a.major) < (b.kernel, b.major)
    }

    public var description: String { "\(kernel).\(major)" }
}

/// Linux CPU list syntax ("0-3,7").
enum CPUList {
    static func parse(_ text: String) -> [Int] {
        var out: [Int] = []
        for part in text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }) {
            let ends = part.split(separator: "-")
            if ends.count == 1, let n = Int(ends[0]) {
                out.append(n)
            } else if ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a <= b, b - a < 65536 {
                out.append(contentsOf: a...b)
            }
        }
        return out
    }
}
