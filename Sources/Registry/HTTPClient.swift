import Glibc
import LinuxSys

/// A request to send: method, URL, headers, and a body given whole.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: HTTPURL
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(_ method: String, _ url: HTTPURL, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let l = name.lowercased()
        return headers.first { $0.0.lowercased() == l }?.1
    }
}

/// A response whose body is read as it arrives (Content-Length, chunked or until close).
/// A body that ends early throws a transport error, so a truncated blob is never taken
/// for a whole one.
public final class HTTPClientResponse: TransportResponse {
    public let status: Int
    public let headers: [(String, String)]
    private var body: HTTPBodyReader<RegistryError>

    init(head: HTTPResponseHead, connection: HTTPConnection) {
        self.status = head.status
        self.headers = head.headers
        self.body = HTTPBodyReader(socket: connection, framing: head.framing)
    }

    public func close() { body.socket.close() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try body.read(into: buffer) }
}

/// A minimal plain-HTTP/1.1 client: one connection per request (`Connection: close`), which
/// keeps broken connections from leaking into the next request and costs one loopback
/// handshake per blob.
public enum HTTPClient {
    public static let userAgent = "berth/0.1 (linux) docker/26.1"

    public static func send(_ req: HTTPClientRequest) throws(RegistryError) -> HTTPClientResponse {
        let conn = try HTTPConnection.open(req.url)
        var head = "\(req.method) \(req.url.target) HTTP/1.1\r\nHost: \(req.url.authority)\r\nUser-Agent: \(userAgent)\r\nConnection: close\r\n"
        for (k, v) in req.headers { head += "\(k): \(v)\r\n" }
        if let body = req.body { head += "Content-Length: \(body.count)\r\n" }
        else if req.method == "POST" || req.method == "PUT" || req.method == "PATCH" { head += "Content-Length: 0\r\n" }
        head += "\r\n"
        var out = Array(head.utf8)
        if let body = req.body { out += body }
        try conn.write(out)
        return try readHead(conn, method: req.method)
    }

    /// Sends a request whose body of `length` bytes is streamed from `body` (blob uploads).
    public static func send(_ req: HTTPClientRequest, body: ByteSource, length: Int64) throws(RegistryError) -> HTTPClientResponse {
        let conn = try HTTPConnection.open(req.url)
        var head = "\(req.method) \(req.url.target) HTTP/1.1\r\nHost: \(req.url.authority)\r\nUser-Agent: \(userAgent)\r\nConnection: close\r\n"
        for (k, v) in req.headers { head += "\(k): \(v)\r\n" }
        head += "Content-Length: \(length)\r\n\r\n"
        try conn.write(Array(head.utf8))
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buf.deallocate() }
        var sent: Int64 = 0
        while sent < length {
            let n: Int
            do { n = try body.read(into: buf) } catch { throw .store(.internal("read blob for upload: \(error)")) }
            if n == 0 { throw .store(.internal("blob for upload ended after \(sent) of \(length) bytes")) }
            try conn.write(Array(buf[0..<n]))
            sent += Int64(n)
        }
        return try readHead(conn, method: req.method)
    }

    private static func readHead(_ conn: HTTPConnection, method: String) throws(RegistryError) -> HTTPClientResponse {
        HTTPClientResponse(head: try HTTPResponseHead.read(from: conn, method: method), connection: conn)
    }
}
