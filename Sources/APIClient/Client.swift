import JSON
import LinuxSys

/// A Docker Engine API client over HTTP/1.1: one connection per request, so long-poll
/// (wait), streaming (logs, events) and hijacked (attach, exec) exchanges can run side by side.
public final class APIClient: @unchecked Sendable {
    /// The newest API version this client speaks.
    public static let maxVersion = "1.47"
    /// The oldest it will fall back to.
    public static let minVersion = "1.24"

    public let host: DaemonHost
    public var userAgent = "Berth-Client/1.0 (linux)"
    private var negotiated: String?
    private let lock = Lock()
    /// What `GET /_ping` answered (`Api-Version`, `OSType`, ...), once negotiated.
    public private(set) var pingHeaders = Headers()

    public init(host: DaemonHost, version: String? = nil) {
        self.host = host
        self.negotiated = version
    }

    /// The version used in request paths: min(daemon, ours), from `GET /_ping`.
    public func apiVersion() throws -> String {
        if let v = lock.with({ negotiated }) { return v }
        let ping = try send(method: "GET", target: "/_ping", headers: [], body: nil)
        let r = try readWhole(ping)
        let version: String
        if let server = r.headers["Api-Version"], !server.isEmpty {
            version = APIClient.compareVersions(server, APIClient.maxVersion) < 0 ? server : APIClient.maxVersion
        } else if r.status / 100 == 2 {
            version = APIClient.maxVersion
        } else {
            throw APIClient.error(from: r)
        }
        lock.with { negotiated = version; pingHeaders = r.headers }
        return version
    }

    /// Pings without negotiating (for `version`/`info` fallbacks): the daemon's headers.
    public func ping() throws -> Response {
        let r = try readWhole(try send(method: "GET", target: "/_ping", headers: [], body: nil))
        if r.status / 100 != 2 { throw APIClient.error(from: r) }
        return r
    }

    /// -1, 0, 1 comparing dotted versions numerically (`1.9` < `1.10`).
    public static func compareVersions(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }
        let y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let p = i < x.count ? x[i] : 0, q = i < y.count ? y[i] : 0
            if p != q { return p < q ? -1 : 1 }
        }
        return 0
    }

    /// True when the negotiated version is at least `v`.
    public func versionAtLeast(_ v: String) throws -> Bool { APIClient.compareVersions(try apiVersion(), v) >= 0 }

    // MARK: requests

    /// A request whose whole answer is read; a non-2xx status throws `APIError.daemon`.
    @discardableResult
    public func request(_ method: String, _ path: String, query: Query = Query(), body: [UInt8]? = nil,
                        contentType: String = "application/json", headers: [(String, String)] = []) throws -> Response {
        let r = try readWhole(try send(method: method, target: try versioned(path, query), headers: headers,
                                       body: body, contentType: contentType))
        if r.status / 100 != 2 { throw APIClient.error(from: r) }
        return r
    }

    /// A request with a JSON body (a JSONValue built by the caller).
    @discardableResult
    public func request(_ method: String, _ path: String, query: Query = Query(), json: JSONValue,
                        headers: [(String, String)] = []) throws -> Response {
        try request(method, path, query: query, body: JSON.serialize(json, options: JSONWriteOptions(sortedKeys: false)),
                    headers: headers)
    }

    /// GET and parse the JSON answer.
    public func getJSON(_ path: String, query: Query = Query()) throws -> JSONValue {
        let r = try request("GET", path, query: query)
        do { return try JSON.parse(r.body) } catch {
            throw APIError.transport("invalid JSON from daemon for \(path): \(error)")
        }
    }

    /// A request whose body is read as it comes. Errors (non-2xx) are read whole and thrown.
    public func stream(_ method: String, _ path: String, query: Query = Query(), body: [UInt8]? = nil,
                       bodySource: ByteSource? = nil, contentType: String = "application/json",
                       headers: [(String, String)] = []) throws -> StreamingResponse {
        let s = try send(method: method, target: try versioned(path, query), headers: headers, body: body,
                         bodySource: bodySource, contentType: contentType)
        if s.status / 100 != 2 { throw APIClient.error(from: try readWhole(s)) }
        return s
    }

    /// POST with `Connection: Upgrade` / `Upgrade: tcp`; after `101` (or `200` from an old
    /// daemon) the connection is a raw byte stream both ways.
    public func hijack(_ path: String, query: Query = Query(), json: JSONValue? = nil) throws -> Connection {
        let body = json.map { JSON.serialize($0, options: JSONWriteOptions(sortedKeys: false)) }
        let s = try send(method: "POST", target: try versioned(path, query),
                         headers: [("Connection", "Upgrade"), ("Upgrade", "tcp")], body: body ?? [])
        if s.status == 101 || s.status / 100 == 2 { return s.connection }
        throw APIClient.error(from: try readWhole(s))
    }

    func versioned(_ path: String, _ query: Query) throws -> String {
        let v = try apiVersion()
        let q = query.encoded
        return "/v\(v)\(path)" + (q.isEmpty ? "" : "?" + q)
    }

    /// Writes the request and reads the response head.
    func send(method: String, target: String, headers: [(String, String)], body: [UInt8]?,
              bodySource: ByteSource? = nil, contentType: String = "application/json") throws -> StreamingResponse {
        let conn = try Connection.open(host)
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host.hostHeader)\r\nUser-Agent: \(userAgent)\r\n"
        for (n, v) in headers { head += "\(n): \(v)\r\n" }
        if let body {
            if !body.isEmpty || method == "POST" || method == "PUT" {
                head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            }
        } else if bodySource != nil {
            head += "Content-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n"
        }
        head += "\r\n"
        do {
            try conn.write(Array(head.utf8) + (body ?? []))
            if let src = bodySource { try APIClient.sendChunked(src, conn) }
        } catch {
            // The daemon may have answered early (an error) and closed: read that answer.
            if let r = try? readHead(conn, method: method) { return r }
            throw error
        }
        return try readHead(conn, method: method)
    }

    private static func sendChunked(_ src: ByteSource, _ conn: Connection) throws {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = try src.read(into: buf)
            if n == 0 { break }
            try conn.write(Array(String(n, radix: 16).utf8) + [13, 10])
            try conn.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            try conn.write([13, 10])
        }
        try conn.write(Array("0\r\n\r\n".utf8))
    }

    private func readHead(_ conn: Connection, method: String) throws -> StreamingResponse {
        StreamingResponse(head: try HTTPResponseHead.read(from: conn, method: method), connection: conn)
    }

    func readWhole(_ s: StreamingResponse) throws -> Response {
        let body = try s.readAll(limit: 1 << 30)
        s.close()
        return Response(status: s.status, headers: s.headers, body: body)
    }

    /// dockerd's error body is `{"message": "..."}`; anything else is shown as it came.
    public static func error(from r: Response) -> APIError {
        if let v = try? JSON.parse(r.body), case .object(let o) = v, case .string(let m)? = o["message"] {
            return .daemon(status: r.status, message: m)
        }
        var text = r.text.trimmingSpaces
        if text.isEmpty { text = "\(r.status) \(reasonPhrase(r.status))" }
        return .daemon(status: r.status, message: text)
    }
}

func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 400: return "Bad Request"
    case 404: return "Not Found"
    case 409: return "Conflict"
    case 500: return "Internal Server Error"
    case 501: return "Not Implemented"
    case 503: return "Service Unavailable"
    default: return "Status"
    }
}
