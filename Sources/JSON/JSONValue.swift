// The parsed form of a JSON document. Numbers keep their literal text so an
// integer such as 18446744073709551615 or -9223372036854775808 is never routed
// through Double and loses no precision; the decoder converts on demand.

public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// How Foundation's JSONDecoder names a value in "but found X instead".
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "a dictionary"
        }
    }
}

/// A JSON number as written. `text` always follows RFC 8259's number grammar.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    /// Wraps text the parser or the encoder has already checked.
    init(validated text: String) { self.text = text }

    /// nil when `text` is not a JSON number literal.
    public init?(text: String) {
        guard NumberText.isValid(text) else { return nil }
        self.text = text
    }

    public init<T: BinaryInteger>(_ value: T) { text = String(value) }

    /// nil for infinities and NaN, which JSON cannot express.
    public init?(_ value: Double) {
        guard let text = NumberText.format(value) else { return nil }
        self.text = text
    }

    public var description: String { text }

    /// True when the literal has neither a fraction nor an exponent.
    public var isIntegerLiteral: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The exact value when it is a whole number in Int64's range ("1e3" and "2.0" count).
    public var int64Value: Int64? {
        if case .value(let v) = NumberText.integer(text, as: Int64.self) { return v }
        return nil
    }

    /// The exact value when it is a whole number in UInt64's range.
    public var uint64Value: UInt64? {
        if case .value(let v) = NumberText.integer(text, as: UInt64.self) { return v }
        return nil
    }

    /// The nearest Double (infinite when the literal is beyond Double's range).
    public var doubleValue: Double { Double(text) ?? .nan }
}

/// A JSON object: keys in document (or encoding) order, each key once.
public struct JSONObject: Equatable, Sendable, Sequence {
    public typealias Element = (key: String, value: JSONValue)

    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    /// For callers that already guarantee distinct keys.
    init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public func index(of key: String) -> Int? { keys.firstIndex(of: key) }

    /// Setting an existing key replaces its value in place; a new key goes last.
    public subscript(key: String) -> JSONValue? {
        get { index(of: key).map { values[$0] } }
        set {
            if let i = index(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var i = 0
        public mutating func next() -> Element? {
            guard i < object.keys.count else { return nil }
            defer { i += 1 }
            return (object.keys[i], object.values[i])
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }

    /// Objects are equal when they hold the same keys with equal values, in any order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for i in a.keys.indices {
            guard let other = b[a.keys[i]], other == a.values[i] else { return false }
        }
        return true
    }
}
