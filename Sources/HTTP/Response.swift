import Glibc

/// What a handler answers.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        /// Sent with Content-Length.
        case bytes([UInt8])
        /// Sent with `Transfer-Encoding: chunked` (raw until close to an HTTP/1.0 client):
        /// the closure writes as it goes, each write reaching the client at once.
        case stream(@Sendable (ChunkWriter) throws -> Void)
        /// The connection becomes a raw byte stream handed to the closure: `101 UPGRADED`
        /// when the client asked to upgrade, else `200` (status ignored); closed after it returns.
        case hijack(@Sendable (HijackedConnection) -> Void)
    }

    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: Int = 200, headers: HTTPHeaders = [:], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON document (already encoded), with Go's json.Encoder trailing newline when absent.
    public static func json(_ status: Int = 200, _ encoded: [UInt8], headers: HTTPHeaders = [:]) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "application/json")
        var body = encoded
        if body.last != UInt8(ascii: "\n") { body.append(UInt8(ascii: "\n")) }
        return HTTPResponse(status: status, headers: h, body: .bytes(body))
    }

    public static func text(_ status: Int = 200, _ s: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(Array(s.utf8)))
    }

    /// Docker's error shape: `{"message": "..."}`.
    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        json(status, Array("{\"message\":\(jsonString(message))}".utf8))
    }

    public static func stream(status: Int = 200, headers: HTTPHeaders = [:],
                              _ body: @escaping @Sendable (ChunkWriter) throws -> Void) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: .stream(body))
    }

    /// A hijack as dockerd does it for attach and exec start.
    public static func hijack(contentType: String = "application/vnd.docker.raw-stream",
                              _ body: @escaping @Sendable (HijackedConnection) -> Void) -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": contentType], body: .hijack(body))
    }
}

/// Writes a streamed response body. Each `write` is sent at once.
public final class ChunkWriter: @unchecked Sendable {
    let fd: Int32
    let chunked: Bool

    init(fd: Int32, chunked: Bool) {
        self.fd = fd
        self.chunked = chunked
    }

    /// Throws once the client has gone: the handler should stop.
    public func write(_ bytes: [UInt8]) throws {
        if bytes.isEmpty { return }   // an empty chunk would end the body
        if !chunked { return try bytes.withUnsafeBytes { try writeAll(fd: fd, $0) } }
        var frame = Array(String(bytes.count, radix: 16).utf8)
        frame += [13, 10]
        frame += bytes
        frame += [13, 10]
        try frame.withUnsafeBytes { try writeAll(fd: fd, $0) }
    }

    public func write(_ s: String) throws { try write(Array(s.utf8)) }

    /// True when the client closed its side or the connection broke, for handlers
    /// that wait a long time between writes (a followed log with no output).
    public var isClientGone: Bool { peerClosed(fd) }
}

/// A connection after the response head: raw bytes both ways.
public final class HijackedConnection: @unchecked Sendable {
    /// The socket. The server closes it when the hijack closure returns.
    public let fd: Int32
    private var pending: [UInt8]

    init(fd: Int32, buffered: [UInt8]) {
        self.fd = fd
        self.pending = buffered
    }

    /// Bytes the client sent right after its request, then what arrives; empty at end of stream.
    public func read(max: Int = 64 * 1024) throws -> [UInt8] {
        if !pending.isEmpty {
            let n = min(max, pending.count)
            defer { pending.removeFirst(n) }
            return Array(pending.prefix(n))
        }
        var out = [UInt8](repeating: 0, count: max)
        var n: Int
        repeat { n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) } } while n < 0 && errno == EINTR
        if n < 0 { throw HTTPError.clientGone("recv: \(String(cString: strerror(errno)))") }
        out.removeLast(max - n)
        return out
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try writeAll(fd: fd, $0) } }

    /// Half-close: the client sees end of stream on its read side (dockerd's CloseWrite).
    public func closeWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }
}

func peerClosed(_ fd: Int32) -> Bool {
    let rdhup: Int16 = 0x2000   // POLLRDHUP, which Glibc declares only under _GNU_SOURCE
    var p = pollfd(fd: fd, events: rdhup, revents: 0)
    guard poll(&p, 1, 0) > 0 else { return false }
    return p.revents & (rdhup | Int16(POLLHUP | POLLERR)) != 0
}

/// A JSON string literal.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "<", ">", "&", "\u{2028}", "\u{2029}":
            // Go's encoding/json escapes these; dockerd's messages carry them that way.
            out += "\\u" + hex4(u.value)
        default:
            if u.value < 0x20 { out += "\\u" + hex4(u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

private func hex4(_ v: UInt32) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: 4 - h.count) + h
}

func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: return "Continue"
    case 101: return "Switching Protocols"
    case 200: return "OK"
    case 201: return "Created"
    case 204: return "No Content"
    case 206: return "Partial Content"
    case 301: return "Moved Permanently"
    case 304: return "Not Modified"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 406: return "Not Acceptable"
    case 409: return "Conflict"
    case 411: return "Length Required"
    case 412: return "Precondition Failed"
    case 413: return "Request Entity Too Large"
    case 415: return "Unsupported Media Type"
    case 416: return "Requested Range Not Satisfiable"
    case 431: return "Request Header Fields Too Large"
    case 500: return "Internal Server Error"
    case 501: return "Not Implemented"
    case 503: return "Service Unavailable"
    case 505: return "HTTP Version Not Supported"
    default: return "Status \(status)"
    }
}

/// Go's http.TimeFormat, always GMT.
func httpDate() -> String {
    var t = time(nil)
    var tmv = tm()
    gmtime_r(&t, &tmv)
    var buf = [CChar](repeating: 0, count: 64)
    let n = strftime(&buf, buf.count, "%a, %d %b %Y %H:%M:%S GMT", &tmv)
    return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
