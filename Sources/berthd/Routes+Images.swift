import LinuxSys
import JSON
import HTTP
import Digest
import Images
import DockerAPI
import EngineCore

extension Daemon {
    static func imageStatus(_ e: ImageError) -> Int {
        switch e {
        case .notFound: return 404
        case .conflict: return 409
        case .invalidArgument: return 400
        case .internal: return 500
        }
    }

    var imageUsers: ImageUsers {
        let records = engine.allRecords()
        return { id in
            records.filter { $0.ImageID == id.encoded }.map { ImageUser(containerID: $0.ID, running: $0.State.isRunning) }
        }
    }

    func imageFilters(_ req: HTTPRequest) throws -> ImageFilters {
        let f = try Filters(json: req.query("filters"))
        try f.validate(["dangling", "label", "reference", "before", "since", "until"])
        var out = ImageFilters()
        if let d = f["dangling"].first {
            guard d == "true" || d == "false" || d == "1" || d == "0" else {
                throw HTTPError(status: 400, message: "invalid filter 'dangling=\(d)'")
            }
            out.dangling = d == "true" || d == "1"
        }
        out.labels = f["label"]
        out.references = f["reference"]
        out.before = f["before"].first
        out.since = f["since"].first
        if let u = f["until"].first {
            guard let t = WallTime.parseTimestamp(u) else { throw HTTPError(status: 400, message: "invalid filter 'until=\(u)'") }
            out.until = t
        }
        return out
    }

    func registerImageRoutes() {
        route("GET", "/images/json") { [self] req in
            var f = try imageFilters(req)
            f.all = req.queryBool("all")
            var list = try images.list(f)
            let counts = Dictionary(grouping: engine.allRecords(), by: \.ImageID).mapValues(\.count)
            for i in list.indices { list[i].containers = counts[list[i].id] ?? 0 }
            return try Self.json(list)
        }
        route("GET", "/images/{name:.*}/json") { [self] req in try Self.json(try images.inspect(req.param("name") ?? "")) }
        route("GET", "/images/{name:.*}/history") { [self] req in try Self.json(try images.history(req.param("name") ?? "")) }
        route("POST", "/images/{name:.*}/tag") { [self] req in
            guard let repo = req.query("repo"), !repo.isEmpty else { throw HTTPError(status: 400, message: "repository name must have at least one component") }
            let tag = req.query("tag").flatMap { $0.isEmpty ? nil : $0 }
            try images.tag(req.param("name") ?? "", as: tag.map { "\(repo):\($0)" } ?? repo)
            engine.events.publish(type: "image", action: "tag", id: (try? images.resolve(req.param("name") ?? ""))?.encoded ?? "",
                                  attributes: ["name": tag.map { "\(repo):\($0)" } ?? repo])
            return HTTPResponse(status: 201)
        }
        route("DELETE", "/images/{name:.*}") { [self] req in
            let items = try images.remove(req.param("name") ?? "", force: req.queryBool("force"), prune: !req.queryBool("noprune"),
                                          users: imageUsers)
            for item in items {
                switch item {
                case .untagged(let n): engine.events.publish(type: "image", action: "untag", id: n, attributes: ["name": n])
                case .deleted(let d): engine.events.publish(type: "image", action: "delete", id: d, attributes: ["name": d])
                }
            }
            return try Self.json(items)
        }
        route("POST", "/images/prune") { [self] req in
            let f = try Filters(json: req.query("filters"))
            var filters = try imageFilters(req)
            let all = f["dangling"].first.map { $0 == "false" || $0 == "0" } ?? false
            filters.dangling = nil
            let pruned = try images.prune(all: all, filters: filters, users: imageUsers)
            engine.events.publish(type: "image", action: "prune", id: "", attributes: ["reclaimed": String(pruned.spaceReclaimed)])
            return try Self.json(pruned)
        }
        route("POST", "/images/load", streamingBody: true) { [self] req in
            let loaded = try images.load(from: BodySource(req.bodyStream))
            var out: [UInt8] = []
            for l in loaded {
                for m in l.messages {
                    out += try JSON.encode(["stream": m + "\n"], sortedKeys: false)
                    out.append(10)
                }
                engine.events.publish(type: "image", action: "load", id: l.id.encoded, attributes: ["name": l.id.encoded])
            }
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .bytes(out))
        }
        let save: @Sendable (HTTPRequest) throws -> HTTPResponse = { [self] req in
            let names: [String]
            if let n = req.param("name"), !n.isEmpty { names = [n] } else { names = req.queryAll("names") }
            guard !names.isEmpty else { throw HTTPError(status: 400, message: "no image names given") }
            for n in names { _ = try images.get(n) }
            let store = images
            return .stream(headers: ["Content-Type": "application/x-tar"]) { w in
                let sink = ChunkSink(w)
                try store.save(names, to: sink)
                try sink.finish()
            }
        }
        route("GET", "/images/get", save)
        route("GET", "/images/{name:.*}/get", save)
        route("POST", "/images/create", streamingBody: true) { [self] req in try imageCreate(req) }
        route("POST", "/images/{name:.*}/push") { [self] req in try pushImage(req) }
        route("POST", "/auth") { [self] req in try checkAuth(req) }
        route("POST", "/commit") { [self] req in
            guard let c = req.query("container"), !c.isEmpty else { throw HTTPError(status: 400, message: "container is required") }
            let r = try engine.lookup(c)
            var changes = try ImageConfigChanges.parse(req.queryAll("changes"))
            if let body = try Self.body(req, ContainerConfig.self, allowEmpty: true), let cmd = body.Cmd { changes.cmd = cmd }
            let repo = req.query("repo").flatMap { $0.isEmpty ? nil : $0 }
            let ref = repo.map { r in req.query("tag").flatMap { $0.isEmpty ? nil : "\(r):\($0)" } ?? r }
            let img = try images.commit(upperDir: "\(options.dataRoot)/overlay/\(r.ID)/diff", parent: try Digest(parsing: r.ImageID),
                                        config: r.Config, changes: changes, author: req.query("author"),
                                        comment: req.query("comment"), reference: ref)
            engine.announce("commit", container: r.ID, extra: ["comment": req.query("comment") ?? "", "imageID": img.id.encoded,
                                                             "imageRef": ref ?? ""])
            return try Self.json(IDResponse(Id: img.id.encoded), status: 201)
        }
    }

    /// `POST /images/create`: `fromSrc=-` imports the body; `fromImage` pulls from a registry.
    func imageCreate(_ req: HTTPRequest) throws -> HTTPResponse {
        if let from = req.query("fromSrc"), !from.isEmpty {
            guard from == "-" else { throw HTTPError(status: 400, message: "importing from a URL is not supported; send the tar as the request body (fromSrc=-)") }
            let repo = req.query("repo").flatMap { $0.isEmpty ? nil : $0 }
            let ref = repo.map { r in req.query("tag").flatMap { $0.isEmpty ? nil : "\(r):\($0)" } ?? r }
            let changes = try ImageConfigChanges.parse(req.queryAll("changes"))
            let img = try images.importRootfs(from: BodySource(req.bodyStream), reference: ref, changes: changes,
                                              message: req.query("message").flatMap { $0.isEmpty ? nil : $0 })
            engine.events.publish(type: "image", action: "import", id: img.id.encoded, attributes: ["name": ref ?? img.id.encoded])
            var out = try JSON.encode(["status": img.id.encoded], sortedKeys: false)
            out.append(10)
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .bytes(out))
        }
        return try pullImage(req)
    }

    func diskUsage() throws -> JSONValue {
        var du = images.diskUsage()
        let counts = Dictionary(grouping: engine.allRecords(), by: \.ImageID).mapValues(\.count)
        for i in du.images.indices { du.images[i].containers = counts[du.images[i].id] ?? 0 }
        var containers: [JSONValue] = []
        for r in engine.allRecords() {
            containers.append(try JSON.encodeValue(engine.list(all: true, limit: nil, size: true,
                                                               filters: try Filters(json: "{\"id\":[\"\(r.ID)\"]}")).first))
        }
        return .object(JSONObject([
            ("LayersSize", .number(JSONNumber(du.layersSize))),
            ("Images", try JSON.encodeValue(du.images)),
            ("Containers", .array(containers.filter { $0 != .null })),
            ("Volumes", try JSON.encodeValue(engine.volumeUsage())),
            ("BuildCache", .array([])),
        ]))
    }
}
