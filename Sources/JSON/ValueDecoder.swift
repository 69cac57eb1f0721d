// `Decoder` over a parsed JSONValue, with Foundation's JSONDecoder semantics:
// the same DecodingError cases, coding paths and debugDescription wording,
// so code that explains DecodingErrors works unchanged. Differences: a
// duplicate object key takes the last value (as Go and runc do), and null for
// a non-optional Bool is valueNotFound like every other type.

final class ValueDecoder: Decoder {
    let value: JSONValue
    let path: PathNode?

    init(_ value: JSONValue, path: PathNode?) {
        self.value = value
        self.path = path
    }

    var codingPath: [any CodingKey] { path.keys() }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let object):
            return KeyedDecodingContainer(KeyedContainer<Key>(object, path: path))
        case .null:
            throw DecodingError.valueNotFound([String: Any].self, .init(
                codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        default:
            throw DecodingError.typeMismatch([String: Any].self, .init(
                codingPath: codingPath,
                debugDescription: "Expected to decode \([String: Any].self) but found \(value.kindDescription) instead."))
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let items):
            return UnkeyedContainer(items, path: path)
        case .null:
            throw DecodingError.valueNotFound([Any].self, .init(
                codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        default:
            throw DecodingError.typeMismatch([Any].self, .init(
                codingPath: codingPath, debugDescription: "Expected to decode \([Any].self) but found \(value.kindDescription) instead."))
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(value: value, path: path) }
}

/// Conversions from a JSONValue to Swift values; `path` + `key` locate errors.
enum Unwrap {
    static func checkNotNull<T>(_ value: JSONValue, _ type: T.Type, _ path: PathNode?, _ key: (any CodingKey)?) throws {
        if case .null = value {
            throw DecodingError.valueNotFound(type, .init(
                codingPath: path.keys(adding: key), debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: PathNode?, _ key: (any CodingKey)?) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path.keys(adding: key),
                                  debugDescription: "Expected to decode \(type) but found \(value.kindDescription) instead."))
    }

    static func bool(_ value: JSONValue, _ path: PathNode?, _ key: (any CodingKey)?) throws -> Bool {
        if case .bool(let b) = value { return b }
        try checkNotNull(value, Bool.self, path, key)
        throw mismatch(Bool.self, value, path, key)
    }

    static func string(_ value: JSONValue, _ path: PathNode?, _ key: (any CodingKey)?) throws -> String {
        if case .string(let s) = value { return s }
        try checkNotNull(value, String.self, path, key)
        throw mismatch(String.self, value, path, key)
    }

    static func integer<T: FixedWidthInteger>(_ value: JSONValue, _ type: T.Type, _ path: PathNode?, _ key: (any CodingKey)?) throws -> T {
        guard case .number(let n) = value else {
            try checkNotNull(value, type, path, key)
            throw mismatch(type, value, path, key)
        }
        switch NumberText.integer(n.text, as: type) {
        case .value(let v): return v
        case .outOfRange: throw numberError(n, type, .outOfRange, path, key)
        case .notWhole: throw numberError(n, type, .notWhole, path, key)
        }
    }

    static func double(_ value: JSONValue, _ path: PathNode?, _ key: (any CodingKey)?) throws -> Double {
        guard case .number(let n) = value else {
            try checkNotNull(value, Double.self, path, key)
            throw mismatch(Double.self, value, path, key)
        }
        guard let d = Double(n.text), d.isFinite, d != 0 || isZero(n.text) else {
            throw numberError(n, Double.self, .outOfRange, path, key)
        }
        return d
    }

    static func float(_ value: JSONValue, _ path: PathNode?, _ key: (any CodingKey)?) throws -> Float {
        guard case .number(let n) = value else {
            try checkNotNull(value, Float.self, path, key)
            throw mismatch(Float.self, value, path, key)
        }
        // Parsed directly as Float: rounding through Double first could round twice.
        guard let f = Float(n.text), f.isFinite, f != 0 || isZero(n.text) else {
            throw numberError(n, Float.self, .outOfRange, path, key)
        }
        return f
    }

    /// True when every digit of the mantissa is 0 (so a 0 result is not an underflow).
    static func isZero(_ text: String) -> Bool {
        for c in text.utf8 {
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return true }
            if c >= UInt8(ascii: "1") && c <= UInt8(ascii: "9") { return false }
        }
        return true
    }

    static func numberError(_ n: JSONNumber, _ type: Any.Type, _ problem: JSONNumberError.Problem,
                            _ path: PathNode?, _ key: (any CodingKey)?) -> DecodingError {
        let underlying = JSONNumberError(text: n.text, typeName: "\(type)", problem: problem)
        return .dataCorrupted(.init(codingPath: path.keys(adding: key), debugDescription: underlying.description,
                                    underlyingError: underlying))
    }

    /// Decodes any Decodable; leaf types skip allocating a nested decoder.
    static func value<T: Decodable>(_ value: JSONValue, _ type: T.Type, _ path: PathNode?, _ key: (any CodingKey)?) throws -> T {
        if T.self == String.self, case .string(let s) = value, let r = s as? T { return r }
        let childPath = key.map { path.appending($0) } ?? path
        if T.self == [String: String].self, let r = try stringMap(value, childPath) as? T { return r }
        return try T(from: ValueDecoder(value, path: childPath))
    }

    /// [String: String] (annotations, sysctl, cgroup paths) without the standard library's
    /// Dictionary.init(from:), whose allKeys casts look up protocol conformances at run time.
    /// Same results and errors as that path.
    static func stringMap(_ value: JSONValue, _ path: PathNode?) throws -> [String: String] {
        guard case .object(let object) = value else {
            return try [String: String](from: ValueDecoder(value, path: path))
        }
        var out: [String: String] = [:]
        out.reserveCapacity(object.count)
        for (k, v) in object {
            guard case .string(let s) = v else { return try [String: String](from: ValueDecoder(value, path: path)) }
            out[k] = s
        }
        return out
    }
}

/// Why a JSON number could not become the requested Swift type; the
/// `underlyingError` of the `DecodingError.dataCorrupted` that reports it.
public struct JSONNumberError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Problem: Sendable, Equatable {
        /// Too large or too small for the type (or beyond Double's range).
        case outOfRange
        /// Has a fractional part but an integer type was asked for.
        case notWhole
    }

    public var text: String
    /// The Swift type asked for, such as "UInt32".
    public var typeName: String
    public var problem: Problem

    public init(text: String, typeName: String, problem: Problem) {
        self.text = text
        self.typeName = typeName
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .outOfRange: return "number \(text) is out of range for \(typeName)"
        case .notWhole: return "number \(text) is not a whole number (expected \(typeName))"
        }
    }
}

struct SingleContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let path: PathNode?

    var codingPath: [any CodingKey] { path.keys() }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try Unwrap.bool(value, path, nil) }
    func decode(_ type: String.Type) throws -> String { try Unwrap.string(value, path, nil) }
    func decode(_ type: Double.Type) throws -> Double { try Unwrap.double(value, path, nil) }
    func decode(_ type: Float.Type) throws -> Float { try Unwrap.float(value, path, nil) }
    func decode(_ type: Int.Type) throws -> Int { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: Int8.Type) throws -> Int8 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: Int16.Type) throws -> Int16 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: Int32.Type) throws -> Int32 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: Int64.Type) throws -> Int64 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: UInt.Type) throws -> UInt { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try Unwrap.integer(value, type, path, nil) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try Unwrap.integer(value, type, path, nil) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // The value itself, not a child: a single-value container adds no path component.
        if T.self == String.self, case .string(let s) = value, let r = s as? T { return r }
        return try T(from: ValueDecoder(value, path: path))
    }
}
