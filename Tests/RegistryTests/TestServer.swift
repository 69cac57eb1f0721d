import Foundation
import Glibc

/// A plain-HTTP/1.1 server on 127.0.0.1 for the client's tests: one thread, one request per
/// connection (the client sends `Connection: close`), answers made by a handler that sees
/// each request and may cut the answer short to play a broken connection.
final class TestServer: @unchecked Sendable {
    struct Request {
        var method: String
        var target: String
        var headers: [String: String]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers[name.lowercased()] }
        var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
        /// Every value of a query parameter, %-decoded.
        func query(_ name: String) -> [String] {
            guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [] }
            return q.split(separator: "&").compactMap { pair in
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard kv.count == 2, kv[0] == name else { return nil }
                return String(kv[1]).removingPercentEncoding
            }
        }
    }

    struct Reply {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        /// Send the head and only this many body bytes, then close.
        var cutAfter: Int?
        /// Close without answering at all.
        var drop = false

        static func drop() -> Reply { Reply(status: 0, drop: true) }
    }

    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var seen: [Request] = []
    private let handler: @Sendable (Request) -> Reply

    init(_ handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        port = UInt16(bigEndian: addr.sin_port)
        Thread { [unowned self] in self.serve() }.start()
    }

    /// The requests answered so far, in order.
    var requests: [Request] { lock.lock(); defer { lock.unlock() }; return seen }

    /// Stops accepting: the accept loop ends on the shut-down socket and closes it then, so
    /// the descriptor cannot be reused under the loop by another server's socket.
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                close(fd)
                return
            }
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            handle(c)
            close(c)
        }
    }

    private func handle(_ c: Int32) {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return false }
            data += buf[0..<n]
            return true
        }
        var headEnd: Int?
        while headEnd == nil {
            if let i = find(data, [13, 10, 13, 10]) { headEnd = i; break }
            guard fill() else { return }
        }
        guard let end = headEnd else { return }
        let lines = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let first = lines[0].split(separator: " ")
        guard first.count >= 2 else { return }
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let colon = l.firstIndex(of: ":") else { continue }
            headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(data[(end + 4)...])
        while body.count < length {
            let before = data.count
            guard fill() else { break }
            body += data[before...]
        }
        let req = Request(method: String(first[0]), target: String(first[1]), headers: headers, body: Array(body.prefix(length)))
        lock.lock()
        seen.append(req)
        lock.unlock()
        let reply = handler(req)
        if reply.drop { return }
        var head = "HTTP/1.1 \(reply.status) X\r\nContent-Length: \(reply.body.count)\r\nConnection: close\r\n"
        for (k, v) in reply.headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + reply.body.prefix(reply.cutAfter ?? reply.body.count)
        var off = 0
        while off < out.count {
            let n = out.withUnsafeBytes { send(c, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
        shutdown(c, Int32(SHUT_WR))
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

/// `count` bytes from the kernel's random source.
func randomBytes(_ count: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
}
