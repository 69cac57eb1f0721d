import JSON

/// Reading daemon answers without declaring every Docker type: `v["State"]["Status"].string`.
extension JSONValue {
    subscript(key: String) -> JSONValue {
        if case .object(let o) = self, let v = o[key] { return v }
        return .null
    }

    subscript(index: Int) -> JSONValue {
        if case .array(let a) = self, index >= 0, index < a.count { return a[index] }
        return .null
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var stringValue: String { string ?? "" }
    var bool: Bool { if case .bool(let b) = self { return b }; return false }
    var int64: Int64? {
        if case .number(let n) = self { return n.int64Value ?? Int64(exactly: n.doubleValue.rounded(.towardZero)) }
        return nil
    }
    var int: Int { Int(int64 ?? 0) }
    var double: Double? { if case .number(let n) = self { return n.doubleValue }; return nil }
    var array: [JSONValue] { if case .array(let a) = self { return a }; return [] }
    var object: JSONObject? { if case .object(let o) = self { return o }; return nil }
    var isNull: Bool { if case .null = self { return true }; return false }

    /// A string-to-string map (labels, options); other values are skipped.
    var stringMap: [(String, String)] {
        guard case .object(let o) = self else { return [] }
        return o.compactMap { k, v in v.string.map { (k, $0) } }
    }

    var strings: [String] { array.compactMap(\.string) }

    static func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
    static func int(_ i: Int64) -> JSONValue { .number(JSONNumber(i)) }
    static func int(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }
    static func map(_ pairs: [(String, String)]) -> JSONValue { .object(JSONObject(pairs.map { ($0.0, .string($0.1)) })) }
}

/// Builds a JSON object in insertion order, skipping nils: request bodies.
struct JSONBuilder {
    private(set) var object = JSONObject()
    init() {}
    mutating func set(_ key: String, _ value: JSONValue?) { if let value { object[key] = value } }
    mutating func set(_ key: String, _ value: String?) { if let value { object[key] = .string(value) } }
    mutating func set(_ key: String, _ value: Bool?) { if let value { object[key] = .bool(value) } }
    mutating func set(_ key: String, _ value: Int64?) { if let value { object[key] = .int(value) } }
    var value: JSONValue { .object(object) }
}
