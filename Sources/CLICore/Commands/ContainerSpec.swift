import Glibc
import JSON
import LinuxSys

/// What `run`/`create` send to `POST /containers/create`, built from the flags the way
/// the docker CLI's opts.go parse() does, plus the facts the verbs need afterwards.
struct ContainerSpec {
    var name: String?
    var platform: String?
    var image: String
    var tty = false
    var openStdin = false
    var attachStdin = false, attachStdout = false, attachStderr = false
    var autoRemove = false
    var config = JSONBuilder()
    var hostConfig = JSONBuilder()
    var networking: JSONValue = .null

    /// The request body: Config fields with HostConfig and NetworkingConfig inside, laid
    /// out with the zero values the docker CLI sends (see CreateBody).
    var body: JSONValue {
        var o = CreateBody.laidOut(config.object, CreateBody.config)
        o["HostConfig"] = .object(CreateBody.laidOut(hostConfig.object, CreateBody.hostConfig))
        o["NetworkingConfig"] = networking
        return .object(o)
    }

    static func parse(_ f: ParsedFlags, _ args: [String], environment: [String: String]) throws -> ContainerSpec {
        guard let image = args.first else { throw CLIError("no image given") }
        var s = ContainerSpec(image: image)
        s.name = f.string("name")
        s.platform = f.string("platform")
        s.tty = f.bool("tty")
        s.openStdin = f.bool("interactive")
        s.autoRemove = f.bool("rm")

        let attach = f.list("attach").map { $0.lowercased() }
        for a in attach where !["stdin", "stdout", "stderr"].contains(a) {
            throw CLIError("invalid argument \"\(a)\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR")
        }
        s.attachStdin = attach.contains("stdin") || s.openStdin
        s.attachStdout = attach.isEmpty || attach.contains("stdout")
        s.attachStderr = attach.isEmpty || attach.contains("stderr")

        if let mac = f.string("mac-address"), !isMAC(mac.trimmingSpaces) { throw CLIError("\(mac) is not a valid mac address") }
        let swappiness = f.int64("memory-swappiness") ?? -1
        if swappiness != -1 && !(0...100).contains(swappiness) {
            throw CLIError("invalid value: \(swappiness). Valid memory swappiness range is 0-100")
        }

        // -v: host paths and named volumes become Binds, a lone path an anonymous volume.
        var binds: [String] = []
        var volumes = JSONObject()
        for v in f.list("volume") {
            let spec = try VolumeSpec.parse(v)
            if let b = spec.bind { binds.append(b) } else { volumes[spec.target] = .object(JSONObject()) }
        }
        var tmpfs = JSONObject()
        for t in f.list("tmpfs") {
            let (k, v) = t.cut(":")
            tmpfs[k] = .string(v ?? "")
        }
        var entrypoint: [String]?
        if let e = f.string("entrypoint") { entrypoint = e.isEmpty ? [""] : [e] }

        let ports = try PortSpec.parseAll(f.list("publish"))
        var exposed = JSONObject()
        for key in ports.exposed { exposed[key] = .object(JSONObject()) }
        for e in f.list("expose") {
            for key in try PortSpec.expand(e) { exposed[key] = .object(JSONObject()) }
        }

        let env = try KeyValueFile.read(files: f.list("env-file"), override: f.list("env").map { try validateEnv($0, environment) },
                                        lookup: { environment[$0] }, flag: "--env-file")
        let labels = try KeyValueFile.read(files: f.list("label-file"), override: f.list("label"), lookup: nil, flag: "--label-file")

        let restart = try RestartPolicy.parse(f.string("restart") ?? "")
        if s.autoRemove, let r = restart, r.name != "no", !r.name.isEmpty {
            throw CLIError("conflicting options: cannot specify both --restart and --rm")
        }

        // Health check.
        let healthSet = f.string("health-cmd").map { !$0.isEmpty } == true || (f.duration("health-interval") ?? 0) != 0
            || (f.duration("health-timeout") ?? 0) != 0 || (f.duration("health-start-period") ?? 0) != 0
            || (f.int("health-retries") ?? 0) != 0 || (f.duration("health-start-interval") ?? 0) != 0
        var health: JSONValue?
        if f.bool("no-healthcheck") {
            if healthSet { throw CLIError("--no-healthcheck conflicts with --health-* options") }
            health = .object(JSONObject([("Test", .strings(["NONE"]))]))
        } else if healthSet {
            var h = JSONBuilder()
            if let cmd = f.string("health-cmd"), !cmd.isEmpty { h.set("Test", .strings(["CMD-SHELL", cmd])) }
            for (flag, key) in [("health-interval", "Interval"), ("health-timeout", "Timeout"),
                                ("health-start-period", "StartPeriod"), ("health-start-interval", "StartInterval")] {
                let d = f.duration(flag) ?? 0
                if d < 0 { throw CLIError("--\(flag) cannot be negative") }
                if d != 0 { h.set(key, .int(d)) }
            }
            let retries = f.int("health-retries") ?? 0
            if retries < 0 { throw CLIError("--health-retries cannot be negative") }
            if retries != 0 { h.set("Retries", .int(retries)) }
            health = h.value
        }

        // Config.
        var c = JSONBuilder()
        c.set("Hostname", f.string("hostname"))
        c.set("Domainname", f.string("domainname"))
        c.set("User", f.string("user"))
        c.set("AttachStdin", s.attachStdin)
        c.set("AttachStdout", s.attachStdout)
        c.set("AttachStderr", s.attachStderr)
        if !exposed.isEmpty { c.set("ExposedPorts", .object(exposed)) }
        c.set("Tty", s.tty)
        c.set("OpenStdin", s.openStdin)
        // When stdin is attached, closing it on the client closes it in the container.
        c.set("StdinOnce", s.openStdin && s.attachStdin)
        if !env.isEmpty { c.set("Env", .strings(env)) }
        if args.count > 1 { c.set("Cmd", .strings(Array(args.dropFirst()))) }
        c.set("Healthcheck", health)
        c.set("Image", image)
        if !volumes.isEmpty { c.set("Volumes", .object(volumes)) }
        c.set("WorkingDir", f.string("workdir"))
        c.set("Entrypoint", entrypoint.map { JSONValue.strings($0) })
        c.set("Labels", .map(labels.map { $0.cut("=") }.map { ($0.0, $0.1 ?? "") }))
        c.set("StopSignal", f.string("stop-signal"))
        if f.changed("stop-timeout") { c.set("StopTimeout", Int64(f.int("stop-timeout") ?? 0)) }
        s.config = c

        s.hostConfig = try hostConfig(f, binds: binds, ports: ports, tmpfs: tmpfs, restart: restart, autoRemove: s.autoRemove)
        // The TTY starts at the terminal's size instead of 80x24 until the first resize.
        if s.tty, let (rows, cols) = Terminal.size(1) { s.hostConfig.set("ConsoleSize", .array([.int(rows), .int(cols)])) }
        s.networking = try networkingConfig(f)
        return s
    }

    private static func hostConfig(_ f: ParsedFlags, binds: [String], ports: PortSpec.Parsed, tmpfs: JSONObject,
                                   restart: RestartPolicy?, autoRemove: Bool) throws -> JSONBuilder {
        var h = JSONBuilder()
        if !binds.isEmpty { h.set("Binds", .strings(binds)) }
        h.set("ContainerIDFile", f.string("cidfile"))
        if let driver = f.string("log-driver") ?? (f.list("log-opt").isEmpty ? nil : "") {
            var opts = JSONObject()
            for o in f.list("log-opt") {
                let (k, v) = o.cut("=")
                guard let v else { throw CLIError("invalid key-value pair format in logging opts: \(o)") }
                opts[k] = .string(v)
            }
            h.set("LogConfig", .object(JSONObject([("Type", .string(driver)), ("Config", .object(opts))])))
        }
        h.set("NetworkMode", networks(f).first ?? "default")
        var bindings = JSONObject()
        for (key, list) in ports.bindings {
            bindings[key] = .array(list.map { .object(JSONObject([("HostIp", .string($0.ip)), ("HostPort", .string($0.port))])) })
        }
        h.set("PortBindings", .object(bindings))
        // The flag's default is "no", sent as such (as the docker CLI does).
        h.set("RestartPolicy", (restart ?? RestartPolicy(name: "no", maxRetries: 0)).json)
        h.set("AutoRemove", autoRemove)
        h.set("VolumeDriver", f.string("volume-driver"))
        if !f.list("volumes-from").isEmpty { h.set("VolumesFrom", .strings(f.list("volumes-from"))) }
        let (capAdd, capDrop) = Capabilities.effective(add: f.list("cap-add"), drop: f.list("cap-drop"))
        if !capAdd.isEmpty { h.set("CapAdd", .strings(capAdd)) }
        if !capDrop.isEmpty { h.set("CapDrop", .strings(capDrop)) }
        h.set("CgroupnsMode", f.string("cgroupns"))
        for d in f.list("dns") where !isIP(d) { throw CLIError("invalid argument \"\(d)\" for \"--dns\" flag: IP address is not correctly formatted: \(d)") }
        h.set("Dns", .strings(f.list("dns")))
        h.set("DnsOptions", .strings(f.list("dns-option")))
        h.set("DnsSearch", .strings(f.list("dns-search")))
        var hosts: [String] = []
        for a in f.list("add-host") { hosts.append(try validateExtraHost(a)) }
        if !hosts.isEmpty { h.set("ExtraHosts", .strings(hosts)) }
        if !f.list("group-add").isEmpty { h.set("GroupAdd", .strings(f.list("group-add"))) }
        h.set("IpcMode", f.string("ipc"))
        if !f.list("link").isEmpty { h.set("Links", .strings(f.list("link"))) }
        if let o = f.int("oom-score-adj") { h.set("OomScoreAdj", Int64(o)) }
        h.set("PidMode", f.string("pid"))
        h.set("Privileged", f.bool("privileged"))
        h.set("PublishAllPorts", f.bool("publish-all"))
        h.set("ReadonlyRootfs", f.bool("read-only"))
        if !f.list("security-opt").isEmpty { h.set("SecurityOpt", .strings(f.list("security-opt"))) }
        if !f.list("storage-opt").isEmpty { h.set("StorageOpt", .map(f.list("storage-opt").map { let (k, v) = $0.cut("="); return (k, v ?? "") })) }
        if !tmpfs.isEmpty { h.set("Tmpfs", .object(tmpfs)) }
        h.set("UTSMode", f.string("uts"))
        h.set("UsernsMode", f.string("userns"))
        h.set("ShmSize", f.bytes("shm-size"))
        if !f.list("sysctl").isEmpty { h.set("Sysctls", .map(f.list("sysctl").map { let (k, v) = $0.cut("="); return (k, v ?? "") })) }
        h.set("Runtime", f.string("runtime"))
        h.set("Isolation", f.string("isolation"))
        if f.changed("init") { h.set("Init", f.bool("init")) }
        if !f.list("annotation").isEmpty { h.set("Annotations", .map(f.list("annotation").map { let (k, v) = $0.cut("="); return (k, v ?? "") })) }
        var mounts: [JSONValue] = []
        for m in f.list("mount") { mounts.append(try MountSpec.parse(m)) }
        if !mounts.isEmpty { h.set("Mounts", .array(mounts)) }

        // Resources (inlined in HostConfig).
        h.set("CgroupParent", f.string("cgroup-parent"))
        h.set("Memory", f.bytes("memory"))
        h.set("MemoryReservation", f.bytes("memory-reservation"))
        h.set("MemorySwap", f.memSwap("memory-swap"))
        if let sw = f.int64("memory-swappiness"), sw != -1 { h.set("MemorySwappiness", sw) }
        if f.changed("oom-kill-disable") { h.set("OomKillDisable", f.bool("oom-kill-disable")) }
        h.set("NanoCpus", f.nanoCPUs("cpus"))
        h.set("CpuShares", f.int64("cpu-shares"))
        h.set("CpuPeriod", f.int64("cpu-period"))
        h.set("CpuQuota", f.int64("cpu-quota"))
        h.set("CpuRealtimePeriod", f.int64("cpu-rt-period"))
        h.set("CpuRealtimeRuntime", f.int64("cpu-rt-runtime"))
        h.set("CpusetCpus", f.string("cpuset-cpus"))
        h.set("CpusetMems", f.string("cpuset-mems"))
        h.set("PidsLimit", f.int64("pids-limit"))
        if let w = f.string("blkio-weight").flatMap({ Int64($0) }) { h.set("BlkioWeight", w) }
        var ulimits: [String: JSONValue] = [:]
        for u in f.list("ulimit") { let (name, v) = try Ulimit.parse(u); ulimits[name] = v }
        if !ulimits.isEmpty { h.set("Ulimits", .array(ulimits.keys.sorted().compactMap { ulimits[$0] })) }
        if !f.list("device-cgroup-rule").isEmpty { h.set("DeviceCgroupRules", .strings(f.list("device-cgroup-rule"))) }
        var devices: [JSONValue] = []
        for d in f.list("device") { devices.append(try Device.parse(d)) }
        if !devices.isEmpty { h.set("Devices", .array(devices)) }
        return h
    }

    static func networks(_ f: ParsedFlags) -> [String] {
        (f.list("network") + f.list("net")).map { n in
            // --network name=x,alias=y: only the target is used here.
            if n.contains("=") {
                for part in n.split(separator: ",") where part.hasPrefix("name=") { return String(part.dropFirst(5)) }
            }
            return n
        }
    }

    /// The docker CLI's endpoint settings: without --network, the "default" network's always;
    /// with one, its endpoint only when aliases or addresses (IP, MAC) are asked for.
    private static func networkingConfig(_ f: ParsedFlags) throws -> JSONValue {
        let aliases = f.list("network-alias")
        let ip = f.string("ip"), ip6 = f.string("ip6"), mac = f.string("mac-address")?.trimmingSpaces
        let named = networks(f).first
        if !aliases.isEmpty && !isUserDefined(named ?? "default") {
            throw CLIError("network-scoped aliases are only supported for user-defined networks")
        }
        var endpoints = JSONObject()
        if named == nil || !aliases.isEmpty || ip != nil || ip6 != nil || mac != nil {
            var ep = JSONBuilder()
            if ip != nil || ip6 != nil {
                var ipam = JSONBuilder()
                ipam.set("IPv4Address", ip)
                ipam.set("IPv6Address", ip6)
                ep.set("IPAMConfig", ipam.value)
            }
            if !aliases.isEmpty { ep.set("Aliases", .strings(aliases)) }
            ep.set("MacAddress", mac)
            endpoints[named ?? "default"] = .object(CreateBody.laidOut(ep.object, CreateBody.endpoint))
        }
        return .object(JSONObject([("EndpointsConfig", .object(endpoints))]))
    }

    /// container.NetworkMode.IsUserDefined: not one of the built-in modes.
    static func isUserDefined(_ mode: String) -> Bool {
        !["default", "bridge", "host", "none"].contains(mode) && !mode.hasPrefix("container:")
    }

    /// opts.ValidateEnv: `KEY` alone takes the value from the environment when it is set.
    static func validateEnv(_ v: String, _ env: [String: String]) throws -> String {
        let (k, value) = v.cut("=")
        if k.isEmpty { throw CLIError("invalid environment variable: \(v)") }
        if value != nil { return v }
        if let e = env[k] { return "\(k)=\(e)" }
        return v
    }

    /// opts.ValidateExtraHost: `host:ip` or `host=ip`, sent as `host:ip`.
    static func validateExtraHost(_ v: String) throws -> String {
        var (name, ip) = v.cut("=")
        if ip == nil {
            (name, ip) = v.cut(":")
        }
        guard let addr = ip, !name.isEmpty, !addr.isEmpty else { throw CLIError("bad format for add-host: \"\(v)\"") }
        var a = addr
        if a.hasPrefix("[") && a.hasSuffix("]") { a = String(a.dropFirst().dropLast()) }
        if a != "host-gateway" && !isIP(a) { throw CLIError("invalid IP address in add-host: \"\(addr)\"") }
        return "\(name):\(a)"
    }

    static func isIP(_ s: String) -> Bool {
        var buf = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, s, &buf) == 1 || inet_pton(AF_INET6, s, &buf) == 1
    }

    static func isMAC(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil }
    }
}

extension String {
    /// strings.Cut: before and after the first `sep`; nil after when absent.
    func cut(_ sep: Character) -> (String, String?) {
        guard let i = firstIndex(of: sep) else { return (self, nil) }
        return (String(self[..<i]), String(self[index(after: i)...]))
    }
}
