import Foundation
import Glibc
import XCTest
@testable import HTTP

/// Streamed responses, hijacked connections, and the real docker CLI.
final class HTTPStreamTests: XCTestCase {
    private var s: TestHTTPServer!
    private let gate = Gate()
    private let gone = Gate()

    override func setUpWithError() throws {
        let gate = self.gate, gone = self.gone
        s = try TestHTTPServer { r in
            r.get("/containers/{id}/logs") { req in
                .stream(headers: ["Content-Type": "application/vnd.docker.raw-stream"]) { w in
                    try w.write("first line\n")
                    // The test reads the first chunk before it lets the second go.
                    guard gate.wait() else { return }
                    try w.write("second line\n")
                }
            }
            r.get("/events") { _ in
                .stream(headers: ["Content-Type": "application/json"]) { w in
                    try w.write("{\"status\":\"start\"}\n")
                    while !w.isClientGone { usleep(10000) }
                    gone.release()
                }
            }
            r.post("/containers/{id}/attach") { req in
                .hijack { conn in
                    // Echo upper-cased until the client half-closes, then say bye and half-close.
                    while let part = try? conn.read(), !part.isEmpty {
                        try? conn.write(part.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 })
                    }
                    try? conn.write(Array("bye".utf8))
                    conn.closeWrite()
                }
            }
            r.get("/_ping") { _ in Self.ping("OK") }
            r.head("/_ping") { _ in Self.ping("") }
            r.get("/version") { _ in
                .json(200, Array("""
                {"Platform":{"Name":"Berth Engine"},"Components":[{"Name":"Engine","Version":"0.1.0-test","Details":{"ApiVersion":"1.47","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}}],"Version":"0.1.0-test","ApiVersion":"1.47","MinAPIVersion":"1.24","GitCommit":"feedbee","GoVersion":"swift6","Os":"linux","Arch":"amd64","KernelVersion":"6.1","BuildTime":"2026-01-01T00:00:00.000000000+00:00"}
                """.utf8), headers: Self.dockerHeaders)
            }
        }
    }

    override func tearDown() { gate.release(); s?.stop(); s = nil }

    static let dockerHeaders: HTTPHeaders = ["Api-Version": "1.47", "Docker-Experimental": "false", "Ostype": "linux",
                                             "Server": "Docker/0.1.0-test (linux)"]

    static func ping(_ body: String) -> HTTPResponse {
        var h = dockerHeaders
        h.add("Cache-Control", "no-cache, no-store, must-revalidate")
        h.add("Pragma", "no-cache")
        h.add("Content-Type", "text/plain; charset=utf-8")
        return HTTPResponse(status: 200, headers: h, body: .bytes(Array(body.utf8)))
    }

    func testStreamingResponseArrivesChunkByChunk() throws {
        let c = try RawClient(s.path)
        c.send("GET /v1.47/containers/web/logs?follow=1 HTTP/1.1\r\nHost: d\r\n\r\n")
        guard let (status, _, h) = c.head() else { return XCTFail("no response") }
        XCTAssertEqual(status, 200)
        XCTAssertEqual(h["Transfer-Encoding"], "chunked")
        XCTAssertNil(h["Content-Length"])
        XCTAssertEqual(c.line(), "b")
        XCTAssertEqual(String(decoding: c.bytes(11), as: UTF8.self), "first line\n")
        XCTAssertEqual(c.line(), "")
        gate.release()
        XCTAssertEqual(c.line(), "c")
        XCTAssertEqual(String(decoding: c.bytes(12), as: UTF8.self), "second line\n")
        XCTAssertEqual(c.line(), "")
        XCTAssertEqual(c.line(), "0")
        XCTAssertEqual(c.line(), "")
        // Still keep-alive after the stream ends.
        XCTAssertEqual(c.request("GET /_ping HTTP/1.1\r\n\r\n")?.text, "OK")
    }

    func testStreamingWithCurlAndHTTP10() throws {
        gate.release()
        let (rc, out) = try s.curl(["-N", "http://d/containers/web/logs"])
        XCTAssertEqual(rc, 0)
        XCTAssertEqual(out, "first line\nsecond line\n")
        let c = try RawClient(s.path)
        let r = c.request("GET /containers/web/logs HTTP/1.0\r\n\r\n")
        XCTAssertNil(r?.headers["Transfer-Encoding"])
        XCTAssertEqual(r?.headers["Connection"], "close")
        XCTAssertEqual(r?.text, "first line\nsecond line\n")
    }

    func testStreamingHandlerSeesClientLeave() throws {
        let c = try RawClient(s.path)
        c.send("GET /events HTTP/1.1\r\n\r\n")
        XCTAssertEqual(c.head()?.0, 200)
        XCTAssertEqual(c.line(), "13")
        shutdown(c.fd, Int32(SHUT_RDWR))
        XCTAssertTrue(gone.wait(), "the handler never saw the client go")
    }

    func testHijackWithUpgradeEchoesBothWays() throws {
        let c = try RawClient(s.path)
        // Bytes right after the head must reach the hijacked stream, not be lost in the parser's buffer.
        c.send("POST /v1.47/containers/web/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            + "Content-Type: text/plain\r\n\r\nearly ")
        guard let (status, reason, h) = c.head() else { return XCTFail("no response") }
        XCTAssertEqual(status, 101)
        XCTAssertEqual(reason, "UPGRADED")
        XCTAssertEqual(h["Connection"], "Upgrade")
        XCTAssertEqual(h["Upgrade"], "tcp")
        XCTAssertEqual(h["Content-Type"], "application/vnd.docker.raw-stream")
        XCTAssertEqual(String(decoding: c.bytes(6), as: UTF8.self), "EARLY ")
        for word in ["hello", " from", " berth"] {
            c.send(word)
            XCTAssertEqual(String(decoding: c.bytes(word.utf8.count), as: UTF8.self), word.uppercased())
        }
        shutdown(c.fd, Int32(SHUT_WR))
        XCTAssertEqual(String(decoding: c.bytes(3), as: UTF8.self), "bye")
        XCTAssertTrue(c.isClosed())
    }

    func testHijackWithoutUpgradeAnswers200RawStream() throws {
        let c = try RawClient(s.path)
        c.send("POST /containers/web/attach HTTP/1.1\r\nHost: d\r\n\r\n")
        guard let (status, _, h) = c.head() else { return XCTFail("no response") }
        XCTAssertEqual(status, 200)
        XCTAssertEqual(h["Content-Type"], "application/vnd.docker.raw-stream")
        XCTAssertNil(h["Upgrade"])
        c.send("abc")
        XCTAssertEqual(c.bytes(3), Array("ABC".utf8))
        shutdown(c.fd, Int32(SHUT_WR))
        XCTAssertEqual(c.bytes(3), Array("bye".utf8))
    }

    func testPingHeadAndGet() throws {
        let c = try RawClient(s.path)
        let h = c.request("HEAD /_ping HTTP/1.1\r\n\r\n", head: true)
        XCTAssertEqual(h?.headers["Api-Version"], "1.47")
        XCTAssertEqual(h?.headers["Content-Length"], "0")
        XCTAssertEqual(c.request("GET /_ping HTTP/1.1\r\n\r\n")?.text, "OK")
    }

    func testDockerCLIVersion() throws {
        let docker = "/usr/local/bin/docker"
        guard access(docker, X_OK) == 0 else { throw XCTSkip("no docker CLI") }
        var env = ProcessInfo.processInfo.environment
        env["DOCKER_HOST"] = "unix://" + s.path
        env["DOCKER_CONFIG"] = s.dir   // no user config, no credential helpers
        let (rc, out) = try runTool(docker, ["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}"], env: env)
        XCTAssertEqual(rc, 0, out)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0-test 1.47 linux")
        let (rc2, full) = try runTool(docker, ["version"], env: env)
        XCTAssertEqual(rc2, 0, full)
        XCTAssertTrue(full.contains("Berth Engine"), full)
    }
}
