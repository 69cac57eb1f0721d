import JSON

/// The Go types of the Docker API that the docker CLI runs templates on, as far as they are
/// modelled here (field order, Go names where they differ from the JSON keys, kinds).
extension GoStruct.Schema {
    private typealias F = GoStruct.Field

    /// events.Message.
    static let eventMessage = GoStruct.Schema("*events.Message", [
        F("Status", key: "status", omitEmpty: true), F("ID", key: "id", omitEmpty: true), F("From", key: "from", omitEmpty: true),
        F("Type"), F("Action"),
        F("Actor", .structure(GoStruct.Schema("events.Actor", [F("ID"), F("Attributes", .map)]))),
        F("Scope", key: "scope", omitEmpty: true), F("Time", key: "time", .number, omitEmpty: true),
        F("TimeNano", key: "timeNano", .number, omitEmpty: true),
    ])

    private static let platform = GoStruct.Schema("struct { Name string }", [F("Name")])

    /// types.Version, the daemon's half of `docker version`.
    static let serverVersion = GoStruct.Schema("*types.Version", [
        F("Platform", .structure(platform)), F("Components", .slice), F("Version"), F("APIVersion", key: "ApiVersion"),
        F("MinAPIVersion", omitEmpty: true), F("GitCommit"), F("GoVersion"), F("Os"), F("Arch"), F("KernelVersion", omitEmpty: true),
        F("Experimental", .bool, omitEmpty: true), F("BuildTime", omitEmpty: true),
    ])

    /// The CLI's own half of `docker version`.
    static let clientVersion = GoStruct.Schema("*command.clientVersion", [
        F("Platform", .pointer(platform), omitEmpty: true), F("Version"), F("APIVersion", key: "ApiVersion"),
        F("DefaultAPIVersion", omitEmpty: true), F("GitCommit"), F("GoVersion"), F("Os"), F("Arch"), F("BuildTime", omitEmpty: true),
        F("Context"),
    ])

    /// `docker version`'s template context: `.Client` and `.Server`.
    static let versionInfo = GoStruct.Schema("command.versionInfo", [
        F("Client", .pointer(clientVersion)), F("Server", .pointer(serverVersion)),
    ])

    static let health = GoStruct.Schema("*container.Health", [F("Status"), F("FailingStreak", .number), F("Log", .slice)])

    /// container.State.
    static let containerState = GoStruct.Schema("*container.State", [
        F("Status"), F("Running", .bool), F("Paused", .bool), F("Restarting", .bool), F("OOMKilled", .bool), F("Dead", .bool),
        F("Pid", .number), F("ExitCode", .number), F("Error"), F("StartedAt"), F("FinishedAt"),
        F("Health", .pointer(health), omitEmpty: true),
    ])

    /// container.Config.
    static let containerConfig = GoStruct.Schema("*container.Config", [
        F("Hostname"), F("Domainname"), F("User"), F("AttachStdin", .bool), F("AttachStdout", .bool), F("AttachStderr", .bool),
        F("ExposedPorts", .map, omitEmpty: true), F("Tty", .bool), F("OpenStdin", .bool), F("StdinOnce", .bool), F("Env", .slice),
        F("Cmd", .slice), F("Healthcheck", .pointer(nil), omitEmpty: true), F("ArgsEscaped", .bool, omitEmpty: true), F("Image"),
        F("Volumes", .map), F("WorkingDir"), F("Entrypoint", .slice), F("NetworkDisabled", .bool, omitEmpty: true),
        F("MacAddress", omitEmpty: true), F("OnBuild", .slice), F("Labels", .map), F("StopSignal", omitEmpty: true),
        F("StopTimeout", .pointer(nil), omitEmpty: true), F("Shell", .slice, omitEmpty: true),
    ])

    /// volume.Volume.
    static let volumeInspect = GoStruct.Schema("volume.Volume", [
        F("ClusterVolume", .pointer(nil), omitEmpty: true), F("CreatedAt", omitEmpty: true), F("Driver"), F("Labels", .map),
        F("Mountpoint"), F("Name"), F("Options", .map), F("Scope"), F("Status", .map, omitEmpty: true),
        F("UsageData", .pointer(nil), omitEmpty: true),
    ])

    /// container.InspectResponse; HostConfig, NetworkSettings, Mounts and GraphDriver stay as sent.
    static let containerInspect = GoStruct.Schema("container.InspectResponse", [
        F("ID", key: "Id"), F("Created"), F("Path"), F("Args", .slice), F("State", .pointer(containerState)), F("Image"),
        F("ResolvConfPath"), F("HostnamePath"), F("HostsPath"), F("LogPath"), F("Node", .pointer(nil), omitEmpty: true), F("Name"),
        F("RestartCount", .number), F("Driver"), F("Platform"), F("MountLabel"), F("ProcessLabel"), F("AppArmorProfile"),
        F("ExecIDs", .slice), F("HostConfig", .pointer(hostConfig)), F("GraphDriver", .structure(driverData)),
        F("SizeRw", .pointer(nil), omitEmpty: true), F("SizeRootFs", .pointer(nil), omitEmpty: true), F("Mounts", .slice),
        F("Config", .pointer(containerConfig)), F("NetworkSettings", .pointer(networkSettings)),
    ])

    static let driverData = GoStruct.Schema("storage.DriverData", [F("Data", .map), F("Name")])

    /// container.HostConfig with its inlined Resources; Go names where they differ from the keys.
    static let hostConfig: GoStruct.Schema = {
        let n = GoStruct.Kind.number, b = GoStruct.Kind.bool, sl = GoStruct.Kind.slice, m = GoStruct.Kind.map
        let ptr = GoStruct.Kind.pointer(nil)
        return GoStruct.Schema("*container.HostConfig", [
            F("Binds", sl), F("ContainerIDFile"),
            F("LogConfig", .structure(GoStruct.Schema("container.LogConfig", [F("Type"), F("Config", m)]))),
            F("NetworkMode"), F("PortBindings", m),
            F("RestartPolicy", .structure(GoStruct.Schema("container.RestartPolicy", [F("Name"), F("MaximumRetryCount", n)]))),
            F("AutoRemove", b), F("VolumeDriver"), F("VolumesFrom", sl),
            F("ConsoleSize", .value(.array([.number(JSONNumber(0)), .number(JSONNumber(0))]))), F("Annotations", m, omitEmpty: true),
            F("CapAdd", sl), F("CapDrop", sl), F("CgroupnsMode"), F("DNS", key: "Dns", sl), F("DNSOptions", key: "DnsOptions", sl),
            F("DNSSearch", key: "DnsSearch", sl), F("ExtraHosts", sl), F("GroupAdd", sl), F("IpcMode"), F("Cgroup"), F("Links", sl),
            F("OomScoreAdj", n), F("PidMode"), F("Privileged", b), F("PublishAllPorts", b), F("ReadonlyRootfs", b), F("SecurityOpt", sl),
            F("StorageOpt", m, omitEmpty: true), F("Tmpfs", m, omitEmpty: true), F("UTSMode"), F("UsernsMode"), F("ShmSize", n),
            F("Sysctls", m, omitEmpty: true), F("Runtime", omitEmpty: true), F("Isolation"),
            F("Resources", .embedded(GoStruct.Schema("container.Resources", [
                F("CPUShares", key: "CpuShares", n), F("Memory", n), F("NanoCPUs", key: "NanoCpus", n), F("CgroupParent"),
                F("BlkioWeight", n), F("BlkioWeightDevice", sl), F("BlkioDeviceReadBps", sl), F("BlkioDeviceWriteBps", sl),
                F("BlkioDeviceReadIOps", sl), F("BlkioDeviceWriteIOps", sl), F("CPUPeriod", key: "CpuPeriod", n),
                F("CPUQuota", key: "CpuQuota", n), F("CPURealtimePeriod", key: "CpuRealtimePeriod", n),
                F("CPURealtimeRuntime", key: "CpuRealtimeRuntime", n), F("CpusetCpus"), F("CpusetMems"), F("Devices", sl),
                F("DeviceCgroupRules", sl), F("DeviceRequests", sl), F("MemoryReservation", n), F("MemorySwap", n),
                F("MemorySwappiness", ptr), F("OomKillDisable", ptr), F("PidsLimit", ptr), F("Ulimits", sl),
                F("CPUCount", key: "CpuCount", n), F("CPUPercent", key: "CpuPercent", n), F("IOMaximumIOps", n),
                F("IOMaximumBandwidth", n),
            ]))),
            F("Mounts", sl, omitEmpty: true), F("MaskedPaths", sl), F("ReadonlyPaths", sl), F("Init", ptr, omitEmpty: true),
        ])
    }()

    /// network.EndpointSettings.
    static let endpointSettings = GoStruct.Schema("*network.EndpointSettings", [
        F("IPAMConfig", .pointer(nil)), F("Links", .slice), F("Aliases", .slice), F("MacAddress"), F("DriverOpts", .map),
        F("GwPriority", .number), F("NetworkID"), F("EndpointID"), F("Gateway"), F("IPAddress"), F("IPPrefixLen", .number),
        F("IPv6Gateway"), F("GlobalIPv6Address"), F("GlobalIPv6PrefixLen", .number), F("DNSNames", .slice),
    ])

    /// container.NetworkSettings: its two embedded halves and the networks.
    static let networkSettings = GoStruct.Schema("*container.NetworkSettings", [
        F("NetworkSettingsBase", .embedded(GoStruct.Schema("container.NetworkSettingsBase", [
            F("Bridge"), F("SandboxID"), F("SandboxKey"), F("Ports", .map), F("HairpinMode", .bool),
            F("LinkLocalIPv6Address"), F("LinkLocalIPv6PrefixLen", .number), F("SecondaryIPAddresses", .slice),
            F("SecondaryIPv6Addresses", .slice),
        ]))),
        F("DefaultNetworkSettings", .embedded(GoStruct.Schema("container.DefaultNetworkSettings", [
            F("EndpointID"), F("Gateway"), F("GlobalIPv6Address"), F("GlobalIPv6PrefixLen", .number), F("IPAddress"),
            F("IPPrefixLen", .number), F("IPv6Gateway"), F("MacAddress"),
        ]))),
        F("Networks", .mapOf(endpointSettings)),
    ])

    /// ocispec.ImageConfig and dockerspec's extension, the two halves of an image's Config.
    static let ociImageConfig = GoStruct.Schema("v1.ImageConfig", [
        F("User", omitEmpty: true), F("ExposedPorts", .map, omitEmpty: true), F("Env", .slice, omitEmpty: true),
        F("Entrypoint", .slice, omitEmpty: true), F("Cmd", .slice, omitEmpty: true), F("Volumes", .map, omitEmpty: true),
        F("WorkingDir", omitEmpty: true), F("Labels", .map, omitEmpty: true), F("StopSignal", omitEmpty: true),
        F("ArgsEscaped", .bool, omitEmpty: true),
    ])
    static let dockerImageConfigExt = GoStruct.Schema("dockerspec.DockerOCIImageConfigExt", [
        F("Healthcheck", .pointer(nil), omitEmpty: true), F("OnBuild", .slice, omitEmpty: true), F("Shell", .slice, omitEmpty: true),
    ])
    static let dockerImageConfig = GoStruct.Schema("*dockerspec.DockerOCIImageConfig", [
        F("ImageConfig", .embedded(ociImageConfig)), F("DockerOCIImageConfigExt", .embedded(dockerImageConfigExt)),
    ])

    /// image.InspectResponse.
    static let imageInspect = GoStruct.Schema("image.InspectResponse", [
        F("ID", key: "Id"), F("RepoTags", .slice), F("RepoDigests", .slice), F("Parent"), F("Comment"), F("Created", omitEmpty: true),
        F("Container", omitEmpty: true), F("ContainerConfig", .pointer(containerConfig), omitEmpty: true), F("DockerVersion"),
        F("Author"), F("Config", .pointer(dockerImageConfig)), F("Architecture"), F("Variant", omitEmpty: true),
        F("Os"), F("OsVersion", omitEmpty: true), F("Size", .number), F("VirtualSize", .number, omitEmpty: true),
        F("GraphDriver", .structure(GoStruct.Schema("storage.DriverData", [F("Data", .map), F("Name")]))),
        F("RootFS", .structure(GoStruct.Schema("image.RootFS", [F("Type"), F("Layers", .slice, omitEmpty: true)]))),
        F("Metadata", .structure(GoStruct.Schema("image.Metadata", [F("LastTagTime", .time, omitEmpty: true)]))),
        F("Descriptor", .pointer(nil), omitEmpty: true), F("Manifests", .slice, omitEmpty: true),
    ])
}
