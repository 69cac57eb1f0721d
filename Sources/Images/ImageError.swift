import Archive
import Digest
import LinuxSys

/// Every failure of the image store, by kind; the Docker API edge maps the kind to an
/// HTTP status (404, 409, 400, 500) and sends the message as is.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// "No such image: busybox:latest"
    case notFound(String)
    /// Would lose something the user must confirm (force) or cannot remove.
    case conflict(String)
    /// Bad input: reference, archive, config, digest mismatch.
    case invalidArgument(String)
    /// The host failed (disk, permissions) or the store is inconsistent.
    case `internal`(String)

    public var description: String {
        switch self {
        case .notFound(let m), .conflict(let m), .invalidArgument(let m), .internal(let m): return m
        }
    }

    public var message: String { description }

    /// "No such image: <familiar reference>", Docker's ErrImageDoesNotExist text.
    static func noSuchImage(_ name: String) -> ImageError {
        switch try? AnyReference.parse(name) {
        case .named(let r)?: return .notFound("No such image: \(r.withDefaultTag.familiarString)")
        case .id(let d)?: return .notFound("No such image: \(d.encoded)")
        case nil: return .notFound("No such image: \(name)")
        }
    }

    /// Sorts any error into a kind, prefixing what was being done.
    static func wrap(_ error: any Error, _ context: String) -> ImageError {
        let prefix = context.isEmpty ? "" : context + ": "
        switch error {
        case let e as ImageError: return e
        case let e as ArchiveError: return .invalidArgument(prefix + e.description)
        case let e as DigestError: return .invalidArgument(prefix + e.description)
        case let e as ReferenceError: return .invalidArgument(prefix + e.description)
        case let e as DecodingError: return .invalidArgument(prefix + describe(e))
        case let e as SyscallError: return .internal(prefix + e.description)
        default: return .internal(prefix + "\(error)")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map(\.stringValue).joined(separator: ".")
            return p.isEmpty ? c.debugDescription : "\(p): \(c.debugDescription)"
        }
        switch e {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c): return "invalid JSON: " + path(c)
        case .keyNotFound(let k, let c):
            let p = (c.codingPath.map(\.stringValue) + [k.stringValue]).joined(separator: ".")
            return "invalid JSON: missing field \(p)"
        @unknown default: return "invalid JSON: \(e)"
        }
    }
}

/// Runs `body`, turning any error into an ImageError with context.
func withContext<T>(_ context: @autoclosure () -> String, _ body: () throws -> T) throws(ImageError) -> T {
    do { return try body() } catch { throw ImageError.wrap(error, context()) }
}
