import Glibc
import ShimAPI
import Wire

/// The wire adapter: every ShimMethod decoded, passed to the service, answered.
public final class ShimServer: @unchecked Sendable {
    public let rpc: RPCServer
    let service: ShimService
    let log: ShimLog
    /// Called once Shim.Shutdown has been accepted (the response still has to go out).
    var onShutdown: @Sendable () -> Void = {}

    public init(service: ShimService, log: ShimLog, trace: Bool) {
        self.service = service
        self.log = log
        rpc = RPCServer(protocolName: ShimProtocol.name, version: ShimProtocol.version, serverName: "berth-shim 0.1.0")
        if trace { rpc.traceSink = { line in log.trace(line) } }
        rpc.onDisconnect = { [service] conn in service.detach(conn) }
        let rpc = self.rpc
        service.publish = { name, event in rpc.publish(name, event) }
        registerAll()
    }

    /// Registers `method`; params are decoded (missing `params` counts as `{}`) and the call
    /// logged with --debug.
    private func on<P: Decodable & Sendable>(_ method: String, _ type: P.Type,
                                  _ body: @escaping @Sendable (P, Call) throws -> any Encodable) {
        let log = self.log
        rpc.register(method) { call in
            let params = try Self.decode(P.self, call.frame)
            if log.debugEnabled { log.debug("call \(method) \(String(decoding: Self.paramsText(call.frame), as: UTF8.self))") }
            do {
                return try body(params, call)
            } catch let e as WireError {
                log.debug("\(method) failed: \(e.code.rawValue): \(e.message)")
                throw e
            }
        }
    }

    private struct MaybeParams<P: Decodable>: Decodable { var params: P? }

    static func decode<P: Decodable>(_ type: P.Type, _ frame: [UInt8]) throws -> P {
        do {
            if let p = try ShimJSON.decode(MaybeParams<P>.self, frame).params { return p }
            return try ShimJSON.decode(P.self, Array("{}".utf8))
        } catch let e as DecodingError {
            throw WireError.invalid(WireJSON.describe(e))
        }
    }

    /// The request's text, shortened, for --debug.
    static func paramsText(_ frame: [UInt8]) -> [UInt8] {
        frame.count > 512 ? Array(frame[0..<512]) + Array("...".utf8) : frame
    }

    private func registerAll() {
        let s = service
        on(ShimMethod.create, ShimCreateParams.self) { p, _ in try s.create(p) }
        on(ShimMethod.start, ProcessRef.self) { p, _ in try s.start(p) }
        on(ShimMethod.state, ProcessRef.self) { p, _ in try s.state(p) }
        on(ShimMethod.kill, KillParams.self) { p, _ in try s.kill(p); return Empty() }
        on(ShimMethod.wait, ProcessRef.self) { p, _ in try s.wait(p) }
        on(ShimMethod.exec, ExecParams.self) { p, _ in try s.exec(p); return Empty() }
        on(ShimMethod.resizePty, ResizeParams.self) { p, _ in try s.resize(p); return Empty() }
        on(ShimMethod.closeStdin, ProcessRef.self) { p, _ in try s.closeStdin(p); return Empty() }
        on(ShimMethod.attach, AttachParams.self) { p, call in
            try s.attach(p, connection: call.connection)
            Self.limitSendTime(call.connection)
            return Empty()
        }
        on(ShimMethod.writeStdin, WriteStdinParams.self) { p, _ in try s.writeStdin(p); return Empty() }
        on(ShimMethod.pause, Empty.self) { _, _ in try s.pause(); return Empty() }
        on(ShimMethod.resume, Empty.self) { _, _ in try s.resume(); return Empty() }
        on(ShimMethod.update, UpdateParams.self) { p, _ in try s.update(p); return Empty() }
        on(ShimMethod.stats, Empty.self) { _, _ in try s.stats() }
        on(ShimMethod.pids, Empty.self) { _, _ in try s.pids() }
        on(ShimMethod.delete, ProcessRef.self) { p, _ in try s.delete(p) }
        on(ShimMethod.subscribe, SubscribeParams.self) { p, call in
            call.connection.subscribe(topics: p.topics ?? [])
            return Empty()
        }
        on(ShimMethod.shutdown, Empty.self) { [self] _, _ in
            try s.beginShutdown()
            onShutdown()
            return Empty()
        }
    }

    /// An attached client that stops reading must not stall the container's output for ever:
    /// after 10 s blocked its writes fail and it is detached.
    static func limitSendTime(_ connection: ServerConnection) {
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(connection.frames.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
