import HTTP
import DockerAPI
import EngineCore

extension Daemon {
    /// The volume routes: the "local" driver's volumes under <data-root>/volumes.
    func registerVolumeRoutes() {
        route("GET", "/volumes") { [self] req in
            try Self.json(try engine.listVolumes(filters: try Filters(json: req.query("filters"))))
        }
        route("POST", "/volumes/create") { [self] req in
            let body = try Self.body(req, VolumeCreateRequest.self, allowEmpty: true) ?? VolumeCreateRequest()
            return try Self.json(try engine.createVolume(body), status: 201)
        }
        route("POST", "/volumes/prune") { [self] req in
            try Self.json(try engine.pruneVolumes(filters: try Filters(json: req.query("filters"))))
        }
        route("GET", "/volumes/{name}") { [self] req in
            try Self.json(try engine.inspectVolume(req.param("name") ?? ""))
        }
        route("DELETE", "/volumes/{name}") { [self] req in
            try engine.removeVolume(req.param("name") ?? "", force: req.queryBool("force"))
            return Self.noContent()
        }
    }
}
