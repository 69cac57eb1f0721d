import Glibc
import HTTP
import JSON
import LinuxSys
import XCTest
@testable import APIClient

/// The HTTP client against a real HTTP/1.1 server (the HTTP module): version negotiation,
/// errors, JSON bodies, chunked streams, hijacked connections, addresses.
final class APIClientTests: XCTestCase {
    private var daemon: CannedDaemon!
    private var serverVersion = "1.44"

    override func tearDown() {
        daemon?.stop()
        daemon = nil
    }

    private func start(version: String, _ routes: @escaping (Router) -> Void) throws -> APIClient {
        let v = version
        daemon = try CannedDaemon { r in
            r.get("/_ping") { _ in HTTPResponse(status: 200, headers: ["Api-Version": v], body: .bytes(Array("OK".utf8))) }
            routes(r)
        }
        return APIClient(host: try DaemonHost(parsing: daemon.host))
    }

    func testNegotiatesTheLowerVersion() throws {
        let client = try start(version: "1.44") { r in
            r.get("/info") { req in .json(200, Array("{\"v\":\"\(req.apiVersion ?? "none")\"}".utf8)) }
        }
        XCTAssertEqual(try client.apiVersion(), "1.44")
        XCTAssertEqual(try client.getJSON("/info"), .object(JSONObject([("v", .string("1.44"))])))
        daemon.stop()
        let newer = try start(version: "1.50") { r in
            r.get("/info") { req in .json(200, Array("{\"v\":\"\(req.apiVersion ?? "none")\"}".utf8)) }
        }
        XCTAssertEqual(try newer.apiVersion(), APIClient.maxVersion, "a newer daemon is spoken to in our version")
        XCTAssertEqual(APIClient.compareVersions("1.9", "1.10"), -1)
        XCTAssertEqual(APIClient.compareVersions("1.47", "1.47.0"), 0)
    }

    func testDaemonErrorsAndJSONBodies() throws {
        let client = try start(version: "1.47") { r in
            r.post("/containers/create") { req in
                let body = (try? JSON.parse(req.body)) ?? .null
                guard case .object(let o) = body, case .string(let image)? = o["Image"] else {
                    throw HTTPError(status: 400, message: "bad body")
                }
                if image == "missing" { throw HTTPError(status: 404, message: "No such image: missing:latest") }
                return .json(201, Array("{\"Id\":\"\(image)-id\",\"q\":\"\(req.query("name") ?? "")\"}".utf8))
            }
            r.get("/plain") { _ in .text(500, "boom\n") }
        }
        var q = Query()
        q.add("name", "a b&c")
        let ok = try client.request("POST", "/containers/create", query: q, json: .object(JSONObject([("Image", .string("busybox"))])))
        XCTAssertEqual(ok.status, 201)
        XCTAssertEqual(ok.text, #"{"Id":"busybox-id","q":"a b&c"}"# + "\n")
        XCTAssertThrowsError(try client.request("POST", "/containers/create", json: .object(JSONObject([("Image", .string("missing"))])))) {
            XCTAssertEqual("\($0)", "Error response from daemon: No such image: missing:latest")
            XCTAssertEqual(($0 as? APIError)?.status, 404)
        }
        XCTAssertThrowsError(try client.request("GET", "/plain")) { XCTAssertEqual("\($0)", "Error response from daemon: boom") }
        XCTAssertThrowsError(try client.request("GET", "/nowhere")) { XCTAssertEqual("\($0)", "Error response from daemon: page not found") }
    }

    func testStreamsChunkedLinesAsTheyCome() throws {
        let gate = Condition()
        final class Flag: @unchecked Sendable { var go = false }
        let flag = Flag()
        let client = try start(version: "1.47") { r in
            r.get("/events") { _ in
                .stream(headers: ["Content-Type": "application/json"]) { w in
                    try w.write("{\"n\":1}\n{\"n\":")
                    gate.lock()
                    while !flag.go { _ = gate.wait(seconds: 5) }
                    gate.unlock()
                    try w.write("2}\n\n{\"n\":3}\n")
                }
            }
        }
        let s = try client.stream("GET", "/events")
        XCTAssertEqual(s.status, 200)
        // The first document arrives while the server still holds the rest back.
        XCTAssertEqual(try s.readLine().map { String(decoding: $0, as: UTF8.self) }, "{\"n\":1}")
        gate.lock(); flag.go = true; gate.broadcast(); gate.unlock()
        var seen: [Int] = []
        try s.forEachJSON { v in
            if case .object(let o) = v, case .number(let n)? = o["n"] { seen.append(Int(n.int64Value ?? 0)) }
            return true
        }
        XCTAssertEqual(seen, [2, 3])
    }

    func testHijackCarriesBytesBothWays() throws {
        let client = try start(version: "1.47") { r in
            r.post("/containers/{id}/attach") { req in
                .hijack(contentType: "application/vnd.docker.raw-stream") { conn in
                    try? conn.write(Array("ready:\(req.query("stdin") ?? "")\n".utf8))
                    while let part = try? conn.read(), !part.isEmpty {
                        try? conn.write(part.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 })
                    }
                    try? conn.write(Array("bye".utf8))
                    conn.closeWrite()
                }
            }
        }
        var q = Query()
        q.add("stdin", "1")
        let conn = try client.hijack("/containers/x/attach", query: q)
        try conn.write(Array("hello".utf8))
        conn.closeWrite()
        let all = String(decoding: try conn.readAll(), as: UTF8.self)
        XCTAssertEqual(all, "ready:1\nHELLObye")
    }

    func testConnectionRefusedIsWordedLikeDocker() throws {
        let client = APIClient(host: try DaemonHost(parsing: "unix:///tmp/berth-cli-nonexistent/x.sock"))
        XCTAssertThrowsError(try client.request("GET", "/info")) {
            XCTAssertEqual("\($0)", "Cannot connect to the Berth daemon at unix:///tmp/berth-cli-nonexistent/x.sock. Is the berth daemon running?")
        }
    }

    func testTCPHost() throws {
        let router = Router()
        router.get("/_ping") { _ in HTTPResponse(status: 200, headers: ["Api-Version": "1.45"], body: .bytes(Array("OK".utf8))) }
        router.get("/info") { _ in .json(200, Array("{\"ok\":true}".utf8)) }
        let server = HTTPServer(router: router)
        let port = try server.listenTCP(host: "127.0.0.1", port: 0)
        server.start()
        defer { server.stop() }
        let client = APIClient(host: try DaemonHost(parsing: "tcp://127.0.0.1:\(port)"))
        XCTAssertEqual(try client.getJSON("/info"), .object(JSONObject([("ok", .bool(true))])))
        XCTAssertEqual(try client.apiVersion(), "1.45")
    }

    func testDaemonHostParsingAndPrecedence() throws {
        XCTAssertEqual(try DaemonHost(parsing: "").description, "unix:///run/berth/berthd.sock")
        XCTAssertEqual(try DaemonHost(parsing: "unix:///x/y.sock").address, .unix(path: "/x/y.sock"))
        XCTAssertEqual(try DaemonHost(parsing: "tcp://10.0.0.1:2376").address, .tcp(host: "10.0.0.1", port: 2376))
        XCTAssertEqual(try DaemonHost(parsing: "tcp://[::1]:99").description, "tcp://[::1]:99")
        XCTAssertEqual(try DaemonHost(parsing: "tcp://host").address, .tcp(host: "host", port: 2375))
        XCTAssertThrowsError(try DaemonHost(parsing: "ssh://x")) { XCTAssertEqual("\($0)", "Invalid bind address format: ssh://x") }
        let env = ["BERTH_HOST": "unix:///b.sock", "DOCKER_HOST": "unix:///d.sock"]
        XCTAssertEqual(try DaemonHost.resolve(flag: "unix:///h.sock", environment: env).description, "unix:///h.sock")
        XCTAssertEqual(try DaemonHost.resolve(flag: nil, environment: env).description, "unix:///b.sock")
        XCTAssertEqual(try DaemonHost.resolve(flag: nil, environment: ["DOCKER_HOST": "unix:///d.sock"]).description, "unix:///d.sock")
        XCTAssertEqual(try DaemonHost.resolve(flag: nil, environment: [:]).description, DaemonHost.defaultAddress)
    }

    func testQueryAndFilterEncoding() throws {
        var q = Query()
        q.add("names", "busybox:latest")
        q.add("names", "a/b c")
        q.flag("all", true)
        q.flag("size", false)
        var f = Filters()
        try f.add(parsing: "status=running")
        try f.add(parsing: " label = a=b ")
        try f.add(parsing: "status=exited")
        q.filters(f)
        XCTAssertEqual(q.encoded, "all=1&filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%2C%22status%22%3A%7B%22exited%22%3Atrue%2C%22running%22%3Atrue%7D%7D&names=busybox%3Alatest&names=a%2Fb+c")
        XCTAssertEqual(f.json, #"{"label":{"a=b":true},"status":{"exited":true,"running":true}}"#)
        XCTAssertEqual(Query.pathEscape("myreg:5000/team/app:v1"), "myreg:5000/team/app:v1")
        XCTAssertEqual(Query.pathEscape("a b?#"), "a%20b%3F%23")
        XCTAssertThrowsError(try f.add(parsing: "nonsense"))
    }
}
