import CLinux

/// Linux capability names as the runtime-spec writes them ("CAP_SYS_ADMIN").
public enum Capabilities {
    public static let names: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// Read once per process: /proc/sys/kernel/cap_last_cap.
    nonisolated(unsafe) public static let lastCap: Int = Int(berth_last_cap())

    public static func number(_ name: String) -> Int? {
        let upper = name.uppercased()
        let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        return names.firstIndex(of: full)
    }

    /// The kernel's capabilities, limited to those the kernel knows.
    public static var supported: [String] {
        let last = lastCap
        return Array(names.prefix(min(last + 1, names.count)))
    }

    /// A bit mask from names; names the kernel does not know are ignored, as runc
    /// does, because profiles list capabilities of newer kernels.
    public static func mask(_ list: [String]?, unknown: inout [String]) -> UInt64 {
        let last = lastCap
        var m: UInt64 = 0
        for n in list ?? [] {
            if let i = number(n), i <= last { m |= 1 << UInt64(i) } else { unknown.append(n) }
        }
        return m
    }
}
