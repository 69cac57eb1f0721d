// JSONValue as a Codable value, so API types can carry fields they pass through
// untouched (an image's config, a Docker field we do not model) without losing
// their text: with this module's coders the value moves across as-is.

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if let own = decoder as? ValueDecoder {
            self = own.value
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .number(JSONNumber(i)); return }
        if let d = try? c.decode(Double.self), let n = JSONNumber(d) { self = .number(n); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        let o = try c.decode([String: JSONValue].self)
        self = .object(JSONObject(o.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    public func encode(to encoder: any Encoder) throws {
        if let own = encoder as? ValueEncoder {
            own.node = .value(self)
            return
        }
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if let i = n.int64Value { try c.encode(i) } else { try c.encode(n.doubleValue) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o):
            var d: [String: JSONValue] = [:]
            for (k, v) in o { d[k] = v }
            try c.encode(d)
        }
    }
}

extension JSONValue {
    /// The member `key` of an object; nil for a missing key or a non-object.
    public func field(_ key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The text of a string value; nil for any other kind.
    public var text: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
