import Foundation
import Glibc
import XCTest
import Wire
import SupervisorAPI
import ShimAPI

/// RPCServer against raw-socket clients: handshake, errors for every kind of bad
/// input, and other clients served throughout.
final class RPCServerTests: XCTestCase {
    private var server: TestServer!
    /// Connected and greeted before each test; must keep working whatever the test does.
    private var bystander: RawClient!

    override func setUpWithError() throws {
        server = try TestServer { s in
            s.register("Task.Get") { call in
                let ref = try call.params(TaskRef.self)
                throw WireError.notFound("task \"\(ref.id)\" does not exist")
            }
            s.register("Task.Exec") { call in _ = try call.params(TaskExecParams.self); return Empty() }
            s.register("Task.Kill") { call in _ = try call.params(TaskKillParams.self); return Empty() }
            s.register("Task.ResizePty") { call in _ = try call.params(TaskResizeParams.self); return Empty() }
            s.register("Crash") { _ in throw POSIXError(.EIO) }
        }
        bystander = try RawClient(server.path)
        XCTAssertOK(try bystander.hello())
    }

    override func tearDown() {
        if let bystander {
            // Whatever happened, the other client is still served.
            XCTAssertJSON((try? bystander.call("Echo", #"{"text": "still here"}"#))?["result"], #"{"text": "still here"}"#)
        }
        bystander = nil
        server?.stop()
        server = nil
    }

    func testEchoRoundTripKeepsUnicodeAndLargePayloads() throws {
        let c = try RawClient(server.path)
        let hello = try c.hello()
        XCTAssertJSON(hello["result"], #"{"protocol": "berth.test", "version": 1, "server": "test-server 1.0"}"#)
        let text = "héllo ✓ \u{1F600} " + String(repeating: "x", count: 1 << 20)
        let req = try JSONSerialization.data(withJSONObject: ["id": 7, "method": "Echo", "params": ["text": text, "count": 3]])
        try c.conn.writeFrame(Array(req))
        let r = try c.response(id: 7).response
        XCTAssertEqual((r["result"] as? [String: Any])?["text"] as? String, text)
        XCTAssertEqual((r["result"] as? [String: Any])?["count"] as? Int, 3)
    }

    func testHelloIsRequiredFirstAndTheConnectionStaysUsable() throws {
        let c = try RawClient(server.path)
        XCTAssertError(try c.call("Echo", #"{"text": "a"}"#), "FailedPrecondition", "must be Hello")
        XCTAssertOK(try c.hello())
        XCTAssertOK(try c.call("Echo", #"{"text": "a"}"#))
    }

    func testProtocolAndVersionMismatch() throws {
        let c = try RawClient(server.path)
        XCTAssertError(try c.hello(protocolName: "berth.shim"), "FailedPrecondition",
                       "protocol mismatch: this server speaks berth.test version 1, the client asked for berth.shim version 1")
        XCTAssertError(try c.hello(version: 2), "FailedPrecondition", "the client asked for berth.test version 2")
        XCTAssertError(try c.call("Ping"), "FailedPrecondition", "must be Hello")
        XCTAssertError(try c.call("Hello", #"{"version": 1}"#), "InvalidArgument", "params.protocol: required field is missing")
        XCTAssertOK(try c.hello())
        XCTAssertOK(try c.call("Ping"))
    }

    func testUnknownMethodIsUnimplemented() throws {
        let c = try RawClient(server.path)
        try c.hello()
        XCTAssertError(try c.call("Task.Frobnicate", "{}"), "Unimplemented", "unknown method \"Task.Frobnicate\"")
        XCTAssertOK(try c.call("Ping"))
    }

    func testMissingFieldsAreNamed() throws {
        let c = try RawClient(server.path)
        try c.hello()
        XCTAssertError(try c.call("Task.Get", "{}"), "InvalidArgument", "params.id: required field is missing")
        // Omitted params are {} (PROTOCOL.md), so the missing field is still named.
        XCTAssertError(try c.call("Task.Get"), "InvalidArgument", "params.id: required field is missing")
        XCTAssertError(try c.call("Task.Exec", #"{"id": "c1", "execID": "e1", "process": {"args": ["sh"]}}"#),
                       "InvalidArgument", "params.process.user: required field is missing")
        XCTAssertError(try c.call("Task.Exec", #"{"id": "c1", "execID": "e1", "process": {"user": {"uid": 0}}}"#),
                       "InvalidArgument", "params.process.user.gid: required field is missing")
        XCTAssertError(try c.call("Task.Get", #"{"id": "c9"}"#), "NotFound", "task \"c9\" does not exist")
    }

    func testOmittedParamsAreEmptyForMethodsWithoutFields() throws {
        let c = try RawClient(server.path)
        try c.hello()
        XCTAssertJSON(try c.call("Ping")["result"], "{}")
        XCTAssertJSON(try c.call("Ping", "{}")["result"], "{}")
    }

    func testWrongTypesAreNamed() throws {
        let c = try RawClient(server.path)
        try c.hello()
        XCTAssertError(try c.call("Task.Get", #"{"id": 5}"#), "InvalidArgument", "params.id: expected a string")
        XCTAssertError(try c.call("Task.Kill", #"{"id": "c1", "signal": "TERM"}"#), "InvalidArgument", "params.signal: expected a number")
        XCTAssertError(try c.call("Task.ResizePty", #"{"id": "c1", "width": "80", "height": 24}"#),
                       "InvalidArgument", "params.width: expected a number")
        XCTAssertError(try c.call("Task.Exec", #"{"id": "c1", "execID": "e1", "process": {"user": {"uid": 0, "gid": 0}, "args": "sh"}}"#),
                       "InvalidArgument", "params.process.args: expected an array")
        XCTAssertError(try c.call("Task.Get", #"{"id": null}"#), "InvalidArgument", "params.id: expected a string, found null")
        XCTAssertError(try c.call("Echo", #"[1, 2]"#), "InvalidArgument", "params: expected an object")
    }

    func testEnvelopeErrors() throws {
        let c = try RawClient(server.path)
        try c.hello()
        try c.sendJSON(#"{"method": "Ping"}"#)
        var r = try c.read()
        XCTAssertError(r, "InvalidArgument", "request has no \"id\"")
        XCTAssertTrue(r["id"] is NSNull, "id must be null when the request has none: \(r)")
        try c.sendJSON(#"{"id": 41}"#)
        r = try c.read()
        XCTAssertError(r, "InvalidArgument", "request has no \"method\"")
        XCTAssertEqual(r["id"] as? Int, 41)
        try c.sendJSON(#"{"id": "x", "method": "Ping"}"#)
        XCTAssertError(try c.read(), "InvalidArgument", "id: expected a number")
        try c.sendJSON(#"{"id": 3, "method": 5}"#)
        XCTAssertError(try c.read(), "InvalidArgument", "method: expected a string")
        XCTAssertOK(try c.call("Ping"))
    }

    func testHandlerErrorsKeepTheirCodeAndOthersBecomeInternal() throws {
        let c = try RawClient(server.path)
        try c.hello()
        XCTAssertError(try c.call("Task.Get", #"{"id": "zz"}"#), "NotFound", "zz")
        XCTAssertError(try c.call("Crash"), "Internal", "")
        XCTAssertOK(try c.call("Ping"))
    }

    func testInvalidUTF8AndNonObjectJSONGetAnErrorAndTheConnectionKeepsWorking() throws {
        let c = try RawClient(server.path)
        try c.hello()
        let bad: [([UInt8], String)] = [
            ([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d], "not valid UTF-8"),
            (Array("\u{FEFF}".utf8).dropLast() + [0xc3], "not valid UTF-8"),
            (Array("[1, 2, 3]".utf8), "one JSON object"),
            (Array("42".utf8), "one JSON object"),
            (Array("\"Hello\"".utf8), "one JSON object"),
            (Array("null".utf8), "one JSON object"),
            (Array("{\"id\": 1, \"method\": ".utf8), "one JSON object"),
            ([], "one JSON object"),
        ]
        for (frame, message) in bad {
            try c.conn.writeFrame(frame)
            let r = try c.read()
            XCTAssertError(r, "InvalidArgument", message)
            XCTAssertTrue(r["id"] is NSNull, "\(r)")
            XCTAssertOK(try c.call("Ping"))
        }
    }

    func testOversizedFrameGetsTheErrorThenTheConnectionIsClosed() throws {
        server.stop()
        server = try TestServer(maxFrame: 1024)
        bystander = try RawClient(server.path)
        try bystander.hello()
        let c = try RawClient(server.path)
        try c.hello()
        XCTAssertOK(try c.call("Echo", "{\"text\": \"\(String(repeating: "a", count: 900))\"}"))
        c.sendRaw(RawClient.header(4096) + Array(repeating: 0x20, count: 100))
        let r = try c.read()
        XCTAssertError(r, "InvalidArgument", "frame of 4096 bytes exceeds the 1024-byte limit; closing the connection")
        XCTAssertTrue(r["id"] is NSNull)
        XCTAssertTrue(c.isClosedByServer(), "the connection must be closed after an oversized frame")
        // A frame of exactly the limit is still fine.
        let d = try RawClient(server.path)
        try d.hello()
        let prefix = #"{"id": 9, "method": "Echo", "params": {"text": ""#
        let suffix = #""}}"#
        let fill = String(repeating: "b", count: 1024 - prefix.utf8.count - suffix.utf8.count)
        try d.sendJSON(prefix + fill + suffix)
        XCTAssertOK(try d.response(id: 9).response)
    }

    func testTruncatedFrameClosesOnlyThatConnection() throws {
        let c = try RawClient(server.path)
        try c.hello()
        let before = server.disconnects
        c.sendRaw(RawClient.header(100) + Array("{\"id\": 2, \"meth".utf8))
        Glibc.shutdown(c.conn.fd, Int32(SHUT_WR))
        XCTAssertTrue(c.isClosedByServer(), "no answer may be sent to a truncated frame")
        XCTAssertOK(try bystander.call("Ping"))
        // The disconnect callback runs for the dropped client.
        let deadline = Date().addingTimeInterval(5)
        while server.disconnects == before && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(server.disconnects, before + 1)
    }

    func testAStalledHalfFrameDoesNotBlockOtherClients() throws {
        let stalled = try RawClient(server.path)
        stalled.sendRaw(RawClient.header(5000) + Array(repeating: 0x20, count: 10))
        let others = try (0..<5).map { _ in try RawClient(server.path) }
        for o in others {
            XCTAssertOK(try o.hello())
            XCTAssertOK(try o.call("Echo", #"{"text": "x"}"#))
        }
    }

    func testManyConcurrentClients() throws {
        let path = server.path
        let failures = Counter()
        let group = DispatchGroup()
        for t in 0..<16 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let c = try? RawClient(path), (try? c.hello())?["result"] != nil else { return failures.add() }
                for i in 0..<50 {
                    let r = try? c.call("Echo", "{\"text\": \"t\(t)-\(i)\"}")
                    if (r?["result"] as? [String: Any])?["text"] as? String != "t\(t)-\(i)" { failures.add() }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.value, 0)
    }

    func testTraceNamesTheConnectionAndBothDirections() throws {
        let c = try RawClient(server.path)
        try c.hello()
        try c.call("Ping")
        let lines = server.trace.filter { $0.contains("\"Ping\"") || $0.contains("\"result\":{}") }
        XCTAssertTrue(lines.contains { $0.hasPrefix("test-server 1.0 #\(getpid()).") && $0.contains(" < {") }, "\(lines)")
        XCTAssertTrue(server.trace.contains { $0.contains(" > {\"id\":") }, "\(server.trace)")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
