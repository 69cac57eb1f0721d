/// Why a container could not be turned into an OCI spec. The message is dockerd's own
/// wording where dockerd has one, so clients that match on it keep working; `kind` tells
/// berthd which HTTP status to answer with (dockerd's errdefs classes).
public struct ContainerSpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The request itself is wrong (400).
        case invalidParameter
        /// Something the request names does not exist (404).
        case notFound
        /// The request is valid but the state forbids it, e.g. joining a stopped container (409).
        case conflict
        /// The host failed us (500).
        case system
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ message: String) -> ContainerSpecError { ContainerSpecError(.invalidParameter, message) }
    static func system(_ message: String) -> ContainerSpecError { ContainerSpecError(.system, message) }
}
