import Glibc
import LinuxSys
import JSON
import HTTP
import DockerAPI
import EngineCore

extension Daemon {
    func registerContainerRoutes() {
        route("POST", "/containers/create") { [self] req in
            guard let body = try Self.body(req, ContainerCreateRequest.self) else { throw HTTPError(status: 400, message: "invalid JSON: EOF") }
            return try Self.json(try engine.create(name: req.query("name"), request: body), status: 201)
        }
        route("GET", "/containers/json") { [self] req in
            let limit = try Self.int(req, "limit") ?? (req.queryBool("latest") ? 1 : nil)
            return try Self.json(try engine.list(all: req.queryBool("all"), limit: limit.flatMap { $0 > 0 ? $0 : nil },
                                                 size: req.queryBool("size"), filters: try Filters(json: req.query("filters"))))
        }
        route("GET", "/containers/{id}/json") { [self] req in
            let doc = try JSON.encodeValue(try engine.inspect(req.param("id") ?? "", size: req.queryBool("size")))
            return .json(200, JSON.serialize(InspectDefaults.fillContainer(doc)))
        }
        route("POST", "/containers/{id}/start") { [self] req in
            try engine.start(req.param("id") ?? "")
            return Self.noContent()
        }
        route("POST", "/containers/{id}/stop") { [self] req in
            try engine.stop(req.param("id") ?? "", timeout: try Self.int(req, "t"), signal: req.query("signal").flatMap { $0.isEmpty ? nil : $0 })
            return Self.noContent()
        }
        route("POST", "/containers/{id}/restart") { [self] req in
            try engine.restart(req.param("id") ?? "", timeout: try Self.int(req, "t"), signal: req.query("signal").flatMap { $0.isEmpty ? nil : $0 })
            return Self.noContent()
        }
        route("POST", "/containers/{id}/kill") { [self] req in
            try engine.kill(req.param("id") ?? "", signal: req.query("signal").flatMap { $0.isEmpty ? nil : $0 })
            return Self.noContent()
        }
        route("POST", "/containers/{id}/wait") { [self] req in
            let block = try engine.wait(req.param("id") ?? "", condition: req.query("condition"))
            // Headers go out now: the docker CLI starts the container only once they arrive.
            return .stream(headers: ["Content-Type": "application/json"]) { w in
                var out = try JSON.encode(block(), sortedKeys: false)
                out.append(10)
                try w.write(out)
            }
        }
        route("DELETE", "/containers/{id}") { [self] req in
            try engine.remove(req.param("id") ?? "", force: req.queryBool("force"), volumes: req.queryBool("v"))
            return Self.noContent()
        }
        route("POST", "/containers/{id}/rename") { [self] req in
            guard let name = req.query("name"), !name.isEmpty else { throw HTTPError(status: 400, message: "name cannot be empty") }
            try engine.rename(req.param("id") ?? "", to: name)
            return Self.noContent()
        }
        route("POST", "/containers/{id}/pause") { [self] req in
            try engine.pause(req.param("id") ?? "", true)
            return Self.noContent()
        }
        route("POST", "/containers/{id}/unpause") { [self] req in
            try engine.pause(req.param("id") ?? "", false)
            return Self.noContent()
        }
        route("POST", "/containers/{id}/update") { [self] req in
            let body = try Self.body(req, HostConfig.self) ?? HostConfig()
            return try Self.json(try engine.updateResources(req.param("id") ?? "", body))
        }
        route("POST", "/containers/{id}/resize") { [self] req in
            try engine.resize(req.param("id") ?? "", execID: nil, height: try Self.size(req, "h"), width: try Self.size(req, "w"))
            return HTTPResponse(status: 200)
        }
        route("POST", "/containers/prune") { [self] req in
            return try Self.json(engine.prune(filters: try Filters(json: req.query("filters"))))
        }
        route("GET", "/containers/{id}/top") { [self] req in
            try Self.json(try engine.top(req.param("id") ?? "", psArgs: req.query("ps_args")))
        }
        route("GET", "/containers/{id}/logs") { [self] req in try logs(req) }
        route("POST", "/containers/{id}/attach") { [self] req in try attach(req) }
        route("GET", "/containers/{id}/stats") { [self] req in try stats(req) }
        registerArchiveRoutes()
    }

    func logs(_ req: HTTPRequest) throws -> HTTPResponse {
        let id = req.param("id") ?? ""
        var o = LogOptions()
        o.stdout = req.queryBool("stdout")
        o.stderr = req.queryBool("stderr")
        guard o.stdout || o.stderr else {
            throw HTTPError(status: 400, message: "Bad parameters: you must choose at least one stream")
        }
        o.follow = req.queryBool("follow")
        o.timestamps = req.queryBool("timestamps")
        if let t = req.query("tail"), !t.isEmpty, t != "all" {
            guard let n = Int(t) else { throw HTTPError(status: 400, message: "invalid value for tail: \(t)") }
            o.tail = max(0, n)
        }
        if let s = req.query("since"), !s.isEmpty, s != "0" {
            guard let t = WallTime.parseTimestamp(s) else { throw HTTPError(status: 400, message: "invalid value for since: \(s)") }
            o.since = t
        }
        if let s = req.query("until"), !s.isEmpty, s != "0" {
            guard let t = WallTime.parseTimestamp(s) else { throw HTTPError(status: 400, message: "invalid value for until: \(s)") }
            o.until = t
        }
        let r = try engine.inspect(id, size: false)
        let engine = self.engine
        let options = o
        return .stream(headers: ["Content-Type": Self.streamType(tty: r.Config.Tty ?? false, req)]) { w in
            try engine.logs(id, options: options) { bytes in
                if bytes.isEmpty {
                    if w.isClientGone { throw RuntimeError("the client went away") }
                    return
                }
                try w.write(bytes)
            }
        }
    }

    func attach(_ req: HTTPRequest) throws -> HTTPResponse {
        let id = req.param("id") ?? ""
        let r = try engine.inspect(id, size: false)
        let stdin = req.queryBool("stdin"), stdout = req.queryBool("stdout"), stderr = req.queryBool("stderr")
        let logs = req.queryBool("logs"), stream = req.queryBool("stream")
        let keys: DetachKeys
        do { keys = try req.query("detachKeys").flatMap { $0.isEmpty ? nil : try DetachKeys(parsing: $0) } ?? .default } catch {
            throw HTTPError(status: 400, message: "Invalid detach keys (\(req.query("detachKeys") ?? "")) provided")
        }
        let engine = self.engine
        return .hijack(contentType: Self.streamType(tty: r.Config.Tty ?? false, req)) { (conn: HijackedConnection) in
            let input: (@Sendable () -> [UInt8])? = stdin ? Self.reader(conn) : nil
            let output: AttachSession.Output = { (bytes: [UInt8]) throws in try conn.write(bytes) }
            do {
                try engine.attach(id, logs: logs, stream: stream, stdin: stdin, stdout: stdout, stderr: stderr,
                                  detachKeys: keys, output: output, input: input)
            } catch {}
            conn.closeWrite()
        }
    }

    /// The client's bytes after a hijack; empty at its end of stream.
    static func reader(_ conn: HijackedConnection) -> @Sendable () -> [UInt8] {
        { () -> [UInt8] in
            do { return try conn.read() } catch { return [] }
        }
    }

    func stats(_ req: HTTPRequest) throws -> HTTPResponse {
        let id = req.param("id") ?? ""
        let streaming = req.query("stream").map { $0 == "1" || $0 == "true" } ?? true
        let oneShot = req.queryBool("one-shot")
        _ = try engine.lookup(id)
        if !streaming {
            // Docker samples twice a second apart so the CLI can compute CPU %, unless one-shot.
            var first: StatsResponse? = nil
            if !oneShot {
                first = try engine.stats(id, previous: nil)
                usleep(1_000_000)
            }
            return try Self.json(try engine.stats(id, previous: first))
        }
        let engine = self.engine
        return .stream(headers: ["Content-Type": "application/json"]) { w in
            var previous: StatsResponse? = nil
            while true {
                let s = try engine.stats(id, previous: previous)
                var line = try JSON.encode(s, sortedKeys: false)
                line.append(10)
                try w.write(line)
                previous = s
                guard (try? engine.lookup(id))?.State.isRunning == true else { return }
                usleep(1_000_000)
            }
        }
    }
}
