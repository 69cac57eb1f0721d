import LinuxSys
import DockerAPI

/// Docker's event stream: recent events kept for `--since`, live ones fanned out to
/// subscribers. Subscribers are queues drained by their own connection thread, so a slow
/// client never blocks the publisher.
public final class EventBus: @unchecked Sendable {
    public final class Subscription: @unchecked Sendable {
        let cond = Condition()
        var queue: [EventMessage] = []
        var closed = false

        /// The next event, or nil after `timeout` seconds (or when closed).
        public func next(timeout: Double) -> EventMessage? {
            cond.with {
                if queue.isEmpty && !closed { _ = cond.wait(seconds: timeout) }
                return queue.isEmpty ? nil : queue.removeFirst()
            }
        }
    }

    private let lock = Lock()
    private var recent: [EventMessage] = []
    private var subscribers: [ObjectIdentifier: Subscription] = [:]
    private let keep = 1024

    public init() {}

    public func publish(type: String, action: String, id: String, attributes: [String: String]) {
        let e = EventMessage(type: type, action: action, id: id, attributes: attributes, timeNano: WallTime.now().unixNano)
        let subs = lock.with { () -> [Subscription] in
            recent.append(e)
            if recent.count > keep { recent.removeFirst(recent.count - keep) }
            return Array(subscribers.values)
        }
        for s in subs { s.cond.with { s.queue.append(e); s.cond.broadcast() } }
    }

    /// Subscribes and returns the buffered events at or after `since` (nanoseconds).
    public func subscribe(since: Int64?) -> (Subscription, [EventMessage]) {
        let s = Subscription()
        let past = lock.with { () -> [EventMessage] in
            subscribers[ObjectIdentifier(s)] = s
            guard let since else { return [] }
            return recent.filter { $0.timeNano >= since }
        }
        return (s, past)
    }

    public func unsubscribe(_ s: Subscription) {
        _ = lock.with { subscribers.removeValue(forKey: ObjectIdentifier(s)) }
        s.cond.with { s.closed = true; s.cond.broadcast() }
    }

    public func history(since: Int64?, until: Int64?) -> [EventMessage] {
        lock.with { recent.filter { (since == nil || $0.timeNano >= since!) && (until == nil || $0.timeNano <= until!) } }
    }
}
