import Foundation
import XCTest
import Wire
import ShimAPI
import SupervisorAPI
import OCISpec

/// One berth-supervisor started by a test, with private paths inside the sandbox:
/// its socket and durable root are its own, shims and runtime state go to the sandbox's
/// directories (so DaemonTestCase's cleanup finds them).
final class SupervisorDaemon: @unchecked Sendable {
    let address: String
    let root: String
    let arguments: [String]
    private(set) var process: ChildProcess?
    private let start: ([String]) throws -> ChildProcess

    init(address: String, root: String, arguments: [String], start: @escaping ([String]) throws -> ChildProcess) {
        self.address = address
        self.root = root
        self.arguments = arguments
        self.start = start
    }

    var pid: Int32 { process?.pid ?? 0 }

    /// Starts (or restarts) the daemon and waits until it answers Hello.
    func launch() throws {
        unlink(address)
        let p = try start(arguments)
        process = p
        let deadline = Date().addingTimeInterval(30)
        while true {
            if let c = try? client() { c.close(); return }
            if p.hasExited { throw HarnessError("berth-supervisor exited at start: \(p.wait(timeout: 1))") }
            if Date() > deadline { throw HarnessError("berth-supervisor did not serve \(address) within 30 s: \(p.currentStderr)") }
            usleep(20_000)
        }
    }

    func client() throws -> RPCClient {
        try RPCClient(path: address, protocolName: SupervisorProtocol.name, version: SupervisorProtocol.version,
                      clientName: "supervisor-tests")
    }

    /// One call on a connection of its own.
    func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, _ type: R.Type = R.self) throws -> R {
        let c = try client()
        defer { c.close() }
        return try c.call(method, params, type)
    }

    func get(_ id: String) throws -> TaskInfo { try call(SupervisorMethod.get, TaskRef(id: id)) }
    func list() throws -> [TaskInfo] { try call(SupervisorMethod.list, Empty(), TaskListResult.self).tasks }

    /// SIGKILL: no chance to clean anything up.
    func crash() {
        guard let p = process else { return }
        kill(p.pid, SIGKILL)
        p.wait(timeout: 10)
    }

    /// SIGTERM: the clean stop, which must leave shims and containers running.
    func stop() -> ChildResult? {
        guard let p = process else { return nil }
        kill(p.pid, SIGTERM)
        return p.wait(timeout: 20)
    }

    var stderr: String { process?.currentStderr ?? "" }
}

/// Events of one subscription, collected on a thread of their own.
final class EventLog: @unchecked Sendable {
    struct Entry: CustomStringConvertible {
        let name: String
        let event: TaskEvent
        var description: String {
            "\(name)(\(event.id)\(event.execID.map { "/\($0)" } ?? "") status=\(event.exitStatus.map(String.init) ?? "-")\(event.reason.map { " \($0)" } ?? ""))"
        }
    }
    private struct Frame: Decodable { let event: String; let params: TaskEvent }

    private let client: RPCClient
    private let cond = NSCondition()
    private var entries: [Entry] = []
    private var ended = false

    init(_ daemon: SupervisorDaemon, topics: [String]? = nil, replay: Bool = false) throws {
        client = try daemon.client()
        _ = try client.call(SupervisorMethod.subscribe, SubscribeParams(topics: topics, replay: replay), Empty.self)
        let reader = Thread { [self] in
            while true {
                guard let (_, frame) = try? client.nextEvent() else { break }
                guard let f = try? JSONDecoder().decode(Frame.self, from: Data(frame)) else { continue }
                cond.lock()
                entries.append(Entry(name: f.event, event: f.params))
                cond.broadcast()
                cond.unlock()
            }
            cond.lock()
            ended = true
            cond.broadcast()
            cond.unlock()
        }
        reader.start()
    }

    func close() {
        client.frames.shutdown()
        cond.lock()
        if !ended { _ = cond.wait(until: Date().addingTimeInterval(5)) }
        cond.unlock()
    }

    var all: [Entry] {
        cond.lock(); defer { cond.unlock() }
        return entries
    }

    func of(_ id: String) -> [Entry] { all.filter { $0.event.id == id } }

    /// The first event matching, waiting up to `timeout`.
    func first(timeout: TimeInterval = 20, where match: (Entry) -> Bool) -> Entry? {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        defer { cond.unlock() }
        while true {
            if let e = entries.first(where: match) { return e }
            if ended || !cond.wait(until: deadline) {
                return entries.first(where: match)
            }
        }
    }

    func first(_ name: String, _ id: String, execID: String? = nil, timeout: TimeInterval = 20) -> Entry? {
        first(timeout: timeout) { $0.name == name && $0.event.id == id && (execID == nil || $0.event.execID == execID) }
    }

    /// Waits until `count` events match.
    func await(count: Int, timeout: TimeInterval = 60, where match: (Entry) -> Bool) -> [Entry] {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock()
        defer { cond.unlock() }
        while true {
            let found = entries.filter(match)
            if found.count >= count || ended || !cond.wait(until: deadline) { return entries.filter(match) }
        }
    }
}

/// Base of the supervisor suites: starts berth-supervisor against the sandbox, makes
/// tasks from bundles, and checks what tasks leave behind.
class SupervisorTestCase: DaemonTestCase {
    private var daemons: [SupervisorDaemon] = []
    private var logs: [EventLog] = []

    override func tearDownWithError() throws {
        for l in logs { l.close() }
        logs.removeAll()
        for d in daemons {
            if let p = d.process, !p.hasExited {
                kill(p.pid, SIGKILL)
                p.wait(timeout: 10)
            }
        }
        daemons.removeAll()
        try super.tearDownWithError()
    }

    /// A supervisor with private paths, already serving.
    func startSupervisor(extra: [String] = []) throws -> SupervisorDaemon {
        let supervisor = try Self.require(Binaries.supervisor)
        let shim = try Self.require(Binaries.shim)
        let dir = try sandbox.makeDirectory("sup")
        let address = dir + "/s.sock"
        let args = ["--address", address, "--root", dir + "/root", "--shim-dir", sandbox.shimDir,
                    "--shim", shim, "--runtime", runtime.path, "--runtime-root", sandbox.runtimeRoot] + extra
        let daemon = SupervisorDaemon(address: address, root: dir + "/root", arguments: args) { [unowned self] args in
            try self.spawn(supervisor, args, newSession: true)
        }
        try daemon.launch()
        daemons.append(daemon)
        return daemon
    }

    func subscribe(_ daemon: SupervisorDaemon, topics: [String]? = nil, replay: Bool = false) throws -> EventLog {
        let log = try EventLog(daemon, topics: topics, replay: replay)
        logs.append(log)
        return log
    }

    /// A bundle running `args` for a fresh id, created (not started) through the supervisor.
    @discardableResult
    func createTask(_ daemon: SupervisorDaemon, _ hint: String, _ args: [String],
                    edit: (TestBundle) throws -> Void = { _ in }) throws -> (id: String, bundle: TestBundle, info: TaskInfo) {
        let id = newID(hint)
        let bundle = try makeBundle(args, for: id, edit)
        let info = try daemon.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: bundle.path), TaskInfo.self)
        return (id, bundle, info)
    }

    /// Created and started; returns the init pid.
    @discardableResult
    func runTask(_ daemon: SupervisorDaemon, _ hint: String, _ args: [String]) throws -> (id: String, bundle: TestBundle, pid: Int32) {
        let t = try createTask(daemon, hint, args)
        let started = try daemon.call(SupervisorMethod.start, TaskRef(id: t.id), PidResult.self)
        return (t.id, t.bundle, started.pid)
    }

    /// Kill with SIGKILL, wait, delete; for tasks a test is done with.
    func finish(_ daemon: SupervisorDaemon, _ id: String) throws {
        let info = try daemon.get(id)
        if info.status == "running" || info.status == "paused" {
            _ = try daemon.call(SupervisorMethod.kill, TaskKillParams(id: id, signal: SIGKILL, all: true), Empty.self)
        }
        if info.status != "created" {
            _ = try daemon.call(SupervisorMethod.wait, TaskRef(id: id), ExitResult.self)
        }
        _ = try daemon.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
    }

    /// The OCI process an exec runs: the bundle's own, with other args.
    func execProcess(_ bundle: TestBundle, _ args: [String]) throws -> OCISpec.Process {
        let data = try JSONSerialization.data(withJSONObject: bundle.process(args: args))
        return try JSONDecoder().decode(OCISpec.Process.self, from: data)
    }

    /// A container script that waits for `/go` to appear in its rootfs, then exits with `code`:
    /// lets a test decide when a container ends (even while the supervisor is down).
    static func waitForGo(exit code: Int) -> [String] {
        ["/bin/sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; exit \(code)"]
    }

    func release(_ bundle: TestBundle) {
        _ = FileManager.default.createFile(atPath: bundle.rootfs + "/go", contents: Data())
    }

    func assertCode(_ code: ErrorCode, _ expression: @autoclosure () throws -> Any, contains text: String? = nil,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let w = error as? WireError else { return XCTFail("not a WireError: \(error)", file: file, line: line) }
            XCTAssertEqual(w.code, code, "\(w.message)", file: file, line: line)
            if let text { XCTAssertTrue(w.message.contains(text), "\"\(w.message)\" does not mention \"\(text)\"", file: file, line: line) }
        }
    }
}

/// The result of work done on another thread, waited for with a timeout.
final class Outcome<T>: @unchecked Sendable {
    private let cond = NSCondition()
    private var value: Result<T, Error>?

    /// Runs `body` on a new thread.
    static func run(_ body: @escaping @Sendable () throws -> T) -> Outcome<T> {
        let o = Outcome<T>()
        Thread { o.set(Result { try body() }) }.start()
        return o
    }

    func set(_ r: Result<T, Error>) {
        cond.lock(); value = r; cond.broadcast(); cond.unlock()
    }

    /// nil when nothing came within `timeout`.
    func wait(timeout: TimeInterval) -> Result<T, Error>? {
        let deadline = Date().addingTimeInterval(timeout)
        cond.lock(); defer { cond.unlock() }
        while value == nil { if !cond.wait(until: deadline) { break } }
        return value
    }
}
