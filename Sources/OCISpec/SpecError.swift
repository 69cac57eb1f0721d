// Reading and decoding spec JSON files with errors a user can act on:
// `config.json: process.user.uid: expected a number, found a string`
// instead of Swift's DecodingError dump.

import FoundationEssentials
import Glibc

public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or other source) being read, as the caller named it.
    public var file: String
    /// Dotted JSON path such as "mounts[2].destination"; nil when the problem is not one field.
    public var field: String?
    public var reason: String
    /// The failing system call, for I/O errors ("open", "read").
    public var call: String?
    /// errno of the failing call, so callers can treat ENOENT specially.
    public var errno: Int32?

    public init(file: String, field: String? = nil, reason: String, call: String? = nil, errno: Int32? = nil) {
        self.file = file
        self.field = field
        self.reason = reason
        self.call = call
        self.errno = errno
    }

    public var description: String {
        if let call {
            return "\(call) \(file): \(reason)"
        }
        if let field, !field.isEmpty {
            return "\(file): \(field): \(reason)"
        }
        return "\(file): \(reason)"
    }

    /// Turns a DecodingError into the field path and a short reason.
    public init(file: String, decoding error: DecodingError) {
        self = Self.translate(error, file: file)
        if field?.isEmpty == true { field = nil }
    }

    private static func translate(_ error: DecodingError, file: String) -> SpecError {
        switch error {
        case .keyNotFound(let key, let ctx):
            return SpecError(file: file, field: Self.path(ctx.codingPath + [key]), reason: "required field is missing")
        case .valueNotFound(let type, let ctx):
            return SpecError(file: file, field: Self.path(ctx.codingPath), reason: "expected \(Self.kind(of: type)), found null")
        case .typeMismatch(let type, let ctx):
            var reason = "expected \(Self.kind(of: type))"
            if let found = Self.foundPart(ctx.debugDescription) {
                reason += ", found \(found)"
            }
            return SpecError(file: file, field: Self.path(ctx.codingPath), reason: reason)
        case .dataCorrupted(let ctx):
            var reason = ctx.debugDescription
            if let underlying = ctx.underlyingError {
                reason += " (\(underlying))"
            }
            if ctx.codingPath.isEmpty {
                reason = "invalid JSON: " + reason
            }
            return SpecError(file: file, field: Self.path(ctx.codingPath), reason: reason)
        @unknown default:
            return SpecError(file: file, reason: "\(error)")
        }
    }

    /// "process.args[0]" style; dictionary keys appear as plain components.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            // Array positions come as "Index N" keys; a map key that merely looks numeric must not.
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    static func kind(of type: Any.Type) -> String {
        if type is any BinaryInteger.Type || type is any BinaryFloatingPoint.Type { return "a number" }
        if type == String.self { return "a string" }
        if type == Bool.self { return "a boolean" }
        // Checked after String, which is not literal-constructible from [] or [:].
        if type is any ExpressibleByDictionaryLiteral.Type { return "an object" }
        if type is any ExpressibleByArrayLiteral.Type { return "an array" }
        // Everything else this module decodes is a struct, i.e. a JSON object.
        return "an object"
    }

    /// The decoder's debugDescription reads "Expected to decode X but found a string instead.";
    /// the "found" part is the useful half.
    static func foundPart(_ text: String) -> String? {
        guard let start = text.firstRange(of: "but found ") else { return nil }
        var rest = text[start.upperBound...]
        if let end = rest.firstRange(of: " instead") {
            rest = rest[..<end.lowerBound]
        }
        // Speak JSON, not Swift: "a dictionary" is an object, "bool" a boolean.
        switch rest {
        case "": return nil
        case "number": return "a number"
        case "bool": return "a boolean"
        case "a dictionary": return "an object"
        default: return String(rest)
        }
    }
}

/// Loading and saving spec documents (config.json, process.json, state.json).
public enum SpecFile {
    /// Reads `path` and decodes it; every failure is a `SpecError` naming the file.
    public static func load<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        try decode(type, from: read(path), file: path)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch DecodingError.dataCorrupted(let ctx) where ctx.codingPath.isEmpty {
            // The decoder lost the location; recover it rather than say only "not valid JSON".
            throw JSONDiagnostics.explain(type, bytes: [UInt8](data), file: file)
                ?? SpecError(file: file, decoding: .dataCorrupted(ctx))
        } catch let error as DecodingError {
            throw SpecError(file: file, decoding: error)
        }
    }

    /// Keys sorted and "/" unescaped so output is stable and readable in state files and golden tests.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func read(_ path: String) throws -> Data {
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && Glibc.errno == EINTR
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ioError("read", path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return Data(bytes)
    }

    /// errno text in the lower-case form Go (and so runc) prints.
    static func ioError(_ call: String, _ path: String) -> SpecError {
        let code = Glibc.errno
        var text = String(cString: strerror(code))
        if let first = text.first {
            text = first.lowercased() + text.dropFirst()
        }
        return SpecError(file: path, reason: text, call: call, errno: code)
    }
}
