import Glibc

/// A client of one framed-JSON service: connects, says Hello, then makes calls.
/// Events that arrive while waiting for a response are queued for `nextEvent`.
/// One thread at a time per client; open several clients for concurrent calls.
public final class RPCClient: @unchecked Sendable {
    public let frames: FrameConnection
    public let server: HelloResult
    private var nextID = 1
    private var queued: [(name: String, frame: [UInt8])] = []

    public init(path: String, protocolName: String, version: Int, clientName: String,
                trace: (@Sendable (String) -> Void)? = nil) throws {
        frames = try FrameConnection.connect(path)
        if let trace { let tag = frames.tag
            frames.trace = { dir, body in trace("\(clientName) \(tag) \(dir) \(String(decoding: body, as: UTF8.self))") } }
        var id = 0
        server = try RPCClient.call(frames, &id, &queued, "Hello",
                                    HelloParams(protocol: protocolName, version: version, client: clientName), HelloResult.self)
        nextID = id
    }

    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, _ type: R.Type) throws -> R {
        try RPCClient.call(frames, &nextID, &queued, method, params, type)
    }

    /// The raw result frame, for tools that print whatever came back.
    public func callRaw<P: Encodable>(_ method: String, _ params: P) throws -> [UInt8] {
        let id = nextID
        nextID += 1
        try frames.send(Request(id: id, method: method, params: params))
        while true {
            let f = try frames.readFrame()
            let head = try WireJSON.decode(MessageHead.self, from: f)
            if let e = head.event { queued.append((e, f)); continue }
            if let err = head.error { throw err }
            if head.id == id { return f }
        }
    }

    private static func call<P: Encodable, R: Decodable>(_ frames: FrameConnection, _ nextID: inout Int,
                                                         _ queued: inout [(name: String, frame: [UInt8])],
                                                         _ method: String, _ params: P, _ type: R.Type) throws -> R {
        let id = nextID
        nextID += 1
        try frames.send(Request(id: id, method: method, params: params))
        while true {
            let f: [UInt8]
            do { f = try frames.readFrame() } catch {
                throw WireError.unavailable("\(method): \(error)")
            }
            let head = try WireJSON.decode(MessageHead.self, from: f)
            if let e = head.event { queued.append((e, f)); continue }
            guard head.id == id || head.id == nil else { continue }
            if let err = head.error { throw err }
            do {
                return try WireJSON.decode(ResultBody<R>.self, from: f).result
            } catch let e as DecodingError {
                throw WireError.internal("\(method): unexpected result: \(WireJSON.describe(e))")
            }
        }
    }

    /// Blocks for the next event on this connection.
    public func nextEvent() throws -> (name: String, frame: [UInt8]) {
        if !queued.isEmpty { return queued.removeFirst() }
        while true {
            let f = try frames.readFrame()
            let head = try WireJSON.decode(MessageHead.self, from: f)
            if let e = head.event { return (e, f) }
        }
    }

    public func close() { frames.close() }
}
