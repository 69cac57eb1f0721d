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
    private let connection: HTTPConnection
    private var framing: Framing
    private var chunkLeft = 0
    private var done = false

    enum Framing { case length(Int64), chunked, untilClose }

    init(status: Int, headers: [(String, String)], connection: HTTPConnection, framing: Framing) {
        self.status = status
        self.headers = headers
        self.connection = connection
        self.framing = framing
        if case .length(0) = framing { done = true }
    }

    public func close() { connection.close() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if done || buffer.count == 0 { return 0 }
        switch framing {
        case .untilClose:
            let n = try connection.read(into: buffer)
            if n == 0 { done = true }
            return n
        case .length(let left):
            let want = Int(min(left, Int64(buffer.count)))
            let n = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            if n == 0 { throw RegistryError.transport("unexpected EOF: the registry closed the connection with \(left) bytes of the body to come") }
            framing = .length(left - Int64(n))
            if left - Int64(n) == 0 { done = true }
            return n
        case .chunked:
            if chunkLeft == 0 {
                guard let line = try connection.readLine() else {
                    throw RegistryError.transport("unexpected EOF: the registry closed the connection mid-response")
                }
                let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.filter { $0 != " " } } ?? ""
                guard let size = Int(sizeText, radix: 16), size >= 0 else { throw RegistryError.invalid("malformed chunked encoding from registry") }
                if size == 0 {
                    while let l = try connection.readLine(), !l.isEmpty {}
                    done = true
                    return 0
                }
                chunkLeft = size
            }
            let n = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(chunkLeft, buffer.count)]))
            if n == 0 { throw RegistryError.transport("unexpected EOF: the registry closed the connection mid-response") }
            chunkLeft -= n
            if chunkLeft == 0 {
                guard let crlf = try connection.readLine(), crlf.isEmpty else { throw RegistryError.invalid("malformed chunked encoding from registry") }
            }
            return n
        }
    }
}

/// A minimal plain-HTTP/1.1 client: one connection per request (`Connection: close`), which
/// keeps broken connections from leaking into the next request and costs one loopback
/// handshake per blob.
public enum HTTPClient {
    public static let userAgent = "berth/0.1 (linux) docker/26.1"

    public static func send(_ req: HTTPClientRequest) throws(RegistryError) -> HTTPClientResponse {
        let conn = try HTTPConnection.open(host: req.url.host, port: req.url.port)
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
        let conn = try HTTPConnection.open(host: req.url.host, port: req.url.port)
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
        var status = 0
        var headers: [(String, String)] = []
        repeat {
            guard let line = try conn.readLine() else { throw .transport("the registry closed the connection without answering") }
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let s = Int(parts[1]) else {
                throw .invalid("malformed HTTP status line from registry: \(line.prefix(80))")
            }
            status = s
            headers = []
            while let l = try conn.readLine(), !l.isEmpty {
                guard let colon = l.firstIndex(of: ":") else { continue }
                let value = l[l.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                headers.append((String(l[..<colon]), String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())))
            }
        } while status == 100
        func header(_ n: String) -> String? { headers.first { $0.0.lowercased() == n }?.1 }
        let framing: HTTPClientResponse.Framing
        if method == "HEAD" || status == 204 || status == 304 {
            framing = .length(0)
        } else if header("transfer-encoding")?.lowercased().contains("chunked") == true {
            framing = .chunked
        } else if let cl = header("content-length").flatMap({ Int64($0) }) {
            framing = .length(cl)
        } else {
            framing = .untilClose
        }
        return HTTPClientResponse(status: status, headers: headers, connection: conn, framing: framing)
    }
}
