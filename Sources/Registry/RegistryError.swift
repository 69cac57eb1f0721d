import Images

/// A failure talking to a registry, by kind: the Docker API edge maps the kind to an HTTP
/// status and sends the message as is (dockerd's phrasing where the docker CLI or the SDK
/// look at it).
public enum RegistryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The connection failed or broke; worth retrying.
    case transport(String)
    /// The registry answered with an error status (5xx and 429 are worth retrying).
    case status(Int, String)
    /// 401/403 after authenticating, or no credentials for a registry that wants them.
    case unauthorized(String)
    /// Manifest, blob or repository unknown.
    case notFound(String)
    /// What the registry sent is wrong: digest or size mismatch, bad JSON, bad headers.
    case invalid(String)
    /// Something this client does not do (zstd, schema 1).
    case unsupported(String)
    /// The TLS handshake or the certificate check failed: retrying cannot help.
    case tls(String)
    /// The local store failed.
    case store(ImageError)

    public var description: String {
        switch self {
        case .transport(let m), .status(_, let m), .unauthorized(let m), .notFound(let m), .invalid(let m), .unsupported(let m),
             .tls(let m):
            return m
        case .store(let e): return e.description
        }
    }

    /// Worth another attempt after a pause: a broken connection, 429 or a 5xx.
    public var isRetryable: Bool {
        switch self {
        case .transport: return true
        case .status(let code, _): return code == 429 || code >= 500
        default: return false
        }
    }

    /// The status dockerd answers a failed pull with (before any progress was streamed).
    public var httpStatus: Int {
        switch self {
        case .notFound, .unauthorized: return 404
        case .invalid, .unsupported: return 400
        case .status(let code, _): return code == 429 ? 429 : 500
        case .transport, .tls: return 500
        case .store(let e):
            switch e {
            case .notFound: return 404
            case .conflict: return 409
            case .invalidArgument: return 400
            case .internal: return 500
            }
        }
    }
}
