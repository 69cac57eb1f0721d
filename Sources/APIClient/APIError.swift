/// What a call to the daemon can fail with, worded the way the docker CLI prints it.
public enum APIError: Error, CustomStringConvertible, Sendable {
    /// A non-2xx answer; `message` is the `{"message": ...}` field (or the raw body).
    case daemon(status: Int, message: String)
    /// The socket could not be reached at all.
    case cannotConnect(host: String, reason: String)
    /// The connection broke or the daemon answered something that is not HTTP/1.1.
    case transport(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .daemon(_, let message): return "Error response from daemon: \(message)"
        case .cannotConnect(let host, _):
            return "Cannot connect to the Berth daemon at \(host). Is the berth daemon running?"
        case .transport(let m): return m
        case .invalidArgument(let m): return m
        }
    }

    /// The HTTP status of a daemon error, nil otherwise.
    public var status: Int? {
        if case .daemon(let s, _) = self { return s }
        return nil
    }

    public var isNotFound: Bool { status == 404 }
}
