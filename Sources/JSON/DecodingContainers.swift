// Keyed and unkeyed decoding containers. decodeIfPresent is implemented
// directly (one lookup instead of contains + decodeNil + decode) with the
// standard library's default semantics: missing or null gives nil.

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let path: PathNode?
    /// Built only for large objects (maps such as annotations), where a linear scan per key adds up.
    let index: [String: Int]?

    init(_ object: JSONObject, path: PathNode?) {
        self.object = object
        self.path = path
        if object.count > 16 {
            var index: [String: Int] = [:]
            index.reserveCapacity(object.count)
            for (i, k) in object.keys.enumerated() { index[k] = i }
            self.index = index
        } else {
            self.index = nil
        }
    }

    var codingPath: [any CodingKey] { path.keys() }
    /// A plain loop: the generic compactMap here would resolve its result type at run time.
    var allKeys: [Key] {
        var out: [Key] = []
        out.reserveCapacity(object.count)
        for name in object.keys {
            if let key = Key(stringValue: name) { out.append(key) }
        }
        return out
    }

    @inline(__always)
    func lookup(_ key: Key) -> JSONValue? {
        let name = key.stringValue
        if let index {
            return index[name].map { object.values[$0] }
        }
        // Keys are unique, so the first match is the only one.
        for (i, k) in object.keys.enumerated() where k == name { return object.values[i] }
        return nil
    }

    func require(_ key: Key) throws -> JSONValue {
        guard let v = lookup(key) else {
            throw DecodingError.keyNotFound(key, .init(
                codingPath: codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return v
    }

    /// nil when missing or null.
    func present(_ key: Key) -> JSONValue? {
        guard let v = lookup(key) else { return nil }
        if case .null = v { return nil }
        return v
    }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try require(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Unwrap.bool(require(key), path, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try Unwrap.string(require(key), path, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Unwrap.double(require(key), path, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try Unwrap.float(require(key), path, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try Unwrap.integer(require(key), type, path, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try Unwrap.integer(require(key), type, path, key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try Unwrap.value(require(key), type, path, key) }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try present(key).map { try Unwrap.bool($0, path, key) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try present(key).map { try Unwrap.string($0, path, key) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try present(key).map { try Unwrap.double($0, path, key) }
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try present(key).map { try Unwrap.float($0, path, key) }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try presentInteger(key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try presentInteger(key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try presentInteger(key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try presentInteger(key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try presentInteger(key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try presentInteger(key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try presentInteger(key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try presentInteger(key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try presentInteger(key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try presentInteger(key) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key).map { try Unwrap.value($0, type, path, key) }
    }

    func presentInteger<T: FixedWidthInteger>(_ key: Key) throws -> T? {
        try present(key).map { try Unwrap.integer($0, T.self, path, key) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(require(key), path: path.appending(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(require(key), path: path.appending(key)).unkeyedContainer()
    }

    /// As Foundation: a missing key gives a decoder over null rather than an error.
    func superDecoder() throws -> any Decoder {
        let key = SuperKey()
        let v = object[key.stringValue] ?? .null
        return ValueDecoder(v, path: path.appending(key))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(lookup(key) ?? .null, path: path.appending(key))
    }
}

struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let path: PathNode?
    private(set) var currentIndex = 0

    init(_ items: [JSONValue], path: PathNode?) {
        self.items = items
        self.path = path
    }

    var codingPath: [any CodingKey] { path.keys() }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// The next element; at the end, valueNotFound worded as Foundation words it.
    func peek<T>(_ type: T.Type, _ message: String = "Unkeyed container is at end.") throws -> JSONValue {
        guard currentIndex < items.count else {
            throw DecodingError.valueNotFound(type, .init(codingPath: path.keys(adding: IndexKey(currentIndex)),
                                                          debugDescription: message))
        }
        return items[currentIndex]
    }

    var key: IndexKey { IndexKey(currentIndex) }

    mutating func decodeNil() throws -> Bool {
        guard case .null = try peek(Never.self) else { return false }
        currentIndex += 1
        return true
    }

    /// Decodes the next element and moves on only if that succeeded.
    mutating func next<T>(_ type: T.Type, _ convert: (JSONValue, PathNode?, IndexKey) throws -> T) throws -> T {
        let v = try convert(peek(type), path, key)
        currentIndex += 1
        return v
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type, Unwrap.bool) }
    mutating func decode(_ type: String.Type) throws -> String { try next(type, Unwrap.string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type, Unwrap.double) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type, Unwrap.float) }
    mutating func decode(_ type: Int.Type) throws -> Int { try nextInteger() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try nextInteger() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try nextInteger() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try nextInteger() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try nextInteger() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try nextInteger() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try nextInteger() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try nextInteger() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try nextInteger() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try nextInteger() }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next(type) { try Unwrap.value($0, T.self, $1, $2) }
    }

    mutating func nextInteger<T: FixedWidthInteger>() throws -> T {
        try next(T.self) { try Unwrap.integer($0, T.self, $1, $2) }
    }

    /// As Foundation: past the end or null gives nil, and the index moves on either way.
    mutating func nextIfPresent<T>(_ convert: (JSONValue, PathNode?, IndexKey) throws -> T) throws -> T? {
        guard currentIndex < items.count else { currentIndex += 1; return nil }
        let v = items[currentIndex]
        if case .null = v { currentIndex += 1; return nil }
        let result = try convert(v, path, key)
        currentIndex += 1
        return result
    }

    mutating func decodeIfPresent(_ type: Bool.Type) throws -> Bool? { try nextIfPresent(Unwrap.bool) }
    mutating func decodeIfPresent(_ type: String.Type) throws -> String? { try nextIfPresent(Unwrap.string) }
    mutating func decodeIfPresent(_ type: Double.Type) throws -> Double? { try nextIfPresent(Unwrap.double) }
    mutating func decodeIfPresent(_ type: Float.Type) throws -> Float? { try nextIfPresent(Unwrap.float) }
    mutating func decodeIfPresent(_ type: Int.Type) throws -> Int? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: Int8.Type) throws -> Int8? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: Int16.Type) throws -> Int16? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: Int32.Type) throws -> Int32? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: Int64.Type) throws -> Int64? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: UInt.Type) throws -> UInt? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: UInt8.Type) throws -> UInt8? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: UInt16.Type) throws -> UInt16? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: UInt32.Type) throws -> UInt32? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent(_ type: UInt64.Type) throws -> UInt64? { try nextIntegerIfPresent() }
    mutating func decodeIfPresent<T: Decodable>(_ type: T.Type) throws -> T? {
        try nextIfPresent { try Unwrap.value($0, T.self, $1, $2) }
    }

    mutating func nextIntegerIfPresent<T: FixedWidthInteger>() throws -> T? {
        try nextIfPresent { try Unwrap.integer($0, T.self, $1, $2) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let v = try peek(KeyedDecodingContainer<NestedKey>.self)
        let c = try ValueDecoder(v, path: path.appending(key)).container(keyedBy: type)
        currentIndex += 1
        return c
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let v = try peek((any UnkeyedDecodingContainer).self, "Cannot get nested unkeyed container -- unkeyed container is at end.")
        let c = try ValueDecoder(v, path: path.appending(key)).unkeyedContainer()
        currentIndex += 1
        return c
    }

    mutating func superDecoder() throws -> any Decoder {
        let v = try peek((any Decoder).self, "Cannot get superDecoder() -- unkeyed container is at end.")
        let d = ValueDecoder(v, path: path.appending(key))
        currentIndex += 1
        return d
    }
}
