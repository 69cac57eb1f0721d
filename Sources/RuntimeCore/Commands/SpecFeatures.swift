import Glibc
import LinuxSys
import OCISpec
import Seccomp
import Cgroups

/// `spec` (a starting config.json, as `runc spec` writes) and `features`.
enum SpecCommand {
    static func defaultSpec(rootless: Bool) -> Spec {
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        var namespaces: [LinuxNamespace] = ["pid", "ipc", "uts", "mount"].map { LinuxNamespace(type: $0) }
        var mounts: [Mount] = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] + (rootless ? [] : ["gid=5"])),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
        var linux = Linux(
            resources: rootless ? nil : LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")]),
            namespaces: nil,
            maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        if rootless {
            namespaces.append(LinuxNamespace(type: "user"))
            linux.uidMappings = [LinuxIDMapping(containerID: 0, hostID: getuid(), size: 1)]
            linux.gidMappings = [LinuxIDMapping(containerID: 0, hostID: getgid(), size: 1)]
            mounts[5] = Mount(destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
            mounts.remove(at: 6)
        } else {
            namespaces.insert(LinuxNamespace(type: "network"), at: 1)
        }
        linux.namespaces = namespaces
        let process = Process(
            terminal: true, user: User(uid: 0, gid: 0), args: ["sh"],
            env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], cwd: "/",
            capabilities: LinuxCapabilities(bounding: caps, effective: caps, permitted: caps, ambient: caps),
            rlimits: [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)], noNewPrivileges: true)
        return Spec(ociVersion: OCIVersion.current, process: process, root: Root(path: "rootfs", readonly: true),
                    hostname: "berth", mounts: mounts, linux: linux)
    }

    static func write(bundle: String, rootless: Bool) throws {
        let path = bundle + "/config.json"
        if FileIO.exists(path) { throw RuntimeError("File \(path) exists. Remove it first") }
        var data = Array(try SpecFile.encode(defaultSpec(rootless: rootless), pretty: true))
        data.append(0x0a)
        try FileIO.writeAtomic(path, data, mode: 0o644)
    }

    static func features() throws -> String {
        let f = Features(
            ociVersionMin: "1.0.0", ociVersionMax: OCIVersion.current,
            hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            mountOptions: MountOptions.known.sorted(),
            linux: LinuxFeatures(
                namespaces: NamespaceKind.allCases.map(\.rawValue),
                capabilities: Capabilities.supported,
                cgroup: CgroupFeatures(v1: true, v2: true, systemd: false, systemdUser: false, rdma: false),
                seccomp: SeccompFeatures(enabled: true, actions: SeccompCompiler.supportedActions.filter { $0 != "SCMP_ACT_NOTIFY" },
                                         operators: SeccompCompiler.supportedOperators,
                                         archs: SeccompCompiler.supportedArchitectures,
                                         knownFlags: SeccompCompiler.knownFlags, supportedFlags: SeccompCompiler.supportedFlags),
                apparmor: AppArmorFeatures(enabled: FileIO.exists("/sys/kernel/security/apparmor")),
                selinux: SELinuxFeatures(enabled: FileIO.exists("/sys/fs/selinux/enforce")),
                intelRdt: IntelRdtFeatures(enabled: false),
                mountExtensions: MountExtensionsFeatures(idmap: IDMapFeatures(enabled: false))),
            annotations: ["org.opencontainers.runtime-spec.features.version": OCIVersion.current,
                          "io.github.berth.runtime.libseccomp.version": SeccompCompiler.libseccompVersion])
        return String(decoding: try SpecFile.encode(f, pretty: true), as: UTF8.self) + "\n"
    }
}

/// `events`: resource usage of a container, once (--stats) or every interval.
enum Events {
    static func run(_ rt: Runtime, id: String, statsOnce: Bool, interval: Double) throws {
        var lastOOM: UInt64? = nil
        while true {
            let r = try rt.store.load(id)
            guard r.status(store: rt.store) != .stopped else {
                if statsOnce { throw RuntimeError("container not running") }
                return
            }
            let stats = try r.cgroup.stats()
            let data = String(decoding: try SpecFile.encode(stats), as: UTF8.self)
            FileHandleOut.stdout("{\"type\":\"stats\",\"id\":\(jsonQuote(id)),\"data\":\(data)}\n")
            if statsOnce { return }
            let oom = r.cgroup.oomKillCount()
            if let l = lastOOM, oom > l { FileHandleOut.stdout("{\"type\":\"oom\",\"id\":\(jsonQuote(id))}\n") }
            lastOOM = oom
            usleep(UInt32(max(0.1, interval) * 1_000_000))
        }
    }
}
