import JSON

/// `{"id": 7, "method": "Task.Create", "params": {...}}`
public struct Request<P: Encodable>: Encodable {
    public var id: Int
    public var method: String
    public var params: P
    public init(id: Int, method: String, params: P) {
        self.id = id; self.method = method; self.params = params
    }
}

/// Just enough of any incoming message to route it: request, response or event.
public struct MessageHead: Decodable, Sendable {
    public var id: Int?
    public var method: String?
    public var event: String?
    public var error: WireError?
    public var hasResult: Bool

    enum CodingKeys: String, CodingKey { case id, method, event, error, result }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int.self, forKey: .id)
        method = try c.decodeIfPresent(String.self, forKey: .method)
        event = try c.decodeIfPresent(String.self, forKey: .event)
        error = try c.decodeIfPresent(WireError.self, forKey: .error)
        hasResult = c.contains(.result)
    }
}

struct ParamsBody<P: Decodable>: Decodable { var params: P }
struct ResultBody<R: Decodable>: Decodable { var result: R }

/// `{"id": 7, "result": {...}}`
struct ResultMessage<R: Encodable>: Encodable {
    var id: Int?
    var result: R
}

/// `{"id": 7, "error": {"code": "NotFound", "message": "..."}}`; id is null when the
/// request could not even be read.
struct ErrorMessage: Encodable {
    var id: Int?
    var error: WireError

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let id { try c.encode(id, forKey: .id) } else { try c.encodeNil(forKey: .id) }
        try c.encode(error, forKey: .error)
    }
    enum CodingKeys: String, CodingKey { case id, error }
}

/// `{"event": "TaskExit", "params": {...}}`
public struct EventMessage<P: Encodable>: Encodable {
    public var event: String
    public var params: P
    public init(event: String, params: P) { self.event = event; self.params = params }
}

/// An empty params or result object, `{}`.
public struct Empty: Codable, Sendable, Equatable {
    public init() {}
}

/// The handshake every connection opens with.
public struct HelloParams: Codable, Sendable {
    public var `protocol`: String
    public var version: Int
    public var client: String?
    public init(protocol: String, version: Int, client: String? = nil) {
        self.protocol = `protocol`; self.version = version; self.client = client
    }
}

public struct HelloResult: Codable, Sendable {
    public var `protocol`: String
    public var version: Int
    public var server: String
    public init(protocol: String, version: Int, server: String) {
        self.protocol = `protocol`; self.version = version; self.server = server
    }
}

public enum WireJSON {
    /// Compact, keys sorted, "/" unescaped: the bytes Foundation's JSONEncoder wrote with
    /// [.sortedKeys, .withoutEscapingSlashes], which the golden examples pin.
    public static func encode<T: Encodable>(_ v: T) throws -> [UInt8] {
        try JSON.encode(v, sortedKeys: true)
    }

    /// Decodes a whole frame or file; malformed text throws DecodingError.dataCorrupted
    /// with an empty coding path, as JSONDecoder did.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSON.decode(type, from: bytes)
    }

    /// Decodes `params` of a request, turning a DecodingError into an
    /// InvalidArgument naming the field ("params.bundle: required field is missing").
    public static func params<P: Decodable>(_ type: P.Type, from frame: [UInt8]) throws -> P {
        do {
            return try JSON.decode(ParamsBody<P>.self, from: frame).params
        } catch DecodingError.keyNotFound(let key, let ctx) where ctx.codingPath.isEmpty && key.stringValue == "params" {
            // PROTOCOL.md: an omitted params is the same as {}.
            do {
                return try JSON.decode(P.self, from: .object(JSONObject()))
            } catch let e as DecodingError {
                throw WireError.invalid(describe(e, under: "params"))
            }
        } catch let e as DecodingError {
            throw WireError.invalid(describe(e))
        }
    }

    /// `under` prefixes the path when the decoded value was not the whole message.
    public static func describe(_ e: DecodingError, under root: String? = nil) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = root ?? ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
            }
            return out.isEmpty ? "message" : out
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            return "\(path(ctx.codingPath + [key])): required field is missing"
        case .typeMismatch(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let ctx):
            return "\(path(ctx.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? "invalid JSON" : "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default:
            return "invalid message"
        }
    }

    static func typeName(_ t: Any.Type) -> String {
        if t is String.Type { return "a string" }
        if t is Bool.Type { return "a boolean" }
        if t is any BinaryInteger.Type || t is any BinaryFloatingPoint.Type { return "a number" }
        let n = "\(t)"
        return n.hasPrefix("Array") ? "an array" : "an object"
    }
}
