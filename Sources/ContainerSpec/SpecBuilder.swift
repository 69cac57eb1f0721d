import DockerAPI
import OCISpec

/// Turns a Docker container into the OCI runtime spec dockerd would hand its runtime
/// (moby daemon/oci_linux.go createSpec). Reads the rootfs's /etc/passwd and /etc/group,
/// stats device nodes, creates missing bind sources and the working directory, and
/// otherwise decides from its input alone.
public enum SpecBuilder {
    public static func build(_ input: SpecInput) throws -> Spec {
        let h = adapted(input.hostConfig, host: input.host)
        var config = ProcessResolver.merge(input.config, image: input.imageConfig)
        if (config.Hostname ?? "").isEmpty {
            config.Hostname = NamespaceMode.isHost(h.NetworkMode) ? input.host.hostname : String(input.id.prefix(12))
        }
        try HostConfigValidator.validate(config: config, hostConfig: h, host: input.host)
        let security = try SecurityOptions.parse(h.SecurityOpt ?? [], noNewPrivilegesDefault: input.noNewPrivilegesByDefault)
        let privileged = h.Privileged == true

        var spec = Spec(process: Process(), root: Root(path: input.rootfsPath, readonly: h.ReadonlyRootfs == true ? true : nil),
                        linux: Linux())
        var linux = Linux(sysctl: [:], cgroupsPath: input.cgroupsPath)
        var mounts = DefaultSpec.mounts

        // Process: command (behind the init when asked), environment, working directory, user.
        let process = try resolveProcess(input, config: config, hostConfig: h)
        var args = process.args
        // Only a container with its own PID namespace gets the init: elsewhere there is one already.
        if pidIsPrivate(h.PidMode), h.Init ?? input.initByDefault {
            guard let initBinary = input.initBinary, !initBinary.isEmpty else {
                throw ContainerSpecError.system("exec: \"docker-init\": executable file not found in $PATH")
            }
            args = [DefaultSpec.initPath, "--"] + args
            mounts.append(Mount(destination: DefaultSpec.initPath, type: "bind", source: initBinary, options: ["bind", "ro"]))
        }
        spec.process = Process(terminal: config.Tty == true, user: User(uid: process.user.uid, gid: process.user.gid,
                                                                        additionalGids: process.user.additionalGids),
                               args: args, env: process.env, cwd: process.cwd)
        spec.hostname = config.Hostname
        if let domain = config.Domainname, !domain.isEmpty { linux.sysctl?["kernel.domainname"] = domain }
        if NamespaceMode.networkIsPrivate(h.NetworkMode) {
            if input.host.hasPingGroupRange { linux.sysctl?["net.ipv4.ping_group_range"] = "0 2147483647" }
            if input.host.hasUnprivilegedPortStart { linux.sysctl?["net.ipv4.ip_unprivileged_port_start"] = "0" }
        }

        // Resources, sysctls, devices, rlimits.
        let (devices, rules) = try deviceSettings(h)
        linux.resources = LinuxResources(devices: DefaultDevices.cgroupRules + rules, memory: ResourceMapper.memory(h),
                                         cpu: try ResourceMapper.cpu(h), pids: ResourceMapper.pids(h),
                                         blockIO: ResourceMapper.blockIO(h))
        linux.devices = devices.isEmpty ? nil : devices
        for (key, value) in h.Sysctls ?? [:] { linux.sysctl?[key] = value }
        spec.process?.rlimits = rlimits(h.Ulimits ?? [], defaults: input.defaultUlimits)

        linux.namespaces = try namespaces(input, hostConfig: h)
        if NamespaceMode.isHost(h.UTSMode) { spec.hostname = nil }

        let caps = try CapabilitySet.effective(add: h.CapAdd ?? [], drop: h.CapDrop ?? [], privileged: privileged,
                                               available: input.host.capabilities)
        spec.process?.capabilities = LinuxCapabilities(bounding: caps, effective: caps, permitted: caps)
        linux.seccomp = try seccomp(input, security: security, privileged: privileged, capabilities: caps)

        linux.maskedPaths = DefaultSpec.maskedPaths(host: input.host)
        linux.readonlyPaths = DefaultSpec.readonlyPaths
        let planned = try MountPlanner(input: input, config: config).plan()
        let assembler = MountAssembler(privileged: privileged, readonlyRootfs: h.ReadonlyRootfs == true,
                                       writableCgroups: security.writableCgroups ?? privileged,
                                       ipcNone: h.IpcMode == "none", shmSize: h.ShmSize ?? DefaultSpec.shmSize,
                                       recursiveReadOnly: input.host.recursiveReadOnly)
        let assembled = try assembler.assemble(defaults: mounts, planned: planned)
        spec.mounts = assembled.mounts
        linux.rootfsPropagation = assembled.rootfsPropagation
        if privileged {
            linux.maskedPaths = nil
            linux.readonlyPaths = nil
        }

        if input.host.appArmorEnabled && !security.appArmorProfile.isEmpty {
            spec.process?.apparmorProfile = security.appArmorProfile
        }
        spec.process?.oomScoreAdj = h.OomScoreAdj ?? 0
        if let annotations = h.Annotations, !annotations.isEmpty { spec.annotations = annotations }
        if security.noNewPrivileges { spec.process?.noNewPrivileges = true }
        if config.Tty == true, let size = h.ConsoleSize, size.count == 2, size[0] > 0 || size[1] > 0 {
            spec.process?.consoleSize = Box(height: UInt(max(0, size[0])), width: UInt(max(0, size[1])))
        }
        if let masked = h.MaskedPaths { linux.maskedPaths = masked }
        if let readonly = h.ReadonlyPaths { linux.readonlyPaths = readonly }
        if linux.sysctl?.isEmpty == true { linux.sysctl = nil }
        try SysctlPolicy.validate(linux.sysctl ?? [:], namespaces: linux.namespaces ?? [])
        spec.linux = linux
        return spec
    }

    /// The defaults dockerd fills in at create (adaptContainerSettings); applying them twice changes nothing.
    static func adapted(_ hostConfig: HostConfig, host: HostFacts) -> HostConfig {
        var h = hostConfig
        if let memory = h.Memory, memory > 0, (h.MemorySwap ?? 0) == 0 { h.MemorySwap = memory * 2 }
        if (h.Memory ?? 0) > 0, h.MemorySwap != -1, !host.swapLimit { h.MemorySwap = -1 }
        if (h.ShmSize ?? 0) == 0 { h.ShmSize = DefaultSpec.shmSize }
        if (h.IpcMode ?? "").isEmpty { h.IpcMode = "private" }
        if (h.CgroupnsMode ?? "").isEmpty {
            // Private on cgroup v2 (privileged or not), the host's on v1.
            h.CgroupnsMode = host.cgroupUnified ? "private" : "host"
        }
        if h.OomKillDisable == nil { h.OomKillDisable = false }
        return h
    }

    /// Own PID namespace: not "host", not "container:".
    static func pidIsPrivate(_ mode: String?) -> Bool {
        let m = mode ?? ""
        return !NamespaceMode.isHost(m) && NamespaceMode.container(m) == nil
    }
}
