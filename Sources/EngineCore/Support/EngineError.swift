/// The one error set inside berthd; the API edge maps each kind to Docker's status code.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case invalidArgument   // 400
        case forbidden         // 403
        case notFound          // 404
        case conflict          // 409
        case notModified       // 304
        case unavailable       // 503
        case `internal`        // 500
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    public var description: String { message }

    public static func invalid(_ m: String) -> EngineError { EngineError(.invalidArgument, m) }
    public static func notFound(_ m: String) -> EngineError { EngineError(.notFound, m) }
    public static func conflict(_ m: String) -> EngineError { EngineError(.conflict, m) }
    public static func `internal`(_ m: String) -> EngineError { EngineError(.internal, m) }

    public static func noSuchContainer(_ ref: String) -> EngineError { .notFound("No such container: \(ref)") }
    public static func noSuchExec(_ ref: String) -> EngineError { .notFound("No such exec instance: \(ref)") }
}
