import Glibc
import LinuxSys
import Wire
import ShimAPI
import SupervisorAPI

/// The supervisor's logic, with no transport in it: tasks, their shims, their
/// records and their events. SupervisorService adapts it to the wire.
public final class TaskManager: @unchecked Sendable {
    let options: SupervisorOptions
    let store: TaskStore
    let launcher: ShimLauncher
    let hub: EventHub
    let log: Logger
    private let lock = Lock()
    private var tasks: [String: TaskEntry] = [:]
    /// Deleted tasks whose shim is still on its way out, by id.
    private var leaving: [String: TaskEntry] = [:]

    /// The shim events a task's monitor subscribes to (not its output streams).
    static let monitorTopics = [ShimEvent.taskStart, ShimEvent.taskExit, ShimEvent.taskOOM, ShimEvent.execStarted,
                                ShimEvent.taskPaused, ShimEvent.taskResumed]

    public init(options: SupervisorOptions, hub: EventHub, log: Logger) {
        self.options = options
        self.store = TaskStore(root: options.root)
        let shim = options.shim ?? ExecutableLookup.resolve("berth-shim", preferSelfDir: true)
        self.launcher = ShimLauncher(binary: shim, socketDir: options.shimDir, debug: options.debug,
                                     trace: options.trace, log: log)
        self.hub = hub
        self.log = log
    }

    public func prepare() throws {
        try store.prepare()
        try FileIO.mkdirAll(options.shimDir, mode: 0o711)
    }

    // MARK: lookups

    /// The live task `id`: NotFound when unknown, FailedPrecondition while it is
    /// still being created.
    func entry(_ id: String) throws -> TaskEntry {
        guard let e = lock.with({ tasks[id] }) else { throw WireError.notFound("task \"\(id)\" does not exist") }
        let phase = e.locked { e.phase }
        if phase == .creating { throw WireError.precondition("task \"\(id)\" is still being created") }
        return e
    }

    func insert(_ e: TaskEntry) { lock.with { tasks[e.id] = e } }

    func remove(_ e: TaskEntry) {
        lock.with { if tasks[e.id] === e { tasks.removeValue(forKey: e.id) } }
    }

    /// A deleted task: gone from every lookup, remembered until its shim has exited.
    func retiring(_ e: TaskEntry) {
        lock.with {
            if tasks[e.id] === e { tasks.removeValue(forKey: e.id) }
            leaving[e.id] = e
        }
    }

    func retired(_ e: TaskEntry) {
        lock.with { if leaving[e.id] === e { leaving.removeValue(forKey: e.id) } }
        e.locked {
            e.retired = true
            e.cond.broadcast()
        }
    }

    func allEntries() -> [TaskEntry] {
        lock.with { tasks.values.sorted { $0.id < $1.id } }
    }

    /// The socket of a task whose shim should be reachable; FailedPrecondition when it is gone.
    func liveShim(_ e: TaskEntry) throws -> String {
        let (path, gone) = e.locked { (e.shimSocket, e.shimGone) }
        guard let path, !gone else {
            throw WireError.precondition("task \"\(e.id)\" is stopped: its shim is gone")
        }
        return path
    }

    /// A call to the task's shim on its own connection, its result passed through.
    func forward<P: Encodable>(_ e: TaskEntry, _ method: String, _ params: P) throws -> JSONValue {
        try launcher.call(id: e.id, path: try liveShim(e), method, params, JSONValue.self)
    }

    // MARK: create

    public func create(_ p: TaskCreateParams) throws -> TaskInfo {
        try Validate.id(p.id, field: "params.id")
        guard p.bundle.hasPrefix("/") else { throw WireError.invalid("params.bundle: \"\(p.bundle)\" is not an absolute path") }
        guard FileIO.exists(p.bundle + "/config.json") else {
            throw WireError.invalid("params.bundle: \(p.bundle)/config.json: \(Errno.describe(errno))")
        }
        let socket = launcher.socketPath(p.id)
        guard socket.utf8.count < 108 else {
            throw WireError.invalid("params.id: the shim socket \(socket) would be longer than a Unix socket path can be (107 bytes)")
        }
        let runtime = try resolveRuntime(p.runtime)

        let record = TaskRecord(id: p.id, bundle: p.bundle, runtime: runtime, runtimeRoot: options.runtimeRoot,
                                terminal: p.terminal ?? false, stdin: p.stdin ?? false, log: p.log, labels: p.labels,
                                createdAt: WallTime.now().rfc3339Nano)
        let e = TaskEntry(record: record, phase: .creating)
        let previous = try lock.with { () -> TaskEntry? in
            if tasks[p.id] != nil { throw WireError.exists("task \"\(p.id)\" already exists") }
            tasks[p.id] = e
            return leaving[p.id]
        }
        // The shim of a task just deleted under this id may still be exiting: its socket
        // and state directory are the ones the new shim is about to take.
        if let previous, !previous.locked({ previous.await(seconds: 5) { previous.retired } }) {
            log.warn("task \(p.id): the shim of its previous incarnation is still exiting")
        }
        var shimStarted = false
        var control: RPCClient?
        do {
            // Durable before the shim exists: after a crash, recovery finds the shim.
            try store.save(record)
            shimStarted = true
            let path = try launcher.start(id: p.id)
            let client = try launcher.connect(id: p.id, path: path)
            control = client
            let shimPid = ShimLauncher.peerPid(client)
            e.locked {
                e.record.shimAddress = "unix://" + path
                e.record.shimPid = shimPid
                e.record.shimStartTime = ProcessProbe.startTime(of: shimPid) ?? 0
            }
            // Subscribed before the container exists, so no event of it is missed.
            try startMonitor(e, path: path)
            let created = try client.call(ShimMethod.create,
                                          ShimCreateParams(id: p.id, bundle: p.bundle, runtime: runtime,
                                                           runtimeRoot: options.runtimeRoot, terminal: p.terminal,
                                                           stdin: p.stdin, log: p.log), JSONValue.self)
            client.close()
            control = nil
            let saved: TaskRecord = e.locked {
                e.record.pid = created["pid"]?.int32 ?? 0
                if e.record.status == .creating { e.record.status = .created }
                return e.record
            }
            try store.save(saved)
            // Together: no Start (hence no TaskStart) can come before TaskCreate is out.
            e.locked {
                e.phase = .live
                hub.publish(SupervisorEvent.taskCreate, TaskEvent(id: p.id, pid: saved.pid))
            }
            log.info("task \(p.id): created (pid \(saved.pid), shim pid \(saved.shimPid), runtime \(runtime))")
            return saved.info()
        } catch {
            log.warn("task \(p.id): create failed: \(error)")
            undoCreate(e, control: control, shimStarted: shimStarted)
            if let w = error as? WireError { throw w }
            throw WireError.internal("create task \"\(p.id)\": \(error)")
        }
    }

    /// Takes a half-created task apart: the shim (politely when it answers, with
    /// `berth-shim delete` otherwise), the monitor, the record, the entry.
    func undoCreate(_ e: TaskEntry, control: RPCClient?, shimStarted: Bool) {
        e.locked { e.closing = true }
        if shimStarted {
            if let client = control ?? (try? launcher.connect(id: e.id, path: launcher.socketPath(e.id))) {
                _ = try? client.call(ShimMethod.delete, ProcessRef(), JSONValue.self)
                _ = try? client.call(ShimMethod.shutdown, Empty(), JSONValue.self)
                client.close()
                awaitMonitorEnd(e, seconds: 2)
            }
            // A runtime that failed half-way may leave state behind; once the shim has
            // exited (or never answered), its delete command clears it.
            let (pid, start) = e.locked { (e.record.shimPid, e.record.shimStartTime) }
            if pid <= 0 || !ProcessProbe.isAlive(pid: pid, startTime: start) { launcher.delete(id: e.id) }
        }
        stopMonitor(e)
        do { try store.remove(e.id) } catch { log.error("task \(e.id): remove record: \(error)") }
        remove(e)
    }

    func resolveRuntime(_ requested: String?) throws -> String {
        let name = requested ?? options.runtime
        if name.isEmpty { throw WireError.invalid("params.runtime: cannot be empty") }
        if name.contains("/") {
            guard name.hasPrefix("/") else { throw WireError.invalid("params.runtime: \"\(name)\" must be a name or an absolute path") }
            return name
        }
        return ExecutableLookup.resolve(name, preferSelfDir: name == "berth-runtime")
    }

    // MARK: inspection

    public func get(_ ref: TaskRef) throws -> TaskInfo {
        info(try entry(ref.id))
    }

    public func list() -> TaskListResult {
        TaskListResult(tasks: allEntries().filter { e in e.locked { e.phase != .creating } }.map(info))
    }

    /// Status from the shim while it runs; the record once the task has exited or the shim is gone.
    func info(_ e: TaskEntry) -> TaskInfo {
        let (rec, path, gone) = e.locked { (e.record, e.shimSocket, e.shimGone) }
        guard !rec.hasExited, !gone, let path else { return rec.info() }
        do {
            let st = try launcher.call(id: e.id, path: path, ShimMethod.state, ProcessRef(), JSONValue.self)
            return rec.info(status: st["status"]?.string, pid: st["pid"]?.int32,
                            exitStatus: st["exitStatus"]?.int32, exitedAt: st["exitedAt"]?.string)
        } catch {
            log.debug("task \(e.id): state from shim: \(error)")
            return rec.info()
        }
    }
}

/// Input checks, phrased the way the wire reports a bad field.
enum Validate {
    /// Ids name files, sockets and cgroups: runc's alphabet without "+" (which the shim
    /// refuses), not starting with "." or "-", at most 128 bytes.
    static func id(_ id: String, field: String) throws {
        guard !id.isEmpty else { throw WireError.invalid("\(field): cannot be empty") }
        let ok = id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == 0x2d || c == 0x5f || c == 0x2e
        }
        guard ok, !id.hasPrefix("."), !id.hasPrefix("-") else {
            throw WireError.invalid("\(field): invalid id \"\(id)\": use letters, digits, \"_\", \".\" and \"-\", not starting with \".\" or \"-\"")
        }
        guard id.utf8.count <= 128 else { throw WireError.invalid("\(field): id is longer than 128 bytes") }
    }
}
