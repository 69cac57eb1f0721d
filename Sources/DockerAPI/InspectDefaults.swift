import JSON

/// dockerd's inspect output always carries every field of its Go structs, zero values
/// included; clients index them unconditionally (the Python SDK reads
/// `attrs['Config']['User']`). Our types leave out what was never set, so the API edge
/// fills the missing keys from these zero values.
public enum InspectDefaults {
    static let config = """
    {"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,
     "Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,
     "WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{}}
    """

    static let hostConfig = """
    {"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{}},"NetworkMode":"bridge",
     "PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"",
     "VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"host","Dns":[],
     "DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"private","Cgroup":"","Links":null,
     "OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,
     "SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":67108864,"Runtime":"berth-runtime","Isolation":"",
     "CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],
     "BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],
     "CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"",
     "Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,
     "MemorySwappiness":null,"OomKillDisable":false,"PidsLimit":null,"Ulimits":[],"CpuCount":0,"CpuPercent":0,
     "IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":[],"ReadonlyPaths":[]}
    """

    static let networkSettings = """
    {"Bridge":"","SandboxID":"","SandboxKey":"","Ports":{},"HairpinMode":false,"LinkLocalIPv6Address":"",
     "LinkLocalIPv6PrefixLen":0,"SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"",
     "Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"",
     "MacAddress":"","Networks":{}}
    """

    static let top = """
    {"ExecIDs":null,"SizeRw":null,"SizeRootFs":null}
    """

    /// `value` (a container inspect document) with every missing field of dockerd's filled in.
    public static func fillContainer(_ value: JSONValue) -> JSONValue {
        guard case .object(var o) = value else { return value }
        o = fill(o, top, onlyMissing: true, skipNullable: ["SizeRw", "SizeRootFs"])
        if o["ExecIDs"] == nil { o["ExecIDs"] = .null }
        for (key, defaults) in [("Config", config), ("HostConfig", hostConfig), ("NetworkSettings", networkSettings)] {
            if case .object(let inner)? = o[key] { o[key] = .object(fill(inner, defaults, onlyMissing: true, skipNullable: [])) }
        }
        return .object(o)
    }

    private static func fill(_ o: JSONObject, _ defaultsText: String, onlyMissing: Bool, skipNullable: Set<String>) -> JSONObject {
        guard case .object(let d)? = try? JSON.parse(Array(defaultsText.utf8)) else { return o }
        var out = o
        for (k, v) in d where out[k] == nil && !skipNullable.contains(k) { out[k] = v }
        return out
    }
}
