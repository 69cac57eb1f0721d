import Glibc
import HTTP
import JSON
import LinuxSys
@testable import APIClient
@testable import CLICore

/// A real HTTP/1.1 server (the HTTP module) on a private Unix socket answering the Engine
/// API with the canned documents of DockerGoldens.swift, recording every request so tests
/// can check what berth sent and in which order.
final class CannedDaemon: @unchecked Sendable {
    struct Recorded { let method: String; let path: String; let query: [(String, String)]; let body: [UInt8] }

    let dir: String
    let socket: String
    let server: HTTPServer
    private let lock = Lock()
    private var log: [Recorded] = []

    var host: String { "unix://" + socket }
    var requests: [Recorded] { lock.with { log } }

    static let createdID = "c0ffee" + String(repeating: "0", count: 58)

    init(extra: (Router) -> Void = { _ in }) throws {
        var template = Array("/tmp/berth-cli-XXXXXX".utf8CString)
        guard let d = mkdtemp(&template) else { throw RuntimeError("mkdtemp failed") }
        dir = String(cString: d)
        socket = dir + "/api.sock"
        let router = Router()
        server = HTTPServer(router: router)
        extra(router)
        routes(router)
        try server.listenUnix(path: socket)
        server.start()
    }

    func stop() {
        server.stop()
        unlink(socket)
        rmdir(dir)
    }

    private func record(_ r: HTTPRequest) {
        let q = r.query.map { ($0.name, $0.value) }
        lock.with { log.append(Recorded(method: r.method, path: r.path, query: q, body: r.body)) }
    }

    static func json(_ text: String, status: Int = 200) -> HTTPResponse {
        .json(status, Array(text.utf8), headers: ["Api-Version": "1.47"])
    }

    static func mux(_ stream: UInt8, _ s: String) -> [UInt8] {
        StdStream.frame(StdStream(rawValue: stream) ?? .stdout, Array(s.utf8))
    }

    private func routes(_ r: Router) {
        let notFound = CannedDaemon.json(#"{"message":"No such container: nope"}"#, status: 404)
        func handle(_ method: String, _ pattern: String, _ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
            r.add(method, pattern) { [self] req in
                record(req)
                if req.param("id") == "nope" || req.param("name") == "nope" { return notFound }
                return body(req)
            }
        }
        let ping: @Sendable (HTTPRequest) -> HTTPResponse = { req in
            HTTPResponse(status: 200, headers: ["Api-Version": "1.47", "Ostype": "linux"],
                         body: .bytes(req.method == "HEAD" ? [] : Array("OK".utf8)))
        }
        handle("GET", "/_ping", ping)
        handle("HEAD", "/_ping", ping)
        handle("GET", "/containers/json") { _ in CannedDaemon.json(Canned.containers) }
        handle("GET", "/images/json") { _ in CannedDaemon.json(Canned.images) }
        handle("GET", "/version") { _ in CannedDaemon.json(Canned.version) }
        handle("GET", "/info") { _ in CannedDaemon.json(Canned.info) }
        handle("GET", "/system/df") { _ in CannedDaemon.json(Canned.df) }
        handle("GET", "/containers/{id}/json") { _ in CannedDaemon.json(Canned.inspect) }
        handle("GET", "/images/{name:.*}/json") { _ in
            let first = ((try? JSON.parse(Array(Canned.images.utf8))) ?? .null)
            if case .array(let a) = first, let i = a.first { return .json(200, JSON.serialize(i, options: JSONWriteOptions(sortedKeys: false))) }
            return CannedDaemon.json("{}")
        }
        handle("GET", "/images/{name:.*}/history") { _ in CannedDaemon.json(Canned.history) }
        handle("GET", "/containers/{id}/stats") { _ in CannedDaemon.json(Canned.stats) }
        handle("GET", "/containers/{id}/top") { _ in
            CannedDaemon.json(#"{"Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], "Processes": [["root", "4242", "4220", "0", "10:20", "?", "00:00:00", "nginx: master process nginx -g daemon off;"], ["101", "4300", "4242", "0", "10:20", "?", "00:00:00", "nginx: worker process"]]}"#)
        }
        handle("GET", "/containers/{id}/changes") { _ in
            CannedDaemon.json(#"[{"Path": "/etc", "Kind": 0}, {"Path": "/etc/x", "Kind": 1}, {"Path": "/tmp/y", "Kind": 2}]"#)
        }
        handle("GET", "/events") { _ in
            .stream(headers: ["Content-Type": "application/json"]) { w in
                let events = (try? JSON.parse(Array(Canned.events.utf8)))?.array ?? []
                for e in events { try w.write(JSON.serialize(e, options: JSONWriteOptions(sortedKeys: false)) + [10]) }
            }
        }
        handle("GET", "/containers/{id}/logs") { _ in
            .stream(headers: ["Content-Type": "application/vnd.docker.multiplexed-stream"]) { w in
                try w.write(CannedDaemon.mux(1, "hello out\n"))
                try w.write(CannedDaemon.mux(2, "hello err\n"))
                try w.write(CannedDaemon.mux(1, "line2\n"))
            }
        }
        handle("POST", "/containers/create") { _ in
            CannedDaemon.json(#"{"Id":"\#(CannedDaemon.createdID)","Warnings":["Your kernel does not support swap"]}"#, status: 201)
        }
        handle("POST", "/containers/{id}/wait") { _ in
            // The head goes out at once (the wait is registered), the status later.
            .stream(headers: ["Content-Type": "application/json"]) { w in
                usleep(300_000)
                try w.write(#"{"StatusCode":3}"# + "\n")
            }
        }
        handle("POST", "/containers/{id}/attach") { _ in
            .hijack(contentType: "application/vnd.docker.multiplexed-stream") { conn in
                usleep(500_000)
                try? conn.write(CannedDaemon.mux(1, "from attach\n") + CannedDaemon.mux(2, "attach err\n"))
            }
        }
        for verb in ["start", "stop", "kill", "restart", "pause", "unpause", "rename", "resize"] {
            handle("POST", "/containers/{id}/\(verb)") { _ in HTTPResponse(status: 204) }
        }
        handle("DELETE", "/containers/{id}") { _ in HTTPResponse(status: 204) }
        handle("POST", "/containers/{id}/update") { _ in CannedDaemon.json(#"{"Warnings":[]}"#) }
        let pruned = #"{"ContainersDeleted": ["a1", "b2"], "ImagesDeleted": [{"Untagged": "x:1"}, {"Deleted": "sha256:ff"}], "SpaceReclaimed": 123456789}"#
        handle("POST", "/containers/prune") { _ in CannedDaemon.json(pruned) }
        handle("POST", "/images/prune") { _ in CannedDaemon.json(pruned) }
    }
}
