// Reading and decoding spec JSON files with errors a user can act on:
// `config.json: process.user.uid: expected a number, found a string`
// instead of Swift's DecodingError dump.

import Glibc
import JSON

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
            if let syntax = ctx.underlyingError as? JSONSyntaxError {
                return SpecError(file: file, reason: syntax.description)
            }
            if let number = ctx.underlyingError as? JSONNumberError {
                let problem = number.problem == .notWhole ? "is not a whole number" : "is out of range"
                return SpecError(file: file, field: Self.path(ctx.codingPath), reason: "number \(number.text) \(problem)")
            }
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
        guard let found = Self.find("but found ", in: text.utf8) else { return nil }
        var rest = Substring(text.utf8[found.upperBound...])
        if let end = Self.find(" instead", in: rest.utf8) {
            rest = Substring(rest.utf8[..<end.lowerBound])
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

    /// The first occurrence of `needle` (a byte search, so that String.firstRange(of:)
    /// does not link _StringProcessing into the runtime).
    static func find<C: BidirectionalCollection>(_ needle: String, in hay: C) -> Range<C.Index>? where C.Element == UInt8 {
        let n = Array(needle.utf8)
        var i = hay.startIndex
        while i != hay.endIndex {
            var j = i
            var k = 0
            while k < n.count, j != hay.endIndex, hay[j] == n[k] { j = hay.index(after: j); k += 1 }
            if k == n.count { return i..<j }
            i = hay.index(after: i)
        }
        return nil
    }
}

/// Loading and saving spec documents (config.json, process.json, state.json).
public enum SpecFile {
    /// Reads `path` and decodes it; every failure is a `SpecError` naming the file.
    public static func load<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        try decode(type, from: read(path), file: path)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], file: String) throws -> T {
        do {
            return try JSON.decode(type, from: bytes)
        } catch let error as DecodingError {
            throw SpecError(file: file, decoding: error)
        }
    }

    /// Any byte collection (Foundation's Data included), for callers that have one.
    public static func decode<T: Decodable, Bytes: Sequence>(_ type: T.Type, from bytes: Bytes, file: String) throws -> T
    where Bytes.Element == UInt8 {
        try decode(type, from: Array(bytes), file: file)
    }

    /// Keys sorted and "/" unescaped so output is stable and readable in state files and golden tests.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        try JSON.encode(value, sortedKeys: true, pretty: pretty)
    }

    public static func read(_ path: String) throws -> [UInt8] {
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && Glibc.errno == EINTR
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }

        // Sized from fstat, read in place: no scratch buffer to allocate and zero.
        var st = stat()
        var size = 4096
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 { size = Int(st.st_size) + 1 }
        var bytes = [UInt8](repeating: 0, count: size)
        var used = 0
        while true {
            if used == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ioError("read", path)
            }
            if n == 0 { break }
            used += n
        }
        bytes.removeLast(bytes.count - used)
        return bytes
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
