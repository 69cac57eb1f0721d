import Glibc
import LinuxSys
import XCTest
@testable import Registry

/// The shared client-side HTTP/1.1 reading (LinuxSys.BufferedSocket, HTTPResponseHead,
/// HTTPBodyReader) over a socketpair whose far end plays the server, with the registry's
/// error mapping: heads, framings, and every way a body can end early.
final class HTTPWireReaderTests: XCTestCase {
    private var peer: Int32 = -1

    override func tearDown() {
        if peer >= 0 { close(peer); peer = -1 }
    }

    /// A socket whose peer sent `bytes` and then closed.
    private func serve(_ bytes: String, lineLimit: Int = 64 << 10) throws -> HTTPConnection {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SyscallError("socketpair")
        }
        peer = fds[1]
        let data = Array(bytes.utf8)
        XCTAssertEqual(data.withUnsafeBytes { Glibc.write(peer, $0.baseAddress, $0.count) }, data.count)
        close(peer); peer = -1
        return HTTPConnection(fd: fds[0], lineLimit: lineLimit, resetIsEnd: false, fail: RegistryError.wire)
    }

    private func body(_ head: HTTPResponseHead, _ conn: HTTPConnection) throws -> String {
        var reader = HTTPBodyReader(socket: conn, framing: head.framing)
        var out: [UInt8] = []
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 3, alignment: 1)  // small: reads cross chunks
        defer { buf.deallocate() }
        while true {
            let n = try reader.read(into: buf)
            if n == 0 { return String(decoding: out, as: UTF8.self) }
            out += buf[0..<n]
        }
    }

    private func failure(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testInterimSkippedHeadersTrimmedChunkedWithTrailers() throws {
        let conn = try serve("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding:  chunked \r\nX-A:\tv \r\n\r\n"
                             + "4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nTrailer: x\r\n\r\n")
        let head = try HTTPResponseHead.read(from: conn, method: "GET")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers.map { "\($0.0)=\($0.1)" }, ["Transfer-Encoding=chunked", "X-A=v"])
        XCTAssertEqual(head.framing, .chunked)
        XCTAssertEqual(try body(head, conn), "abcdef")
    }

    func testLengthUntilCloseAndNoBody() throws {
        let c1 = try serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA")
        let h1 = try HTTPResponseHead.read(from: c1, method: "GET")
        XCTAssertEqual(h1.framing, .length(5))
        XCTAssertEqual(try body(h1, c1), "hello")
        let c2 = try serve("HTTP/1.0 200 OK\r\n\r\nall of it")
        let h2 = try HTTPResponseHead.read(from: c2, method: "GET")
        XCTAssertEqual(h2.framing, .untilClose)
        XCTAssertEqual(try body(h2, c2), "all of it")
        let c3 = try serve("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n")
        XCTAssertEqual(try HTTPResponseHead.read(from: c3, method: "HEAD").framing, .length(0))
        // A negative length is no length: read until close rather than trap.
        let c4 = try serve("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\nxy")
        XCTAssertEqual(try HTTPResponseHead.read(from: c4, method: "GET").framing, .untilClose)
    }

    func testUpgradeLeavesTheStreamBuffered() throws {
        let conn = try serve("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\nraw stream")
        let head = try HTTPResponseHead.read(from: conn, method: "POST")
        XCTAssertEqual(head.status, 101)
        XCTAssertEqual(head.framing, .length(0))
        XCTAssertEqual(String(decoding: try conn.readAll(), as: UTF8.self), "raw stream")
    }

    func testBodiesEndingEarlyAreTransportErrors() throws {
        let c1 = try serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd")
        let h1 = try HTTPResponseHead.read(from: c1, method: "GET")
        XCTAssertEqual(failure { _ = try body(h1, c1) },
                       "unexpected EOF: the registry closed the connection with 6 bytes of the body to come")
        let c2 = try serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nabc")
        let h2 = try HTTPResponseHead.read(from: c2, method: "GET")
        XCTAssertEqual(failure { _ = try body(h2, c2) }, "unexpected EOF: the registry closed the connection mid-response")
        let c3 = try serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        let h3 = try HTTPResponseHead.read(from: c3, method: "GET")
        do { _ = try body(h3, c3); XCTFail("a chunked body without its last chunk read as whole") } catch let e as RegistryError {
            XCTAssertTrue(e.isRetryable, "\(e)")
        }
    }

    func testMalformedAnswers() throws {
        XCTAssertEqual(failure { _ = try HTTPResponseHead.read(from: try serve(""), method: "GET") },
                       "the registry closed the connection without answering")
        XCTAssertEqual(failure { _ = try HTTPResponseHead.read(from: try serve("SSH-2.0-x\r\n"), method: "GET") },
                       "malformed HTTP status line from registry: SSH-2.0-x")
        XCTAssertEqual(failure { _ = try HTTPResponseHead.read(from: try serve("HTTP/1.1 200 OK\r\nX: y"), method: "GET") },
                       "unexpected EOF in registry response")
        // The limit is checked as lines grow past what one receive brings (16 KiB).
        let long = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 40000) + "\r\n\r\n"
        XCTAssertEqual(failure { _ = try HTTPResponseHead.read(from: try serve(long, lineLimit: 100), method: "GET") },
                       "registry response line too long")
        let c = try serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        let h = try HTTPResponseHead.read(from: c, method: "GET")
        XCTAssertEqual(failure { _ = try body(h, c) }, "malformed chunked encoding from registry")
    }

    /// SO_RCVTIMEO of the registry connection: a server that accepts and never answers
    /// breaks the read after the timeout instead of hanging it.
    func testReceiveTimeout() throws {
        let l = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        XCTAssertGreaterThanOrEqual(l, 0)
        peer = l
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(l, $0, len) == 0 && listen(l, 4) == 0 && getsockname(l, $0, &len) == 0 }
        }
        XCTAssertTrue(bound)
        let port = UInt16(bigEndian: addr.sin_port)
        let conn = try HTTPConnection.open(HTTPURL(host: "127.0.0.1", port: port, target: "/"), timeoutSeconds: 1)
        let started = monotonicSeconds()
        XCTAssertEqual(failure { _ = try conn.readLine() }, "read from registry: timed out")
        XCTAssertLessThan(monotonicSeconds() - started, 10)
    }

    private func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
