// `Encoder` that builds a JSONValue. Containers hand out references into a
// tree of boxes, so a nested container or super-encoder obtained early still
// lands in the output when it is filled later; the tree is frozen into a
// JSONValue once the top-level `encode(to:)` returns.

final class ObjectBox {
    var keys: [String] = []
    var nodes: [Node] = []

    /// A key encoded twice keeps its first position and its last value, as Foundation does.
    func set(_ key: String, _ node: Node) {
        if let i = keys.firstIndex(of: key) {
            nodes[i] = node
        } else {
            keys.append(key)
            nodes.append(node)
        }
    }
}

final class ArrayBox {
    var nodes: [Node] = []
}

enum Node {
    case value(JSONValue)
    case object(ObjectBox)
    case array(ArrayBox)
    /// A super-encoder or nested generic value whose content is read when the tree is frozen.
    case encoder(ValueEncoder)

    func freeze() -> JSONValue {
        switch self {
        case .value(let v):
            return v
        case .object(let box):
            return .object(JSONObject(uniqueKeys: box.keys, values: box.nodes.map { $0.freeze() }))
        case .array(let box):
            return .array(box.nodes.map { $0.freeze() })
        case .encoder(let e):
            // Foundation encodes a value that wrote nothing as an empty object.
            return e.node?.freeze() ?? .object(JSONObject())
        }
    }
}

final class ValueEncoder: Encoder {
    let path: PathNode?
    var node: Node?
    /// The key type of the keyed container handed out last.
    private var keyType: ObjectIdentifier?

    init(path: PathNode?) { self.path = path }

    var codingPath: [any CodingKey] { path.keys() }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        keyType = ObjectIdentifier(Key.self)
        if case .object(let box) = node { return KeyedEncodingContainer(KeyedEncoder<Key>(box: box, path: path)) }
        let box = ObjectBox()
        node = .object(box)
        return KeyedEncodingContainer(KeyedEncoder<Key>(box: box, path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array(let box) = node { return UnkeyedEncoder(box: box, path: path) }
        let box = ArrayBox()
        node = .array(box)
        return UnkeyedEncoder(box: box, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(encoder: self) }
}

enum Box {
    static func double(_ v: Double, _ path: PathNode?, _ key: (any CodingKey)?) throws -> Node {
        guard let text = NumberText.format(v) else { throw nonFinite(v, path, key) }
        return .value(.number(JSONNumber(validated: text)))
    }

    static func float(_ v: Float, _ path: PathNode?, _ key: (any CodingKey)?) throws -> Node {
        guard let text = NumberText.format(v) else { throw nonFinite(v, path, key) }
        return .value(.number(JSONNumber(validated: text)))
    }

    static func nonFinite<T: FloatingPoint>(_ v: T, _ path: PathNode?, _ key: (any CodingKey)?) -> EncodingError {
        .invalidValue(v, .init(codingPath: path.keys(adding: key),
                               debugDescription: "Unable to encode \(T.self).\(v) directly in JSON."))
    }

    static func integer<T: BinaryInteger>(_ v: T) -> Node { .value(.number(JSONNumber(v))) }

    /// Leaf types skip allocating a child encoder.
    static func value<T: Encodable>(_ v: T, _ path: PathNode?, _ key: (any CodingKey)?) throws -> Node {
        if T.self == String.self, let s = v as? String { return .value(.string(s)) }
        let child = ValueEncoder(path: key.map { path.appending($0) } ?? path)
        try v.encode(to: child)
        child.sortIfDictionary()
        return child.node ?? .object(ObjectBox())
    }
}

/// A Swift dictionary iterates in an order that differs from one instance to the next, so its
/// keys are written sorted, as Go's encoding/json writes a map's: the same value always
/// encodes to the same text, whatever the writer's `sortedKeys` says about struct fields.
/// A dictionary is told by the key type of its container, the standard library's private
/// `_DictionaryCodingKey`, learnt once by encoding one: an `is` test against a protocol on
/// every value would look through the whole conformance table for each new type, which in
/// a short-lived process (the runtime saving its state) costs a few hundred microseconds.
extension ValueEncoder {
    static let dictionaryKeyType: ObjectIdentifier? = {
        let probe = ValueEncoder(path: nil)
        try? ["k": 0].encode(to: probe)
        return probe.keyType
    }()

    func sortIfDictionary() {
        guard let keyType, keyType == Self.dictionaryKeyType, case .object(let box)? = node else { return }
        box.sortKeys()
    }
}

extension ObjectBox {
    func sortKeys() {
        let order = keys.indices.sorted { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }
        keys = order.map { keys[$0] }
        nodes = order.map { nodes[$0] }
    }
}

struct SingleEncoder: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    func put(_ node: Node) { encoder.node = node }

    mutating func encodeNil() throws { put(.value(.null)) }
    mutating func encode(_ value: Bool) throws { put(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { put(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { put(try Box.double(value, encoder.path, nil)) }
    mutating func encode(_ value: Float) throws { put(try Box.float(value, encoder.path, nil)) }
    mutating func encode(_ value: Int) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int8) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int16) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int32) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int64) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt8) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt16) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt32) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt64) throws { put(Box.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        // A fresh child at the same path: the value replaces whatever this container held.
        put(try Box.value(value, encoder.path, nil))
    }
}

struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    let path: PathNode?
    var codingPath: [any CodingKey] { path.keys() }

    func put(_ node: Node, _ key: Key) { box.set(key.stringValue, node) }

    mutating func encodeNil(forKey key: Key) throws { put(.value(.null), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.value(.bool(value)), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.value(.string(value)), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try Box.double(value, path, key), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(try Box.float(value, path, key), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(Box.integer(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { put(try Box.value(value, path, key), key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        put(.object(nested), key)
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(box: nested, path: path.appending(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        put(.array(nested), key)
        return UnkeyedEncoder(box: nested, path: path.appending(key))
    }

    mutating func superEncoder() -> any Encoder {
        let key = SuperKey()
        let e = ValueEncoder(path: path.appending(key))
        box.set(key.stringValue, .encoder(e))
        return e
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let e = ValueEncoder(path: path.appending(key))
        put(.encoder(e), key)
        return e
    }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let box: ArrayBox
    let path: PathNode?
    var codingPath: [any CodingKey] { path.keys() }
    var count: Int { box.nodes.count }

    var nextKey: IndexKey { IndexKey(box.nodes.count) }
    func put(_ node: Node) { box.nodes.append(node) }

    mutating func encodeNil() throws { put(.value(.null)) }
    mutating func encode(_ value: Bool) throws { put(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { put(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { put(try Box.double(value, path, nextKey)) }
    mutating func encode(_ value: Float) throws { put(try Box.float(value, path, nextKey)) }
    mutating func encode(_ value: Int) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int8) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int16) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int32) throws { put(Box.integer(value)) }
    mutating func encode(_ value: Int64) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt8) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt16) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt32) throws { put(Box.integer(value)) }
    mutating func encode(_ value: UInt64) throws { put(Box.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { put(try Box.value(value, path, nextKey)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        let p = path.appending(nextKey)
        put(.object(nested))
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(box: nested, path: p))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        let p = path.appending(nextKey)
        put(.array(nested))
        return UnkeyedEncoder(box: nested, path: p)
    }

    mutating func superEncoder() -> any Encoder {
        let e = ValueEncoder(path: path.appending(nextKey))
        put(.encoder(e))
        return e
    }
}
