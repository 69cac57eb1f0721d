import Foundation
import Glibc
import XCTest
@testable import HTTP

/// Request parsing, routing, keep-alive and limits, against a live server on a Unix socket.
final class HTTPServerTests: XCTestCase {
    private var s: TestHTTPServer!

    override func setUpWithError() throws {
        s = try TestHTTPServer(configure: { $0.maxHeaderBytes = 4096; $0.maxBodyBytes = 2 << 20 }) { r in
            r.get("/containers/{id}/json") { req in
                .json(200, Array("{\"Id\":\(jsonString(req.param("id") ?? "")),\"Api\":\(jsonString(req.apiVersion ?? "none"))}".utf8))
            }
            r.head("/containers/{id}/json") { _ in .json(200, Array("{\"Id\":\"x\"}".utf8)) }
            r.get("/images/{name:.*}/json") { req in .text(200, req.param("name") ?? "") }
            r.post("/echo") { req in
                var h: HTTPHeaders = ["Content-Type": req.headers["Content-Type"] ?? "none"]
                h.add("X-Trailer", req.trailers["X-Sum"] ?? "none")
                h.add("X-Body-Length", String(req.body.count))
                return HTTPResponse(status: 201, headers: h, body: .bytes(req.body))
            }
            r.get("/query") { req in
                var out = req.query.map { "\($0.name)=\($0.value)" }.joined(separator: "|")
                out += "|all:\(req.queryBool("all"))|err:\(req.queryError ?? "-")"
                return .text(200, out)
            }
            r.get("/headers") { req in
                .text(200, "\(req.headers["x-multi"] ?? "-")|\(req.headers.values("X-Multi").joined(separator: ","))|\(req.headers["X-Folded"] ?? "-")")
            }
            r.get("/fail") { _ in throw HTTPError(status: 409, message: "conflict: the name \"/web\" is already in use") }
            r.post("/stream-in", streamingBody: true) { req in
                var total = 0
                while true {
                    let part = try req.bodyStream.read()
                    if part.isEmpty { break }
                    total += part.count
                }
                return .text(200, String(total))
            }
        }
    }

    override func tearDown() { s?.stop(); s = nil }

    func testGetHeadPostWithCurl() throws {
        var (rc, out) = try s.curl(["-i", "http://docker/containers/abc/json"])
        XCTAssertEqual(rc, 0)
        XCTAssertTrue(out.hasPrefix("HTTP/1.1 200 OK\r\n"), out)
        XCTAssertTrue(out.contains("Content-Type: application/json\r\n"), out)
        XCTAssertTrue(out.contains("Content-Length: 26\r\n"), out)
        XCTAssertTrue(out.hasSuffix("{\"Id\":\"abc\",\"Api\":\"none\"}\n"), out)

        (rc, out) = try s.curl(["-I", "http://docker/v1.47/containers/abc/json"])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("Content-Length: 11\r\n"), out)
        XCTAssertFalse(out.contains("{"), out)

        (rc, out) = try s.curl(["-H", "Content-Type: application/json", "-d", "{\"Image\":\"busybox\"}", "-w", "|%{http_code}", "http://docker/echo"])
        XCTAssertEqual(rc, 0)
        XCTAssertEqual(out, "{\"Image\":\"busybox\"}|201")
    }

    func testHeadSendsNoBodyAndKeepsConnection() throws {
        let c = try RawClient(s.path)
        let h = c.request("HEAD /containers/x/json HTTP/1.1\r\nHost: d\r\n\r\n", head: true)
        XCTAssertEqual(h?.status, 200)
        XCTAssertEqual(h?.headers["Content-Length"], "11")
        XCTAssertEqual(c.request("GET /containers/y/json HTTP/1.1\r\nHost: d\r\n\r\n")?.text, "{\"Id\":\"y\",\"Api\":\"none\"}\n")
    }

    func testChunkedRequestBodyWithTrailers() throws {
        let c = try RawClient(s.path)
        let r = c.request("POST /echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
            + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n")
        XCTAssertEqual(r?.status, 201)
        XCTAssertEqual(r?.text, "hello, world")
        XCTAssertEqual(r?.headers["X-Trailer"], "12")
        // The connection stays usable after a chunked body.
        XCTAssertEqual(c.request("GET /containers/z/json HTTP/1.1\r\n\r\n")?.status, 200)
    }

    func testChunkedUploadWithCurlAndExpectContinue() throws {
        let big = Data(repeating: 0x61, count: 1_500_000)
        var (rc, out) = try s.curl(["-H", "Transfer-Encoding: chunked", "--data-binary", "@-", "http://docker/stream-in"], stdin: big)
        XCTAssertEqual(rc, 0)
        XCTAssertEqual(out, "1500000")
        // curl sends Expect: 100-continue for a body over 1 MiB and waits for the 100.
        (rc, out) = try s.curl(["-H", "Expect: 100-continue", "--expect100-timeout", "30", "--data-binary", "@-", "-o", "/dev/null",
                                "-w", "%{http_code} %{size_upload}", "http://docker/echo"], stdin: big)
        XCTAssertEqual(out, "201 1500000")
    }

    func testKeepAliveCloseAndHTTP10() throws {
        let c = try RawClient(s.path)
        for id in ["a", "b", "c"] {
            let r = c.request("GET /containers/\(id)/json HTTP/1.1\r\nHost: d\r\n\r\n")
            XCTAssertEqual(r?.text, "{\"Id\":\"\(id)\",\"Api\":\"none\"}\n")
            XCTAssertNil(r?.headers["Connection"])
            XCTAssertNotNil(r?.headers["Date"])
        }
        let last = c.request("GET /containers/d/json HTTP/1.1\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(last?.headers["Connection"], "close")
        XCTAssertTrue(c.isClosed())

        let c10 = try RawClient(s.path)
        XCTAssertEqual(c10.request("GET /containers/e/json HTTP/1.0\r\n\r\n")?.status, 200)
        XCTAssertTrue(c10.isClosed())
        let k10 = try RawClient(s.path)
        XCTAssertEqual(k10.request("GET /containers/f/json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.headers["Connection"], "keep-alive")
        XCTAssertEqual(k10.request("GET /containers/g/json HTTP/1.0\r\n\r\n")?.status, 200)
    }

    func testPipelinedRequestsAnswerInOrder() throws {
        let c = try RawClient(s.path)
        c.send("GET /containers/1/json HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /v1.43/containers/2/json HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
        XCTAssertEqual(c.response()?.text, "{\"Id\":\"1\",\"Api\":\"none\"}\n")
        XCTAssertEqual(c.response()?.text, "abc")
        XCTAssertEqual(c.response()?.text, "{\"Id\":\"2\",\"Api\":\"1.43\"}\n")
        XCTAssertEqual(c.response()?.text, "hi")
    }

    func testVersionPrefixAndPatterns() throws {
        let c = try RawClient(s.path)
        XCTAssertEqual(c.request("GET /v1.47/containers/web/json HTTP/1.1\r\n\r\n")?.text, "{\"Id\":\"web\",\"Api\":\"1.47\"}\n")
        XCTAssertEqual(c.request("GET /v1.47/images/library/busybox:latest/json HTTP/1.1\r\n\r\n")?.text, "library/busybox:latest")
        XCTAssertEqual(c.request("GET /images/busybox/json HTTP/1.1\r\n\r\n")?.text, "busybox")
        // Percent-decoded path: %3A is ':'.
        XCTAssertEqual(c.request("GET /images/busybox%3A1.36/json HTTP/1.1\r\n\r\n")?.text, "busybox:1.36")
        XCTAssertEqual(Router.splitVersion("/v1.47").path, "/")
        XCTAssertNil(Router.splitVersion("/volumes").version)
        XCTAssertNil(Router.splitVersion("/v1x/containers").version)
    }

    func testNotFoundAndMethodNotAllowed() throws {
        let c = try RawClient(s.path)
        for req in ["GET /nope HTTP/1.1\r\n\r\n", "GET /v1.47/containers/json/extra/x HTTP/1.1\r\n\r\n",
                    "DELETE /containers/a/json HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"] {
            let r = c.request(req)
            XCTAssertEqual(r?.status, 404, req)
            XCTAssertEqual(r?.headers["Content-Type"], "application/json")
            XCTAssertEqual(r?.text, "{\"message\":\"page not found\"}\n")
        }
        s.server.router.methodNotAllowedAsNotFound = false
        let r = c.request("DELETE /containers/a/json HTTP/1.1\r\n\r\n")
        XCTAssertEqual(r?.status, 405)
        XCTAssertEqual(r?.headers["Allow"], "GET, HEAD")
        XCTAssertEqual(r?.text, "{\"message\":\"method not allowed\"}\n")
        let e = c.request("GET /fail HTTP/1.1\r\n\r\n")
        XCTAssertEqual(e?.status, 409)
        XCTAssertEqual(e?.reason, "Conflict")
        XCTAssertEqual(e?.text, "{\"message\":\"conflict: the name \\\"/web\\\" is already in use\"}\n")
    }

    func testQueryDecodingAsGo() throws {
        let c = try RawClient(s.path)
        XCTAssertEqual(c.request("GET /query?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&all=1&name=a+b%20c&&flag HTTP/1.1\r\n\r\n")?.text,
                       "filters={\"label\":[\"a=b\"]}|all=1|name=a b c|flag=|all:true|err:-")
        XCTAssertEqual(c.request("GET /query?all=false&bad=%zz&x=1;y=2&ok=%2B HTTP/1.1\r\n\r\n")?.text,
                       "all=false|ok=+|all:false|err:invalid URL escape \"%zz\"")
    }

    func testHeaderLookupDuplicatesAndFolding() throws {
        let c = try RawClient(s.path)
        let r = c.request("GET /headers HTTP/1.1\r\nX-Multi: one\r\nx-multi: two\r\nX-Folded: a\r\n  b\r\n\r\n")
        XCTAssertEqual(r?.text, "one|one,two|a b")
    }

    func testOversizedHeadersAndBody() throws {
        let c = try RawClient(s.path)
        let r = c.request("GET /containers/a/json HTTP/1.1\r\nX-Big: \(String(repeating: "x", count: 5000))\r\n\r\n")
        XCTAssertEqual(r?.status, 431)
        XCTAssertEqual(r?.text, "{\"message\":\"request header fields exceed the 4096-byte limit\"}\n")
        XCTAssertTrue(c.isClosed())

        let b = try RawClient(s.path)
        let big = b.request("POST /echo HTTP/1.1\r\nContent-Length: \(3 << 20)\r\n\r\nabc")
        XCTAssertEqual(big?.status, 413)
        XCTAssertEqual(big?.text, "{\"message\":\"request body exceeds the 2097152-byte limit\"}\n")

        let (rc, out) = try s.curl(["-H", "Transfer-Encoding: chunked", "--data-binary", "@-", "-w", "|%{http_code}", "http://d/echo"],
                                   stdin: Data(repeating: 1, count: 3 << 20))
        XCTAssertEqual(rc, 0, out)
        XCTAssertEqual(out, "{\"message\":\"request body exceeds the 2097152-byte limit\"}\n|413")
    }

    func testMalformedRequestsGet400AndServerKeepsServing() throws {
        for bad in ["GARBAGE\r\n\r\n", "GET /x\r\n\r\n", "GET /x HTTP/1.1 extra\r\n\r\n", "GET x HTTP/1.1\r\n\r\n",
                    "GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", "POST /echo HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
                    "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "GET /a%zz HTTP/1.1\r\n\r\n"] {
            let c = try RawClient(s.path)
            let r = c.request(bad)
            XCTAssertEqual(r?.status, 400, bad)
            XCTAssertEqual(r?.headers["Content-Type"], "application/json", bad)
            XCTAssertTrue(r?.text.hasPrefix("{\"message\":") ?? false, bad)
            XCTAssertTrue(c.isClosed(), bad)
        }
        let v = try RawClient(s.path)
        XCTAssertEqual(v.request("GET /x HTTP/2.0\r\n\r\n")?.status, 505)
        let te = try RawClient(s.path)
        XCTAssertEqual(te.request("POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")?.status, 501)
        let ok = try RawClient(s.path)
        XCTAssertEqual(ok.request("GET /containers/ok/json HTTP/1.1\r\n\r\n")?.status, 200)
    }

    func testTCPListener() throws {
        let port = try s.server.listenTCP(port: 0)
        s.server.start()
        let (rc, out) = try runTool("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(port)/v1.47/containers/tcp/json"])
        XCTAssertEqual(rc, 0, out)
        XCTAssertEqual(out, "{\"Id\":\"tcp\",\"Api\":\"1.47\"}\n")
    }
}
