import OCISpec

/// Which sysctls a container may set: only those the kernel namespaces, and only when the
/// container has that namespace of its own (runc's validator, whose messages these are;
/// dockerd leaves the check to the runtime, so `docker run --sysctl` fails at start).
public enum SysctlPolicy {
    static let ipc: Set<String> = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                                   "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]

    /// `namespaces` as they end up in the spec: an entry with a path joins an existing
    /// namespace (for the network: another container's, never the host's here).
    public static func validate(_ sysctls: [String: String], namespaces: [LinuxNamespace]) throws {
        for key in sysctls.keys.sorted() {
            if ipc.contains(key) || key.hasPrefix("fs.mqueue.") {
                guard namespaces.contains(.ipc) else {
                    throw ContainerSpecError.invalid("sysctl \"\(key)\" is not allowed in the hosts ipc namespace")
                }
                continue
            }
            if key.hasPrefix("net.") {
                guard namespaces.contains(.network) else {
                    throw ContainerSpecError.invalid("sysctl \"\(key)\" not allowed in host network namespace")
                }
                continue
            }
            if namespaces.contains(.uts) {
                if key == "kernel.domainname" { continue }
                if key == "kernel.hostname" {
                    throw ContainerSpecError.invalid("sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field")
                }
            }
            throw ContainerSpecError.invalid("sysctl \"\(key)\" is not in a separate kernel namespace")
        }
    }

    /// The docker CLI's own check of `--sysctl key=value` (opts.ValidateSysctl), for the berth CLI.
    public static func validateFlag(_ text: String) throws {
        let key = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard key.count == 2, ipc.contains(String(key[0])) || key[0].hasPrefix("net.") || key[0].hasPrefix("fs.mqueue.") else {
            throw ContainerSpecError.invalid("sysctl '\(text)' is not allowed")
        }
    }
}
