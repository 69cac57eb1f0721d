import Glibc
import LinuxSys
import DockerAPI
import ContainerSpec

extension ContainerEngine {
    /// `POST /containers/create`.
    public func create(name requested: String?, request: ContainerCreateRequest) throws -> ContainerCreateResponse {
        var config = request.config
        var host = request.HostConfig ?? HostConfig()
        guard let imageRef = config.Image, !imageRef.isEmpty else {
            throw EngineError.invalid("config.Image: an image is required to create a container")
        }
        let image = try images.resolve(imageRef)
        config = ProcessResolver.merge(config, image: image.config)
        let command = (config.Entrypoint ?? []) + (config.Cmd ?? [])
        guard let path = command.first else { throw EngineError.invalid("no command specified") }
        try RestartManager.validate(host.RestartPolicy, autoRemove: host.AutoRemove ?? false)
        let runtime = host.Runtime.flatMap { $0.isEmpty ? nil : $0 } ?? options.defaultRuntime
        guard options.runtimes[runtime] != nil else {
            throw EngineError.invalid("unknown or invalid runtime name: \(runtime)")
        }
        host.Runtime = runtime
        // Docker fills these in; clients (the Python SDK) read them unconditionally.
        if host.LogConfig?.Type == nil || host.LogConfig?.Type == "" {
            host.LogConfig = DockerAPI.LogConfig(Type: "json-file", Config: host.LogConfig?.Config ?? [:])
        }
        if host.RestartPolicy == nil { host.RestartPolicy = RestartPolicy(Name: "no", MaximumRetryCount: 0) }
        if host.ShmSize == nil || host.ShmSize == 0 { host.ShmSize = 64 * 1024 * 1024 }
        if host.NetworkMode == nil || host.NetworkMode == "" || host.NetworkMode == "default" { host.NetworkMode = "bridge" }
        if let wd = config.WorkingDir, !wd.isEmpty, !wd.hasPrefix("/") {
            throw EngineError.invalid("the working directory '\(wd)' is invalid, it needs to be an absolute path")
        }
        if let m = host.Memory, m > 0, m < 6 * 1024 * 1024 {
            throw EngineError.invalid("Minimum memory limit allowed is 6MB")
        }
        if let ms = host.MemorySwap, ms > 0, let m = host.Memory, m > 0, ms < m {
            throw EngineError.invalid("Minimum memoryswap limit should be larger than memory limit, see usage")
        }
        if let n = host.NanoCpus, n < 0 { throw EngineError.invalid("Range of CPUs is from 0.01 to the number of CPUs available") }
        if config.Hostname == nil || config.Hostname == "" { config.Hostname = nil }

        let id = Identifiers.random()
        // With the host's network the container sees the host's name, as with Docker.
        if config.Hostname == nil { config.Hostname = host.NetworkMode == "host" ? hostHostname() : String(id.prefix(12)) }
        let name: String = try state.with {
            var n: String
            if let requested, !requested.isEmpty {
                n = requested.hasPrefix("/") ? String(requested.dropFirst()) : requested
                guard Identifiers.namePattern(n) else {
                    throw EngineError.invalid("Invalid container name (\(n)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
                }
            } else {
                n = Identifiers.name { names["/" + $0] != nil }
            }
            n = "/" + n
            if let other = names[n] {
                throw EngineError.conflict("Conflict. The container name \"\(n)\" is already in use by container \"\(other)\". You have to remove (or rename) that container to be able to reuse that name.")
            }
            names[n] = id   // reserved now; released below if creation fails
            return n
        }
        let p = paths(id)
        var mounts: [DockerAPI.MountPoint] = [], inherited: [DockerAPI.MountPoint] = []
        do {
            inherited = try volumesFrom(host)
            mounts = try volumeMounts(host, config, inherited: inherited)
            try FileIO.mkdirAll(p.dir, mode: 0o710)
            for d in [p.upper, p.work, p.merged] { try FileIO.mkdirAll(d, mode: 0o755) }
            try writeEtcFiles(p, config: config, host: host)
            let record = ContainerRecord(
                ID: id, Name: name, Created: WallTime.now().rfc3339Nano, Path: path, Args: Array(command.dropFirst()),
                Config: config, HostConfig: host, ImageID: image.id, State: .init(), RestartCount: 0,
                HasBeenStartedBefore: false, HasBeenManuallyStopped: false, Runtime: runtime,
                Mounts: mounts, ExecIDs: [], InheritedMounts: inherited.isEmpty ? nil : inherited)
            state.with {
                records[id] = record
                persist(record)
            }
            emit("create", record)
        } catch {
            state.with { names[name] = nil }
            removeAnonymousVolumes(id, mounts)
            FileIO.removeAll(p.dir)
            FileIO.removeAll(p.layer)
            throw error as? EngineError ?? EngineError.internal("create container: \(error)")
        }
        return ContainerCreateResponse(Id: id)
    }

    /// /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted into the container as Docker does.
    func writeEtcFiles(_ p: ContainerPaths, config: ContainerConfig, host: HostConfig) throws {
        let hostname = config.Hostname ?? String(p.id.prefix(12))
        let hostMode = host.NetworkMode == "host"
        try FileIO.writeAtomic(p.hostname, Array((hostMode ? hostHostname() : hostname).utf8) + [10], mode: 0o644, durable: false)
        var hosts: String
        if hostMode, let h = FileIO.readStringIfPresent("/etc/hosts") {
            hosts = h
        } else {
            hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
        }
        for entry in host.ExtraHosts ?? [] {
            // "name:ip" (docker CLI form) or "name=ip".
            let sep = entry.firstIndex(of: "=") ?? entry.firstIndex(of: ":")
            guard let sep else { throw EngineError.invalid("invalid extra host: \(entry)") }
            var ip = String(entry[entry.index(after: sep)...])
            if ip == "host-gateway" { ip = "127.0.0.1" }
            hosts += "\(ip)\t\(entry[..<sep])\n"
        }
        if !hostMode {
            let domain = (config.Domainname ?? "").isEmpty ? "" : ".\(config.Domainname ?? "")"
            hosts += "127.0.1.1\t\(hostname)\(domain) \(hostname)\n"
        }
        try FileIO.writeAtomic(p.hosts, Array(hosts.utf8), mode: 0o644, durable: false)
        try FileIO.writeAtomic(p.resolvConf, Array(resolvConf(host).utf8), mode: 0o644, durable: false)
    }

    func resolvConf(_ host: HostConfig) -> String {
        let dns = (host.Dns ?? []).isEmpty ? options.dns : host.Dns ?? []
        let search = (host.DnsSearch ?? []).isEmpty ? options.dnsSearch : host.DnsSearch ?? []
        let opts = (host.DnsOptions ?? []).isEmpty ? options.dnsOptions : host.DnsOptions ?? []
        var hostLines: [Substring] = []
        if dns.isEmpty || search.isEmpty || opts.isEmpty, let h = FileIO.readStringIfPresent("/etc/resolv.conf") {
            hostLines = h.split(separator: "\n")
        }
        var out = ""
        if !dns.isEmpty {
            for d in dns { out += "nameserver \(d)\n" }
        } else {
            // Like Docker: the host's servers, except loopback ones, which mean nothing in a new network namespace.
            let servers = hostLines.filter { $0.hasPrefix("nameserver") && !$0.contains("127.") && !$0.contains("::1") }
            for s in servers { out += s + "\n" }
            if servers.isEmpty { out += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n" }
        }
        if !search.isEmpty { out += "search \(search.joined(separator: " "))\n" } else if let s = hostLines.first(where: { $0.hasPrefix("search") }) { out += s + "\n" }
        if !opts.isEmpty { out += "options \(opts.joined(separator: " "))\n" } else if let o = hostLines.first(where: { $0.hasPrefix("options") }) { out += o + "\n" }
        return out
    }

    func hostHostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count)
        return String(cString: buf)
    }
}
