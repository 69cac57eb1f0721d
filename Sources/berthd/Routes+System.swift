import Glibc
import LinuxSys
import JSON
import HTTP
import DockerAPI
import EngineCore

extension Daemon {
    func registerRoutes() {
        registerSystemRoutes()
        registerContainerRoutes()
        registerExecRoutes()
        registerImageRoutes()
        registerVolumeRoutes()
    }

    func registerSystemRoutes() {
        let ping: @Sendable (HTTPRequest) throws -> HTTPResponse = { req in
            var r = HTTPResponse.text(200, req.method == "HEAD" ? "" : "OK")
            r.headers.set("Api-Version", Daemon.apiVersion)
            r.headers.set("Ostype", "linux")
            r.headers.set("Docker-Experimental", "false")
            r.headers.set("Builder-Version", "1")
            r.headers.set("Cache-Control", "no-cache, no-store, must-revalidate")
            r.headers.set("Pragma", "no-cache")
            return r
        }
        route("GET", "/_ping", ping)
        route("HEAD", "/_ping", ping)
        route("GET", "/version") { [self] _ in try Self.json(versionInfo()) }
        route("GET", "/info") { [self] _ in try Self.json(info()) }
        route("GET", "/events") { [self] req in try events(req) }
        route("GET", "/system/df") { [self] _ in try Self.json(diskUsage()) }
        // No networks or build cache exist yet: their prunes reclaim nothing, so system prune works.
        route("POST", "/networks/prune") { _ in try Self.json(["NetworksDeleted": [String]()]) }
        route("POST", "/build/prune") { _ in
            .json(200, Array("{\"CachesDeleted\":[],\"SpaceReclaimed\":0}".utf8))
        }
    }

    func versionInfo() -> VersionResponse {
        var u = utsname()
        uname(&u)
        let kernel = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let arch = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine
        return VersionResponse(
            version: Self.version, apiVersion: Self.apiVersion, minAPIVersion: Self.minAPIVersion, arch: arch, kernel: kernel,
            components: [.init(Name: "Engine", Version: Self.version,
                               Details: ["ApiVersion": Self.apiVersion, "MinAPIVersion": Self.minAPIVersion, "Os": "linux",
                                         "Arch": arch, "KernelVersion": kernel, "GitCommit": "berth", "GoVersion": "swift6"]),
                         .init(Name: "berth-supervisor", Version: Self.version)])
    }

    func info() -> JSONValue {
        let records = engine.allRecords()
        let running = records.filter { $0.State.Status == "running" }.count
        let paused = records.filter { $0.State.Status == "paused" }.count
        var u = utsname()
        uname(&u)
        let kernel = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let cgroupVersion = FileIO.exists("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1"
        let os = FileIO.readStringIfPresent("/etc/os-release")?.split(separator: "\n")
            .first { $0.hasPrefix("PRETTY_NAME=") }.map { String($0.dropFirst(12)).trimmingQuotes() } ?? "Linux"
        var runtimes = JSONObject()
        for (name, path) in engine.options.runtimes.sorted(by: { $0.key < $1.key }) {
            runtimes = JSONObject(runtimes.map { ($0.key, $0.value) } + [(name, .object(JSONObject([("path", .string(path))])))])
        }
        func n(_ v: Int) -> JSONValue { .number(JSONNumber(v)) }
        func s(_ v: String) -> JSONValue { .string(v) }
        func b(_ v: Bool) -> JSONValue { .bool(v) }
        let mem = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        return .object(JSONObject([
            ("ID", s(hostID())), ("Containers", n(records.count)), ("ContainersRunning", n(running)),
            ("ContainersPaused", n(paused)), ("ContainersStopped", n(records.count - running - paused)),
            ("Images", n(images.allIDs().count)), ("Driver", s("overlay2")),
            ("DriverStatus", .array([.array([s("Backing Filesystem"), s("extfs")]), .array([s("Supports d_type"), s("true")])])),
            ("Plugins", .object(JSONObject([("Volume", .array([s("local")])), ("Network", .array([s("host"), s("null")])),
                                            ("Log", .array([s("json-file")]))]))),
            ("MemoryLimit", b(true)), ("SwapLimit", b(true)), ("CpuCfsPeriod", b(true)), ("CpuCfsQuota", b(true)),
            ("CPUShares", b(true)), ("CPUSet", b(true)), ("PidsLimit", b(true)), ("IPv4Forwarding", b(true)),
            ("Debug", b(options.debug)), ("NFd", n(openFDs())), ("NGoroutines", n(0)), ("SystemTime", s(WallTime.now().rfc3339Nano)),
            ("LoggingDriver", s("json-file")), ("CgroupDriver", s("cgroupfs")), ("CgroupVersion", s(cgroupVersion)),
            ("NEventsListener", n(0)), ("KernelVersion", s(kernel)), ("OperatingSystem", s(os)), ("OSVersion", s("")),
            ("OSType", s("linux")), ("Architecture", s(machine)), ("IndexServerAddress", s("https://index.docker.io/v1/")),
            ("RegistryConfig", .object(JSONObject([("InsecureRegistryCIDRs", .array([s("127.0.0.0/8")])),
                                                   ("IndexConfigs", .object(JSONObject())), ("Mirrors", .array([]))]))),
            ("NCPU", n(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))), ("MemTotal", n(mem)),
            ("DockerRootDir", s(options.dataRoot)), ("Name", s(host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })), ("Labels", .array([])),
            ("ExperimentalBuild", b(false)), ("ServerVersion", s(Self.version)), ("Runtimes", .object(runtimes)),
            ("DefaultRuntime", s(options.defaultRuntime)), ("LiveRestoreEnabled", b(true)), ("Isolation", s("")),
            ("InitBinary", s("docker-init")), ("SecurityOptions", .array([s("name=seccomp,profile=builtin")])),
            ("Warnings", .array([])),
        ]))
    }

    private func hostID() -> String {
        let path = "\(options.dataRoot)/engine-id"
        if let id = FileIO.readStringIfPresent(path), !id.isEmpty { return id.trimmingQuotes() }
        let id = String(WallTime.now().unixNano, radix: 16)
        try? FileIO.writeAtomic(path, Array(id.utf8), mode: 0o600, durable: false)
        return id
    }

    private func openFDs() -> Int { (try? FileIO.listDirectory("/proc/self/fd"))?.count ?? 0 }

    /// `GET /events`: the buffered events since `since`, then live ones until `until` or the client leaves.
    func events(_ req: HTTPRequest) throws -> HTTPResponse {
        let since = req.query("since").flatMap { WallTime.parseTimestamp($0) }?.unixNano
        let until = req.query("until").flatMap { WallTime.parseTimestamp($0) }
        let filters = try Filters(json: req.query("filters"))
        let bus = engine.events
        return .stream(headers: ["Content-Type": "application/json"]) { w in
            let (sub, past) = bus.subscribe(since: since)
            defer { bus.unsubscribe(sub) }
            func send(_ e: EventMessage) throws {
                guard Self.eventMatches(e, filters) else { return }
                var line = try JSON.encode(e, sortedKeys: false)
                line.append(10)
                try w.write(line)
            }
            for e in past where until == nil || e.timeNano <= until!.unixNano { try send(e) }
            while true {
                if let until, WallTime.now() > until { return }
                if let e = sub.next(timeout: 0.5) {
                    if let until, e.timeNano > until.unixNano { return }
                    try send(e)
                } else if w.isClientGone {
                    return
                }
            }
        }
    }

    static func eventMatches(_ e: EventMessage, _ f: Filters) -> Bool {
        if f.has("type") && !f["type"].contains(e.Type) { return false }
        if f.has("event") && !f["event"].contains(where: { e.Action == $0 || e.Action.hasPrefix($0 + ":") }) { return false }
        if f.has("container") && (e.Type != "container" || !f["container"].contains { e.Actor.ID.hasPrefix($0) || e.Actor.Attributes["name"] == $0 }) { return false }
        if f.has("image") && !f["image"].contains(where: { e.Actor.Attributes["image"] == $0 || e.Actor.ID == $0 }) { return false }
        if f.has("volume") && (e.Type != "volume" || !f["volume"].contains(e.Actor.ID)) { return false }
        if f.has("label") {
            for l in f["label"] {
                let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
                guard let v = e.Actor.Attributes[kv[0]], kv.count == 1 || v == kv[1] else { return false }
            }
        }
        return true
    }
}

extension String {
    func trimmingQuotes() -> String {
        var s = Substring(self)
        while let f = s.first, f == "\"" || f == " " || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == "\"" || l == " " || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}
