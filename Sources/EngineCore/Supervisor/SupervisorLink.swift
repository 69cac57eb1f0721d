import Glibc
import LinuxSys
import Wire
import SupervisorAPI
import ShimAPI

/// berthd's side of the supervisor protocol: a pool of connections for calls (a call
/// that blocks, like Task.Wait, holds its own connection), one subscribed connection
/// for events, and — unless `--supervisor` named a running one — the supervisor
/// process itself, started in its own session so it and the containers outlive berthd.
public final class SupervisorLink: @unchecked Sendable {
    public struct Launch: Sendable {
        public var binary: String
        public var root: String
        public var shimDir: String
        public var runtimeRoot: String
        public var runtime: String
        public var logPath: String
        public var debug: Bool
        public init(binary: String, root: String, shimDir: String, runtimeRoot: String, runtime: String,
                    logPath: String, debug: Bool) {
            self.binary = binary; self.root = root; self.shimDir = shimDir; self.runtimeRoot = runtimeRoot
            self.runtime = runtime; self.logPath = logPath; self.debug = debug
        }
    }

    public let socket: String
    let launch: Launch?
    let log: EngineLog
    private let lock = Lock()
    private var idle: [RPCClient] = []

    public init(socket: String, launch: Launch?, log: EngineLog) {
        self.socket = socket; self.launch = launch; self.log = log
    }

    /// Connects to a supervisor already serving at `socket`, or starts ours.
    public func ensureRunning() throws {
        if let c = try? connect() { release(c); return }
        guard let launch else {
            throw EngineError(.unavailable, "cannot connect to the supervisor at \(socket): is berth-supervisor running?")
        }
        try FileIO.mkdirAll(FileIO.parent(of: socket))
        try FileIO.mkdirAll(FileIO.parent(of: launch.logPath))
        let logFd = open(launch.logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        defer { if logFd >= 0 { close(logFd) } }
        var args = ["--address", socket, "--root", launch.root, "--shim-dir", launch.shimDir,
                    "--runtime-root", launch.runtimeRoot, "--runtime", launch.runtime]
        if launch.debug { args.append("--debug") }
        let pid = try ChildProcess.spawnDetached(launch.binary, args, logFd: logFd)
        log.info("started \(launch.binary) (pid \(pid)) on \(socket)")
        // Reap it if it exits while we live; the kernel re-parents it to init when we die.
        spawnThread { var st: Int32 = 0; while waitpid(pid, &st, 0) < 0 && errno == EINTR {} }
        let deadline = ChildProcess.monotonicNow() + 20
        while ChildProcess.monotonicNow() < deadline {
            if let c = try? connect() { release(c); return }
            if kill(pid, 0) != 0 { break }
            usleep(10_000)
        }
        throw EngineError(.unavailable, "berth-supervisor did not come up on \(socket); see \(launch.logPath)")
    }

    func connect() throws -> RPCClient {
        try RPCClient(path: socket, protocolName: SupervisorProtocol.name, version: SupervisorProtocol.version, clientName: "berthd")
    }

    private func take() throws -> RPCClient {
        if let c = lock.with({ idle.popLast() }) { return c }
        do { return try connect() } catch {
            throw EngineError(.unavailable, "cannot reach the supervisor at \(socket): \(error)")
        }
    }

    private func release(_ c: RPCClient) {
        let keep = lock.with { () -> Bool in
            guard idle.count < 8 else { return false }
            idle.append(c)
            return true
        }
        if !keep { c.close() }
    }

    /// One call; a supervisor error becomes an EngineError with the matching kind.
    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, _ type: R.Type) throws -> R {
        let c = try take()
        do {
            let r = try c.call(method, params, type)
            release(c)
            return r
        } catch let e as WireError {
            release(c)
            throw EngineError(Self.kind(e.code), e.message)
        } catch {
            c.close()
            throw EngineError(.unavailable, "supervisor \(method): \(error)")
        }
    }

    public func callVoid<P: Encodable>(_ method: String, _ params: P) throws {
        _ = try call(method, params, Empty.self)
    }

    struct Empty: Codable {}

    static func kind(_ code: ErrorCode) -> EngineError.Kind {
        switch code {
        case .notFound: return .notFound
        case .alreadyExists, .failedPrecondition: return .conflict
        case .invalidArgument: return .invalidArgument
        case .unavailable, .deadlineExceeded: return .unavailable
        default: return .internal
        }
    }

    /// Delivers every supervisor event to `handler` on a thread of its own, reconnecting
    /// (and restarting our supervisor) when the connection drops. Replay asks for the exits
    /// the supervisor saw while we were away.
    public func subscribe(_ handler: @escaping @Sendable (String, [UInt8]) -> Void) {
        spawnThread { [self] in
            var backoff: UInt32 = 50_000
            while true {
                do {
                    try pumpEvents(handler) { backoff = 50_000 }
                } catch {
                    log.warn("supervisor event stream: \(error); reconnecting")
                    usleep(backoff)
                    backoff = min(backoff * 2, 2_000_000)
                    if launch != nil { try? ensureRunning() }
                }
            }
        }
    }

    /// One connection's events, until it fails. Out of line on purpose: inlined into the
    /// reconnect loop above (with the RPC client's own loops inlined across modules), these
    /// nested endless loops kept Swift 6.3's loop-invariant code motion pass busy for over
    /// 30 minutes in a release build of this module.
    @inline(never)
    private func pumpEvents(_ handler: @Sendable (String, [UInt8]) -> Void, connected: () -> Void) throws {
        let c = try connect()
        _ = try c.callRaw(SupervisorMethod.subscribe, SubscribeParams(topics: nil, replay: true))
        connected()
        while true {
            let (name, frame) = try c.nextEvent()
            handler(name, frame)
        }
    }
}
