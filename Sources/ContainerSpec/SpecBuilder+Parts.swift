import DockerAPI
import OCISpec

extension SpecBuilder {
    /// The first process: command, environment, working directory (created in the rootfs
    /// as dockerd's SetupWorkingDirectory does) and user.
    static func resolveProcess(_ input: SpecInput, config: ContainerConfig, hostConfig h: HostConfig) throws -> ResolvedProcess {
        let args = try ProcessResolver.command(config: config, image: input.imageConfig)
        let cwd = try ProcessResolver.workingDir(config.WorkingDir)
        if !(config.WorkingDir ?? "").isEmpty {
            try ScopedPath.mkdirAll(root: input.rootfsPath, cwd, uid: 0, gid: 0)
        }
        let user = try ProcessResolver.user(config.User ?? "", rootfs: input.rootfsPath, groupAdd: h.GroupAdd ?? [])
        var env = ProcessResolver.env(config: config, image: input.imageConfig)
        // runc sets HOME from /etc/passwd ("/" without an entry) when the environment has none;
        // written here, every runtime gives the container the HOME it has under Docker.
        if !env.contains(where: { $0.hasPrefix("HOME=") }) { env.append("HOME=" + (user.home.isEmpty ? "/" : user.home)) }
        return ResolvedProcess(args: args, env: env, cwd: cwd, user: user, terminal: config.Tty == true)
    }

    /// `linux.devices` and the cgroup rules added after the defaults (WithDevices).
    static func deviceSettings(_ h: HostConfig) throws -> ([LinuxDevice], [LinuxDeviceCgroup]) {
        var devices: [LinuxDevice] = []
        var rules: [LinuxDeviceCgroup] = []
        if h.Privileged == true {
            devices = DeviceRules.hostDevices()
            for mapping in h.Devices ?? [] {
                let host = mapping.PathOnHost ?? ""
                let inside = (mapping.PathInContainer ?? "").isEmpty ? host : mapping.PathInContainer ?? host
                // Under --privileged every host node is there already, at its own path.
                if host == inside { continue }
                devices += try DeviceRules.devices(pathOnHost: host, pathInContainer: inside, permissions: "rwm").devices
            }
            rules = [LinuxDeviceCgroup(allow: true, access: "rwm")]
        } else {
            for mapping in h.Devices ?? [] {
                let host = mapping.PathOnHost ?? ""
                let inside = (mapping.PathInContainer ?? "").isEmpty ? host : mapping.PathInContainer ?? host
                let permissions = (mapping.CgroupPermissions ?? "").isEmpty ? "rwm" : mapping.CgroupPermissions ?? "rwm"
                let found = try DeviceRules.devices(pathOnHost: host, pathInContainer: inside, permissions: permissions)
                devices += found.devices
                rules += found.rules
            }
            rules += try (h.DeviceCgroupRules ?? []).map(DeviceRules.cgroupRule)
        }
        return (devices, rules)
    }

    /// Ulimits, then the daemon's defaults for names the container leaves alone; -1 is unlimited.
    static func rlimits(_ ulimits: [Ulimit], defaults: [Ulimit]) -> [POSIXRlimit]? {
        let names = Set(ulimits.map(\.Name))
        let all = ulimits + defaults.filter { !names.contains($0.Name) }
        guard !all.isEmpty else { return nil }
        return all.map {
            POSIXRlimit(type: "RLIMIT_" + $0.Name.uppercased(), hard: UInt64(bitPattern: $0.Hard), soft: UInt64(bitPattern: $0.Soft))
        }
    }

    /// WithNamespaces: mount, network, uts, pid and ipc of its own unless shared with the
    /// host or another container; cgroup when private.
    static func namespaces(_ input: SpecInput, hostConfig h: HostConfig) throws -> [LinuxNamespace] {
        var list: [LinuxNamespace] = [LinuxNamespace(type: .mount), LinuxNamespace(type: .network),
                                      LinuxNamespace(type: .uts), LinuxNamespace(type: .pid), LinuxNamespace(type: .ipc)]
        if input.config.NetworkDisabled != true {
            let mode = h.NetworkMode ?? ""
            if let other = NamespaceMode.container(mode) {
                if other == input.id || (!other.isEmpty && input.id.hasPrefix(other) && other.count >= 12) {
                    throw ContainerSpecError.system("cannot join own network namespace")
                }
                guard let pid = try input.containerPID(other) else {
                    throw ContainerSpecError(.conflict,
                                             "cannot join network namespace of a non running container: container \(other) is not running")
                }
                list.set(.network, path: "/proc/\(pid)/ns/net")
            } else if NamespaceMode.isHost(mode) {
                list.remove(.network)
            } else {
                list.set(.network, path: input.networkNamespacePath)
            }
        }
        try share(.ipc, mode: h.IpcMode ?? "", what: "IPC", in: &list, input)
        try share(.pid, mode: h.PidMode ?? "", what: "PID", in: &list, input)
        if NamespaceMode.isHost(h.UTSMode) { list.remove(.uts) }
        if h.CgroupnsMode == "private" { list.set(.cgroup) }
        return list
    }

    /// "host" leaves the namespace out; "container:<x>" joins x's.
    private static func share(_ type: LinuxNamespaceType, mode: String, what: String, in list: inout [LinuxNamespace],
                              _ input: SpecInput) throws {
        if let other = NamespaceMode.container(mode) {
            guard let pid = try input.containerPID(other) else {
                throw ContainerSpecError(.conflict, "failed to join \(what) namespace: container \(other) is not running")
            }
            list.set(type, path: "/proc/\(pid)/ns/\(type.rawValue)")
        } else if NamespaceMode.isHost(mode) {
            list.remove(type)
        }
    }

    /// WithSeccomp: none when unconfined; a privileged container only gets a profile it names.
    static func seccomp(_ input: SpecInput, security: SecurityOptions, privileged: Bool,
                        capabilities: [String]) throws -> LinuxSeccomp? {
        let choice = security.seccompProfile
        let profile: SeccompProfile?
        switch choice {
        case "unconfined": return nil
        case "builtin": profile = input.seccompProfile
        case "": profile = privileged ? nil : input.seccompProfile
        default: profile = try SeccompProfile.decode(Array(choice.utf8))
        }
        return try profile?.oci(capabilities: capabilities, arch: input.host.seccompArch, kernel: input.host.kernel)
    }
}
