import LinuxSys

/// Capability names in kernel bit order (capability.h), as the runtime-spec spells them.
public enum CapabilityNames {
    public static let all: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// Docker's default set (moby oci/caps/defaults.go), in its order.
    public static let dockerDefault: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    /// Names of the bits set in `mask`; bits past the known names are dropped.
    public static func names(mask: UInt64) -> [String] {
        all.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { all[$0] }
    }

    public static func mask(_ names: [String]) -> UInt64 {
        names.reduce(0) { m, name in all.firstIndex(of: name).map { m | 1 << UInt64($0) } ?? m }
    }

    /// The effective set of this process (CapEff in /proc/self/status).
    public static func current() -> [String]? {
        guard let status = FileIO.readStringIfPresent("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).filter { !$0.isWhitespace }
            return UInt64(hex, radix: 16).map { names(mask: $0) }
        }
        return nil
    }
}

/// CapAdd / CapDrop / Privileged, as moby's caps.TweakCapabilities.
public enum CapabilitySet {
    /// Upper-cases, adds the CAP_ prefix, keeps "ALL"; rejects names the kernel does not
    /// have and names the daemon itself lacks, with dockerd's messages.
    public static func normalize(_ names: [String], available: [String]) throws -> [String] {
        try names.map { raw in
            var name = raw.uppercased()
            if name == "ALL" { return name }
            if !name.hasPrefix("CAP_") { name = "CAP_" + name }
            guard CapabilityNames.all.contains(name) else {
                throw ContainerSpecError.invalid("unknown capability: \"\(name)\"")
            }
            guard available.contains(name) else {
                throw ContainerSpecError.invalid(
                    "capability not supported by your kernel or not available in the current environment: \"\(name)\"")
            }
            return name
        }
    }

    /// The container's bounding/effective/permitted set.
    public static func effective(add: [String], drop: [String], privileged: Bool,
                                 available: [String], defaults: [String] = CapabilityNames.dockerDefault) throws -> [String] {
        if privileged { return available }
        if add.isEmpty && drop.isEmpty { return defaults }
        let dropped = try normalize(drop, available: available)
        let added = try normalize(add, available: available)
        if added.contains("ALL") {
            return available.filter { !dropped.contains($0) }
        }
        if dropped.contains("ALL") {
            return added
        }
        return defaults.filter { !dropped.contains($0) } + added
    }

    /// dockerd's create-time check, wrapped as it wraps it ("invalid CapAdd: ...").
    public static func validate(add: [String], drop: [String], available: [String]) throws {
        do { _ = try normalize(add, available: available) } catch let e as ContainerSpecError {
            throw ContainerSpecError.invalid("invalid CapAdd: \(e.message)")
        }
        do { _ = try normalize(drop, available: available) } catch let e as ContainerSpecError {
            throw ContainerSpecError.invalid("invalid CapDrop: \(e.message)")
        }
    }
}
