// JSON for Codable types without Foundation: the runtime is exec'd once per
// container, and linking FoundationEssentials only for JSONDecoder costs about
// a millisecond of start-up and several MB of resident memory.

public enum JSON {
    /// Parses RFC 8259 text (a UTF-8 byte order mark is skipped).
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try Parser.parse(bytes)
    }

    /// Decodes `T`. Malformed text throws `DecodingError.dataCorrupted` with an empty
    /// coding path and the `JSONSyntaxError` as its `underlyingError` (and its text as
    /// the debugDescription); everything else throws the DecodingError Foundation's
    /// JSONDecoder would, with the same coding path.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value: JSONValue
        do {
            value = try Parser.parse(bytes)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.description, underlyingError: error))
        }
        return try decode(type, from: value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try Unwrap.value(value, type, nil, nil)
    }

    /// Compact (or, with `pretty`, two-space indented) UTF-8 JSON. nil optionals are
    /// left out, as synthesized Encodable code uses encodeIfPresent.
    public static func encode<T: Encodable>(_ value: T, sortedKeys: Bool = true, pretty: Bool = false) throws -> [UInt8] {
        try encode(value, options: JSONWriteOptions(sortedKeys: sortedKeys, indent: pretty ? .spaces(2) : .none))
    }

    public static func encode<T: Encodable>(_ value: T, options: JSONWriteOptions) throws -> [UInt8] {
        serialize(try encodeValue(value), options: options)
    }

    /// The JSONValue that `encode` would write; throws EncodingError.invalidValue for a
    /// non-finite float or a top-level value that encodes nothing.
    public static func encodeValue<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = ValueEncoder(path: nil)
        try value.encode(to: encoder)
        encoder.sortIfDictionary()
        guard let node = encoder.node else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return node.freeze()
    }

    public static func serialize(_ value: JSONValue, options: JSONWriteOptions = JSONWriteOptions()) -> [UInt8] {
        var writer = Writer(options: options)
        writer.write(value)
        return writer.out
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text, keys in document order.
    public var description: String {
        String(decoding: JSON.serialize(self, options: JSONWriteOptions(sortedKeys: false)), as: UTF8.self)
    }
}
