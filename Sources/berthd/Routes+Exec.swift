import LinuxSys
import JSON
import HTTP
import DockerAPI
import EngineCore

extension Daemon {
    func registerExecRoutes() {
        route("POST", "/containers/{id}/exec") { [self] req in
            guard let body = try Self.body(req, ExecConfig.self) else { throw HTTPError(status: 400, message: "invalid JSON: EOF") }
            return try Self.json(IDResponse(Id: try engine.execCreate(req.param("id") ?? "", body)), status: 201)
        }
        route("GET", "/exec/{id}/json") { [self] req in try Self.json(try engine.execInspect(req.param("id") ?? "")) }
        route("POST", "/exec/{id}/resize") { [self] req in
            try engine.resize("", execID: req.param("id") ?? "", height: try Self.size(req, "h"), width: try Self.size(req, "w"))
            return HTTPResponse(status: 200)
        }
        route("POST", "/exec/{id}/start") { [self] req in
            let id = req.param("id") ?? ""
            let body = try Self.body(req, ExecStartConfig.self, allowEmpty: true) ?? ExecStartConfig()
            let x = try engine.execInspect(id)
            if body.Detach ?? false {
                try engine.execStart(id, detach: true, output: nil, input: nil)
                return .json(200, Array("{}".utf8))
            }
            let engine = self.engine
            let tty = x.ProcessConfig.tty
            let openStdin = x.OpenStdin
            return .hijack(contentType: Self.streamType(tty: tty, req)) { (conn: HijackedConnection) in
                let input: (@Sendable () -> [UInt8])? = openStdin ? Self.reader(conn) : nil
                let output: AttachSession.Output = { (bytes: [UInt8]) throws in try conn.write(bytes) }
                do {
                    try engine.execStart(id, detach: false, output: output, input: input)
                } catch {
                    let msg = Array("\(error)\n".utf8)
                    try? conn.write(tty ? msg : AttachSession.frame(stream: 2, msg))
                }
                conn.closeWrite()
            }
        }
    }
}
