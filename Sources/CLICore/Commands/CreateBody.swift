import JSON

/// The docker CLI sends every field of its Config and HostConfig structs, zero values
/// included, in Go's field order (`omitempty` fields only when set). A daemon stores what it
/// is sent, so `inspect` of a container the berth CLI made must show those zero values too:
/// the body is laid out the same way here.
enum CreateBody {
    /// Config's fields in the docker CLI's order; nil: `omitempty`, sent only when set.
    static let config: [(String, JSONValue?)] = [
        ("Hostname", .string("")), ("Domainname", .string("")), ("User", .string("")),
        ("AttachStdin", .bool(false)), ("AttachStdout", .bool(false)), ("AttachStderr", .bool(false)),
        ("ExposedPorts", nil), ("Tty", .bool(false)), ("OpenStdin", .bool(false)), ("StdinOnce", .bool(false)),
        ("Env", .null), ("Cmd", .null), ("Healthcheck", nil), ("ArgsEscaped", nil), ("Image", .string("")),
        ("Volumes", .object(JSONObject())), ("WorkingDir", .string("")), ("Entrypoint", .null), ("NetworkDisabled", nil),
        ("MacAddress", nil), ("OnBuild", .null), ("Labels", .object(JSONObject())), ("StopSignal", nil), ("StopTimeout", nil),
        ("Shell", nil),
    ]

    /// HostConfig's fields (Resources inlined) in the docker CLI's order.
    static let hostConfig: [(String, JSONValue?)] = {
        let zero = JSONValue.int(0), empty = JSONValue.string(""), none = JSONValue.null, list = JSONValue.array([])
        return [
            ("Binds", none), ("ContainerIDFile", empty),
            ("LogConfig", .object(JSONObject([("Type", empty), ("Config", .object(JSONObject()))]))),
            ("NetworkMode", .string("default")), ("PortBindings", .object(JSONObject())),
            ("RestartPolicy", .object(JSONObject([("Name", .string("no")), ("MaximumRetryCount", zero)]))),
            ("AutoRemove", .bool(false)), ("VolumeDriver", empty), ("VolumesFrom", none), ("ConsoleSize", .array([zero, zero])),
            ("Annotations", nil), ("CapAdd", none), ("CapDrop", none), ("CgroupnsMode", empty), ("Dns", list),
            ("DnsOptions", list), ("DnsSearch", list), ("ExtraHosts", none), ("GroupAdd", none), ("IpcMode", empty),
            ("Cgroup", empty), ("Links", none), ("OomScoreAdj", zero), ("PidMode", empty), ("Privileged", .bool(false)),
            ("PublishAllPorts", .bool(false)), ("ReadonlyRootfs", .bool(false)), ("SecurityOpt", none), ("StorageOpt", nil),
            ("Tmpfs", nil), ("UTSMode", empty), ("UsernsMode", empty), ("ShmSize", zero), ("Sysctls", nil), ("Runtime", nil),
            ("Isolation", empty), ("CpuShares", zero), ("Memory", zero), ("NanoCpus", zero), ("CgroupParent", empty),
            ("BlkioWeight", zero), ("BlkioWeightDevice", list), ("BlkioDeviceReadBps", list), ("BlkioDeviceWriteBps", list),
            ("BlkioDeviceReadIOps", list), ("BlkioDeviceWriteIOps", list), ("CpuPeriod", zero), ("CpuQuota", zero),
            ("CpuRealtimePeriod", zero), ("CpuRealtimeRuntime", zero), ("CpusetCpus", empty), ("CpusetMems", empty),
            ("Devices", list), ("DeviceCgroupRules", none), ("DeviceRequests", none), ("MemoryReservation", zero),
            ("MemorySwap", zero), ("MemorySwappiness", .int(-1)), ("OomKillDisable", .bool(false)), ("PidsLimit", zero),
            ("Ulimits", list), ("CpuCount", zero), ("CpuPercent", zero), ("IOMaximumIOps", zero), ("IOMaximumBandwidth", zero),
            ("Mounts", nil), ("MaskedPaths", none), ("ReadonlyPaths", none), ("Init", nil),
        ]
    }()

    /// An endpoint as the docker CLI sends it for the network the container starts on.
    static let endpoint: [(String, JSONValue?)] = [
        ("IPAMConfig", .null), ("Links", .null), ("Aliases", .null), ("MacAddress", .string("")), ("DriverOpts", .null),
        ("GwPriority", .int(0)), ("NetworkID", .string("")), ("EndpointID", .string("")), ("Gateway", .string("")),
        ("IPAddress", .string("")), ("IPPrefixLen", .int(0)), ("IPv6Gateway", .string("")), ("GlobalIPv6Address", .string("")),
        ("GlobalIPv6PrefixLen", .int(0)), ("DNSNames", .null),
    ]

    /// `set` laid out in `fields` order with the defaults filled in; keys not listed follow.
    static func laidOut(_ set: JSONObject, _ fields: [(String, JSONValue?)]) -> JSONObject {
        var out = JSONObject()
        for (key, zero) in fields {
            if let v = set[key] { out[key] = v } else if let zero { out[key] = zero }
        }
        for (key, v) in set where out[key] == nil { out[key] = v }
        return out
    }
}
