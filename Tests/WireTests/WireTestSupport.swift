import LinuxSys
import Foundation
import Glibc
import XCTest
import Wire

/// An RPCServer on a socket in a private directory, serving on its own thread.
final class TestServer: @unchecked Sendable {
    let server: RPCServer
    let dir: String
    let path: String
    private let traceLock = NSLock()
    private var traceLines: [String] = []
    private let disconnectLock = NSLock()
    private var disconnectCount = 0

    init(maxFrame: Int? = nil, configure: (RPCServer) -> Void = { _ in }) throws {
        var template = Array("/tmp/berth-wire-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        dir = String(cString: made)
        path = dir + "/test.sock"
        server = RPCServer(protocolName: "berth.test", version: 1, serverName: "test-server 1.0")
        if let maxFrame { server.maxFrame = maxFrame }
        server.traceSink = { [weak self] line in self?.appendTrace(line) }
        server.onDisconnect = { [weak self] _ in self?.countDisconnect() }
        server.register("Echo") { call in try call.params(EchoParams.self) }
        server.register("Ping") { _ in Empty() }
        server.register(ShimMethodNames.subscribe) { call in
            let p = try call.params(TopicsParams.self)
            call.connection.subscribe(topics: p.topics ?? [])
            return Empty()
        }
        configure(server)
        try server.listen(path: path)
        let s = server
        spawnThread { s.serve() }
    }

    private func appendTrace(_ line: String) { traceLock.lock(); traceLines.append(line); traceLock.unlock() }
    private func countDisconnect() { disconnectLock.lock(); disconnectCount += 1; disconnectLock.unlock() }

    var trace: [String] { traceLock.lock(); defer { traceLock.unlock() }; return traceLines }
    var disconnects: Int { disconnectLock.lock(); defer { disconnectLock.unlock() }; return disconnectCount }

    func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

enum ShimMethodNames { static let subscribe = "Events.Subscribe" }

struct EchoParams: Codable, Sendable, Equatable {
    var text: String
    var count: Int?
}

struct TopicsParams: Codable, Sendable { var topics: [String]? }

/// A client that speaks the framing by hand, to send what a well-behaved client never would.
final class RawClient {
    let conn: FrameConnection
    private var nextID = 100

    init(_ path: String, timeout: Int = 10) throws {
        conn = try FrameConnection.connect(path)
        // A server that fails to answer must fail the test, not hang it.
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(conn.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { conn.close() }

    func sendJSON(_ text: String) throws { try conn.writeFrame(Array(text.utf8)) }

    /// Writes bytes as they are: a header that lies, half a frame.
    func sendRaw(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let w = bytes.withUnsafeBytes { send(conn.fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if w <= 0 { return }
            off += w
        }
    }

    static func header(_ n: Int) -> [UInt8] {
        [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
    }

    func read() throws -> [String: Any] {
        let f = try conn.readFrame()
        guard let obj = try JSONSerialization.jsonObject(with: Data(f)) as? [String: Any] else {
            throw POSIXError(.EBADMSG)
        }
        return obj
    }

    /// Reads until the response with `id`, returning it and the events that came first.
    func response(id: Int) throws -> (response: [String: Any], events: [[String: Any]]) {
        var events: [[String: Any]] = []
        while true {
            let m = try read()
            if m["event"] != nil { events.append(m); continue }
            if (m["id"] as? Int) == id { return (m, events) }
        }
    }

    @discardableResult
    func call(_ method: String, _ params: String? = nil) throws -> [String: Any] {
        nextID += 1
        let p = params.map { ", \"params\": \($0)" } ?? ""
        try sendJSON("{\"id\": \(nextID), \"method\": \"\(method)\"\(p)}")
        return try response(id: nextID).response
    }

    @discardableResult
    func hello(protocolName: String = "berth.test", version: Int = 1) throws -> [String: Any] {
        try call("Hello", "{\"protocol\": \"\(protocolName)\", \"version\": \(version), \"client\": \"wire-tests\"}")
    }

    /// True when the server closed the connection (EOF) before sending anything more.
    func isClosedByServer() -> Bool {
        do {
            _ = try conn.readFrame()
            return false
        } catch FrameConnection.ReadError.closed {
            return true
        } catch FrameConnection.ReadError.truncated {
            return true
        } catch {
            return false
        }
    }
}

func errorOf(_ m: [String: Any]) -> (code: String, message: String)? {
    guard let e = m["error"] as? [String: Any], let c = e["code"] as? String, let msg = e["message"] as? String else { return nil }
    return (c, msg)
}

func XCTAssertError(_ m: [String: Any], _ code: String, _ messagePart: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    guard let e = errorOf(m) else {
        return XCTFail("expected a \(code) error, got \(m)", file: file, line: line)
    }
    XCTAssertEqual(e.code, code, "message: \(e.message)", file: file, line: line)
    XCTAssertTrue(messagePart.isEmpty || e.message.contains(messagePart), "\"\(e.message)\" does not contain \"\(messagePart)\"", file: file, line: line)
}

func XCTAssertOK(_ m: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNotNil(m["result"], "expected a result, got \(m)", file: file, line: line)
}

/// Compares a decoded JSON value with JSON text, as JSON (not as Swift types).
func XCTAssertJSON(_ value: Any?, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let value else { return XCTFail("nil is not \(expected)", file: file, line: line) }
    let a = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]))
        .flatMap { try? JSONSerialization.jsonObject(with: $0, options: [.fragmentsAllowed]) } as? NSObject
    let b = (try? JSONSerialization.jsonObject(with: Data(expected.utf8), options: [.fragmentsAllowed])) as? NSObject
    XCTAssertEqual(a, b, "\(value) is not \(expected)", file: file, line: line)
}
