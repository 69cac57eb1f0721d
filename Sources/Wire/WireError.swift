/// The closed set of error codes every Berth protocol uses (Protocols/PROTOCOL.md).
/// HTTP statuses are derived from these only at the Docker API edge.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    case notFound = "NotFound"
    case alreadyExists = "AlreadyExists"
    case invalidArgument = "InvalidArgument"
    case failedPrecondition = "FailedPrecondition"
    case unavailable = "Unavailable"
    case unimplemented = "Unimplemented"
    case deadlineExceeded = "DeadlineExceeded"
    case resourceExhausted = "ResourceExhausted"
    case internalError = "Internal"
}

/// An error that crosses the wire as `{"code": ..., "message": ...}`.
public struct WireError: Error, Codable, Sendable, CustomStringConvertible, Equatable {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func notFound(_ m: String) -> WireError { WireError(.notFound, m) }
    public static func invalid(_ m: String) -> WireError { WireError(.invalidArgument, m) }
    public static func precondition(_ m: String) -> WireError { WireError(.failedPrecondition, m) }
    public static func exists(_ m: String) -> WireError { WireError(.alreadyExists, m) }
    public static func unavailable(_ m: String) -> WireError { WireError(.unavailable, m) }
    public static func `internal`(_ m: String) -> WireError { WireError(.internalError, m) }
}
