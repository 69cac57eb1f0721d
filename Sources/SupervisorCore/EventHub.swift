import LinuxSys
import Wire
import ShimAPI
import SupervisorAPI

/// Fans events out to subscribers and keeps the most recent ones, so a client
/// that subscribes with replay (typically after a supervisor restart) still gets
/// exits found during recovery.
///
/// One lock covers buffering, live delivery and subscribing: a subscriber sees
/// every event exactly once, either replayed or live, in publication order.
public final class EventHub: @unchecked Sendable {
    private let lock = Lock()
    private var ring: [(name: String, frame: [UInt8])] = []
    private var head = 0
    private let capacity: Int
    private var server: RPCServer?

    public init(capacity: Int) { self.capacity = capacity }

    /// Events published before this are buffered only.
    public func attach(_ server: RPCServer) {
        lock.with { self.server = server }
    }

    public func publish(_ name: String, _ event: TaskEvent) {
        guard let frame = try? WireJSON.encode(EventMessage(event: name, params: event)) else { return }
        lock.with {
            if capacity > 0 {
                if ring.count < capacity { ring.append((name, frame)) } else {
                    ring[head] = (name, frame)
                    head = (head + 1) % capacity
                }
            }
            server?.publish(name, event)
        }
    }

    public func subscribe(_ connection: ServerConnection, topics: [String], replay: Bool) {
        lock.with {
            if replay {
                let wanted = Set(topics)
                for i in 0..<ring.count {
                    let e = ring[(head + i) % ring.count]
                    guard wanted.isEmpty || wanted.contains(e.name) else { continue }
                    if (try? connection.frames.writeFrame(e.frame)) == nil { connection.frames.shutdown(); return }
                }
            }
            connection.subscribe(topics: topics)
        }
    }

    /// The buffered events, oldest first (for tests and debugging).
    public func buffered() -> [String] {
        lock.with { (0..<ring.count).map { ring[(head + $0) % ring.count].name } }
    }
}
