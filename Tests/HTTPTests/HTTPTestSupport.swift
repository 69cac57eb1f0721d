import Foundation
import Glibc
import XCTest
@testable import HTTP

/// A server on a temporary Unix socket.
final class TestHTTPServer {
    let dir: String
    let path: String
    let server: HTTPServer

    init(configure: (HTTPServer) -> Void = { _ in }, routes: (Router) -> Void) throws {
        var template = Array("/tmp/berth-http-XXXXXX".utf8CString)
        guard let d = mkdtemp(&template) else { throw HTTPError(status: 500, message: "mkdtemp") }
        dir = String(cString: d)
        path = dir + "/api.sock"
        let router = Router()
        routes(router)
        server = HTTPServer(router: router)
        configure(server)
        try server.listenUnix(path: path)
        server.start()
    }

    func stop() {
        server.stop()
        unlink(path)
        rmdir(dir)
    }

    /// Runs curl against the socket; returns (exit status, stdout).
    func curl(_ args: [String], stdin: Data? = nil) throws -> (Int32, String) {
        try runTool("/usr/bin/curl", ["-sS", "--unix-socket", path] + args, stdin: stdin)
    }
}

func runTool(_ exe: String, _ args: [String], env: [String: String]? = nil, stdin: Data? = nil) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if let env { p.environment = env }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let inPipe = Pipe()
    p.standardInput = inPipe
    try p.run()
    if let stdin { inPipe.fileHandleForWriting.write(stdin) }
    try inPipe.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

struct RawResponse {
    var status: Int
    var reason: String
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A client that writes raw bytes and parses responses, for what curl will not send.
final class RawClient {
    let fd: Int32
    private var buf: [UInt8] = []

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sa.sun_path) { p in
            for (i, c) in path.utf8.enumerated() { p[i] = c }
        }
        let r = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0 else { throw HTTPError(status: 500, message: "connect \(path): \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ s: String) { send(Array(s.utf8)) }
    func send(_ b: [UInt8]) {
        _ = b.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Bytes as they come; empty at end of stream (or timeout).
    func readSome() -> [UInt8] {
        if !buf.isEmpty { defer { buf.removeAll() }; return buf }
        return recvSome()
    }

    private func recvSome() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 65536)
        let n = b.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        return n > 0 ? Array(b.prefix(n)) : []
    }

    func isClosed() -> Bool { buf.isEmpty && readSome().isEmpty }

    private func fill() -> Bool {
        let more = recvSome()
        buf += more
        return !more.isEmpty
    }

    func line() -> String? {
        while true {
            if let i = buf.firstIndex(of: 10) {
                let l = buf[..<i]
                buf.removeFirst(i + 1)
                return String(decoding: l.last == 13 ? l.dropLast() : l, as: UTF8.self)
            }
            if !fill() { return nil }
        }
    }

    func bytes(_ n: Int) -> [UInt8] {
        while buf.count < n { if !fill() { break } }
        let out = Array(buf.prefix(n))
        buf.removeFirst(out.count)
        return out
    }

    /// Reads one response head.
    func head() -> (Int, String, HTTPHeaders)? {
        guard let status = line() else { return nil }
        let parts = status.split(separator: " ", maxSplits: 2)
        var h = HTTPHeaders()
        while let l = line(), !l.isEmpty {
            guard let c = l.firstIndex(of: ":") else { continue }
            h.add(String(l[..<c]), String(l[l.index(after: c)...]).trimmingCharacters(in: .whitespaces))
        }
        return (parts.count > 1 ? Int(parts[1]) ?? 0 : 0, parts.count > 2 ? String(parts[2]) : "", h)
    }

    /// Reads one whole response (Content-Length, chunked, or until close).
    func response(head isHead: Bool = false) -> RawResponse? {
        guard let (status, reason, h) = head() else { return nil }
        var body: [UInt8] = []
        if isHead {
        } else if h["Transfer-Encoding"] == "chunked" {
            while let sz = line(), let n = Int(sz, radix: 16), n > 0 {
                body += bytes(n)
                _ = line()
            }
            _ = line()
        } else if let cl = h["Content-Length"], let n = Int(cl) {
            body = bytes(n)
        } else {
            while fill() {}
            body = buf
            buf.removeAll()
        }
        return RawResponse(status: status, reason: reason, headers: h, body: body)
    }

    func request(_ raw: String, head: Bool = false) -> RawResponse? {
        send(raw)
        return response(head: head)
    }
}

/// A one-shot gate between a handler thread and the test.
final class Gate: @unchecked Sendable {
    private let c = NSCondition()
    private var open = false
    func release() { c.lock(); open = true; c.broadcast(); c.unlock() }
    func wait() -> Bool {
        c.lock(); defer { c.unlock() }
        let deadline = Date().addingTimeInterval(10)
        while !open { if !c.wait(until: deadline) { return false } }
        return true
    }
}
