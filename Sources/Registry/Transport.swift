import LinuxSys

/// A response whose body is read as it arrives; `close` ends the exchange (and abandons
/// what is left of the body).
public protocol TransportResponse: ByteSource, AnyObject {
    var status: Int { get }
    var headers: [(String, String)] { get }
    func close()
}

extension TransportResponse {
    public func header(_ name: String) -> String? {
        let l = name.lowercased()
        return headers.first { $0.0.lowercased() == l }?.1
    }

    /// The Content-Length header (also on HEAD answers, whose body is empty).
    public var contentLength: Int64? { header("content-length").flatMap { Int64($0) } }

    /// The whole body, refusing more than `limit` bytes (manifests, tokens, errors).
    public func readBody(limit: Int = 8 << 20) throws(RegistryError) -> [UInt8] {
        do { return try readAll(limit: limit) } catch let e as RegistryError { throw e } catch {
            throw .transport("read registry response: \(error)")
        }
    }
}

/// One way of sending HTTP requests: our own plain-HTTP client, or berthd's HTTPS one
/// (URLSession), which this module does not link so that it stays Foundation-free.
public protocol HTTPTransport: Sendable {
    /// Sends `req`; when `body` is given, `length` bytes of it are the request body
    /// (blob uploads), else `req.body` is.
    func send(_ req: HTTPClientRequest, body: ByteSource?, length: Int64) throws(RegistryError) -> any TransportResponse
}

/// How registries are reached: plain HTTP always, HTTPS when berthd provides it (picked by
/// the URL's scheme), and the server behind the name docker.io.
public struct Transports: Sendable {
    public var secure: (any HTTPTransport)?
    /// The API endpoint of docker.io.
    public var dockerIO: HTTPURL

    public static let dockerHub = HTTPURL(scheme: "https", host: "registry-1.docker.io", port: 443, target: "/")

    public init(secure: (any HTTPTransport)? = nil, dockerIO: HTTPURL = Transports.dockerHub) {
        self.secure = secure
        self.dockerIO = dockerIO
    }

    public func send(_ req: HTTPClientRequest, body: ByteSource? = nil, length: Int64 = 0) throws(RegistryError) -> any TransportResponse {
        if req.url.isSecure {
            guard let secure else {
                throw .unsupported("cannot reach \(req.url): this build of berth has no https transport")
            }
            return try secure.send(req, body: body, length: length)
        }
        if let body { return try HTTPClient.send(req, body: body, length: length) }
        return try HTTPClient.send(req)
    }
}
