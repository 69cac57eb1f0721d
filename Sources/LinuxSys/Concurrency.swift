import Glibc

/// A pthread mutex. Daemons use plain threads and blocking I/O (measured: a thread
/// per connection is the fastest Unix-socket server here); no Dispatch, no async.
public final class Lock: @unchecked Sendable {
    private var m = pthread_mutex_t()
    public init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    public func lock() { pthread_mutex_lock(&m) }
    public func unlock() { pthread_mutex_unlock(&m) }
    @discardableResult
    public func with<T>(_ body: () throws -> T) rethrows -> T {
        lock(); defer { unlock() }
        return try body()
    }
}

/// A condition variable with its own mutex, for "wait until X happens".
public final class Condition: @unchecked Sendable {
    private var m = pthread_mutex_t()
    private var c = pthread_cond_t()
    public init() {
        pthread_mutex_init(&m, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&c, &attr)
        pthread_condattr_destroy(&attr)
    }
    deinit { pthread_cond_destroy(&c); pthread_mutex_destroy(&m) }
    public func lock() { pthread_mutex_lock(&m) }
    public func unlock() { pthread_mutex_unlock(&m) }
    public func broadcast() { pthread_cond_broadcast(&c) }
    @discardableResult
    public func with<T>(_ body: () throws -> T) rethrows -> T {
        lock(); defer { unlock() }
        return try body()
    }
    /// Waits while locked; false on timeout.
    public func wait(seconds: Double? = nil) -> Bool {
        guard let seconds else { pthread_cond_wait(&c, &m); return true }
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let ns = Int(ts.tv_nsec) + Int((seconds - seconds.rounded(.down)) * 1e9)
        ts.tv_sec += Int(seconds) + ns / 1_000_000_000
        ts.tv_nsec = ns % 1_000_000_000
        return pthread_cond_timedwait(&c, &m, &ts) == 0
    }
}

/// Starts a detached thread running `body`; if no thread can be created, runs it here.
public func spawnThread(_ body: @escaping @Sendable () -> Void) {
    if !startThread(body) { body() }
}

/// Starts a detached thread running `body`; false (and `body` not run) if none could be
/// created, for callers that must not run it inline.
@discardableResult
public func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var tid = pthread_t()
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attr, 512 * 1024)
    let r = pthread_create(&tid, &attr, { arg in
        guard let arg else { return nil }
        let b = Unmanaged<Box>.fromOpaque(arg).takeRetainedValue()
        b.body()
        return nil
    }, box)
    pthread_attr_destroy(&attr)
    if r != 0 { Unmanaged<Box>.fromOpaque(box).release() }
    return r == 0
}
