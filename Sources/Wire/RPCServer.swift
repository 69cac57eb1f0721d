import LinuxSys
import Glibc
import CLinux

/// One request as a handler sees it.
public struct Call: @unchecked Sendable {
    public let method: String
    public let id: Int
    public let frame: [UInt8]
    public let connection: ServerConnection

    public func params<P: Decodable>(_ type: P.Type) throws -> P {
        try WireJSON.params(type, from: frame)
    }
}

/// A client connection on the server side; subscribers get events on it.
public final class ServerConnection: @unchecked Sendable {
    public let frames: FrameConnection
    fileprivate var helloDone = false
    // Written by the connection's thread, read by publishers on any thread.
    private let topicsLock = Lock()
    private var _topics: Set<String>? = nil   // nil: not subscribed; empty: everything
    public var topics: Set<String>? { topicsLock.with { _topics } }
    public var isSubscribed: Bool { topics != nil }

    init(frames: FrameConnection) { self.frames = frames }

    /// Events named in `topics` (all when empty) are sent on this connection from now on.
    public func subscribe(topics: [String]) { topicsLock.with { _topics = Set(topics) } }

    func wants(_ event: String) -> Bool {
        topicsLock.with { _topics.map { $0.isEmpty || $0.contains(event) } ?? false }
    }
}

/// A framed-JSON RPC server on a Unix socket: Hello handshake, method table,
/// per-connection threads, and event fan-out to subscribed connections.
public final class RPCServer: @unchecked Sendable {
    public typealias Handler = @Sendable (Call) throws -> any Encodable
    public let protocolName: String
    public let version: Int
    public let serverName: String
    public var maxFrame = FrameConnection.defaultMaxFrame
    /// Logs every frame as `<name> < {...}` / `> {...}` when set.
    public var traceSink: (@Sendable (String) -> Void)?
    public var onDisconnect: (@Sendable (ServerConnection) -> Void)?
    private var handlers: [String: Handler] = [:]
    private let lock = Lock()
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var listenFd: Int32 = -1

    public init(protocolName: String, version: Int, serverName: String) {
        self.protocolName = protocolName
        self.version = version
        self.serverName = serverName
    }

    public func register(_ method: String, _ handler: @escaping Handler) {
        handlers[method] = handler
    }

    /// Binds the socket (replacing a stale one), mode 0600 unless given.
    public func listen(path: String, mode: mode_t = 0o600) throws {
        unlink(path)
        let fd = berth_unix_listen(path, 128, Int32(SOCK_STREAM.rawValue))
        if fd < 0 { throw WireError.unavailable("listen on \(path): \(String(cString: strerror(errno)))") }
        chmod(path, mode)
        listenFd = fd
    }

    /// Accepts until the listening socket is closed; each connection gets a thread.
    public func serve() {
        while true {
            let fd = berth_accept_cloexec(listenFd)
            if fd < 0 {
                let e = errno
                if e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM { usleep(10000); continue }
                // A client that gave up before accept must not stop the server.
                if e == ECONNABORTED || e == EPROTO || e == EPERM { continue }
                return
            }
            let conn = ServerConnection(frames: FrameConnection(fd: fd, maxFrame: maxFrame))
            if let sink = traceSink {
                let name = serverName, tag = conn.frames.tag
                conn.frames.trace = { dir, body in sink("\(name) \(tag) \(dir) \(String(decoding: body, as: UTF8.self))") }
            }
            lock.with { connections[ObjectIdentifier(conn)] = conn }
            spawnThread { [self] in
                self.run(conn)
                self.lock.with { _ = self.connections.removeValue(forKey: ObjectIdentifier(conn)) }
                self.onDisconnect?(conn)
                conn.frames.close()
            }
        }
    }

    public func stop() {
        if listenFd >= 0 { Glibc.shutdown(listenFd, Int32(SHUT_RDWR)); Glibc.close(listenFd); listenFd = -1 }
    }

    /// Sends an event to every subscriber interested in it.
    public func publish<P: Encodable>(_ event: String, _ params: P) {
        guard let body = try? WireJSON.encode(EventMessage(event: event, params: params)) else { return }
        let targets = lock.with { connections.values.filter { $0.wants(event) } }
        for c in targets {
            if (try? c.frames.writeFrame(body)) == nil { c.frames.shutdown() }
        }
    }

    private func run(_ conn: ServerConnection) {
        while true {
            let frame: [UInt8]
            do {
                frame = try conn.frames.readFrame()
            } catch FrameConnection.ReadError.tooLarge(let n) {
                reply(conn, id: nil, WireError.invalid("frame of \(n) bytes exceeds the \(maxFrame)-byte limit; closing the connection"))
                return
            } catch {
                return
            }
            handle(conn, frame)
        }
    }

    private func handle(_ conn: ServerConnection, _ frame: [UInt8]) {
        guard String(validating: frame, as: UTF8.self) != nil else {
            return reply(conn, id: nil, WireError.invalid("frame is not valid UTF-8"))
        }
        let head: MessageHead
        do {
            head = try WireJSON.decode(MessageHead.self, from: frame)
        } catch let e as DecodingError {
            // An object whose id or method has the wrong type: say which.
            if case .typeMismatch(_, let ctx) = e, !ctx.codingPath.isEmpty {
                return reply(conn, id: nil, WireError.invalid(WireJSON.describe(e)))
            }
            return reply(conn, id: nil, WireError.invalid("a frame must hold one JSON object: {\"id\", \"method\", \"params\"}"))
        } catch {
            return reply(conn, id: nil, WireError.invalid("a frame must hold one JSON object: {\"id\", \"method\", \"params\"}"))
        }
        guard let id = head.id else { return reply(conn, id: nil, WireError.invalid("request has no \"id\"")) }
        guard let method = head.method else { return reply(conn, id: id, WireError.invalid("request has no \"method\"")) }
        if method == "Hello" { return hello(conn, id: id, frame) }
        guard conn.helloDone else {
            return reply(conn, id: id, WireError.precondition("the first request on a connection must be Hello"))
        }
        guard let h = handlers[method] else {
            return reply(conn, id: id, WireError(.unimplemented, "unknown method \"\(method)\""))
        }
        do {
            let result = try h(Call(method: method, id: id, frame: frame, connection: conn))
            try conn.frames.send(AnyResult(id: id, result: result))
        } catch let e as WireError {
            reply(conn, id: id, e)
        } catch {
            reply(conn, id: id, WireError.internal("\(error)"))
        }
    }

    private func hello(_ conn: ServerConnection, id: Int, _ frame: [UInt8]) {
        do {
            let p = try WireJSON.params(HelloParams.self, from: frame)
            guard p.protocol == protocolName, p.version == version else {
                throw WireError.precondition("protocol mismatch: this server speaks \(protocolName) version \(version), the client asked for \(p.protocol) version \(p.version)")
            }
            conn.helloDone = true
            try conn.frames.send(ResultMessage(id: id, result: HelloResult(protocol: protocolName, version: version, server: serverName)))
        } catch let e as WireError {
            reply(conn, id: id, e)
        } catch {
            reply(conn, id: id, WireError.internal("\(error)"))
        }
    }

    private func reply(_ conn: ServerConnection, id: Int?, _ e: WireError) {
        try? conn.frames.send(ErrorMessage(id: id, error: e))
    }
}

/// Encodes an existential result.
struct AnyResult: Encodable {
    var id: Int
    var result: any Encodable
    enum CodingKeys: String, CodingKey { case id, result }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(result, forKey: .result)
    }
}
