/// Bad archive input: a corrupt or truncated stream, a format we do not read, or an entry
/// that would land outside the destination. The daemon maps these to "invalid argument"
/// (HTTP 400), unlike SyscallError, which is the host's failure.
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case truncated
        case invalidHeader
        case unsupported
        case corruptCompression
        case unsafePath
        case tooLarge
        case usage
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
