import Glibc
import Wire
import ShimAPI
import SupervisorAPI

/// The wire adapter: decodes each SupervisorMethod's params, calls TaskManager,
/// returns its result. No logic lives here.
public struct SupervisorService: Sendable {
    let manager: TaskManager
    let hub: EventHub

    public init(manager: TaskManager, hub: EventHub) {
        self.manager = manager
        self.hub = hub
    }

    public func register(on server: RPCServer) {
        let m = manager
        let hub = self.hub
        server.register(SupervisorMethod.create) { try m.create(try $0.params(TaskCreateParams.self)) }
        server.register(SupervisorMethod.start) { try m.start(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.kill) { try m.kill(try $0.params(TaskKillParams.self)) }
        server.register(SupervisorMethod.wait) { try m.wait(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.delete) { try m.delete(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.exec) { try m.exec(try $0.params(TaskExecParams.self)) }
        server.register(SupervisorMethod.list) { _ in m.list() }
        server.register(SupervisorMethod.get) { try m.get(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.pause) { try m.pause(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.resume) { try m.resume(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.update) { try m.update(try $0.params(TaskUpdateParams.self)) }
        server.register(SupervisorMethod.stats) { try m.stats(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.resizePty) { try m.resizePty(try $0.params(TaskResizeParams.self)) }
        server.register(SupervisorMethod.closeStdin) { try m.closeStdin(try $0.params(TaskRef.self)) }
        server.register(SupervisorMethod.subscribe) { call in
            let p = try optionalParams(SubscribeParams.self, call) ?? SubscribeParams()
            let topics = p.topics ?? []
            for (i, t) in topics.enumerated() where !SupervisorEvent.all.contains(t) {
                throw WireError.invalid("params.topics[\(i)]: unknown event \"\(t)\" (known: \(SupervisorEvent.all.joined(separator: ", ")))")
            }
            // A subscriber that stops reading must not stall every publisher: after 5 s
            // its write fails and the connection is dropped.
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            _ = setsockopt(call.connection.frames.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            hub.subscribe(call.connection, topics: topics, replay: p.replay ?? false)
            return Empty()
        }
    }
}

private struct OptionalParams<P: Decodable>: Decodable { var params: P? }

/// Params of a method whose params may be omitted (PROTOCOL.md: `{}` is the same).
private func optionalParams<P: Decodable>(_ type: P.Type, _ call: Call) throws -> P? {
    do {
        return try WireJSON.decode(OptionalParams<P>.self, from: call.frame).params
    } catch let e as DecodingError {
        throw WireError.invalid(WireJSON.describe(e))
    }
}
