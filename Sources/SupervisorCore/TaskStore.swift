import Glibc
import LinuxSys
import Wire
import ShimAPI
import SupervisorAPI

/// A task's lifecycle as the supervisor records it. `creating` is written before
/// the shim exists, so a crash in the middle of a create is found and undone.
public enum TaskStatus: String, Codable, Sendable {
    case creating, created, running, paused, stopped
}

/// The durable part of a task: everything needed to find its shim again after a
/// restart, and its exit once the shim is gone.
public struct TaskRecord: Codable, Sendable, Equatable {
    public var id: String
    public var bundle: String
    public var runtime: String
    public var runtimeRoot: String?
    public var terminal: Bool
    public var stdin: Bool
    public var log: LogConfig?
    public var labels: [String: String]?
    public var createdAt: String
    public var status: TaskStatus
    /// The init process; 0 until the shim reports it.
    public var pid: Int32
    public var shimAddress: String?
    public var shimPid: Int32
    /// The shim's start time in /proc ticks, so a recycled pid is not taken for it.
    public var shimStartTime: UInt64
    public var exitStatus: Int32?
    public var exitedAt: String?
    public var reason: String?
    /// The shim is gone and `berth-shim delete` has cleaned up after it: nothing to reconnect to.
    public var shimGone: Bool?

    public init(id: String, bundle: String, runtime: String, runtimeRoot: String?, terminal: Bool, stdin: Bool,
                log: LogConfig?, labels: [String: String]?, createdAt: String) {
        self.id = id; self.bundle = bundle; self.runtime = runtime; self.runtimeRoot = runtimeRoot
        self.terminal = terminal; self.stdin = stdin; self.log = log; self.labels = labels
        self.createdAt = createdAt; self.status = .creating; self.pid = 0
        self.shimAddress = nil; self.shimPid = 0; self.shimStartTime = 0
    }

    public var hasExited: Bool { exitStatus != nil }

    public var exit: ExitResult? {
        guard let exitStatus else { return nil }
        return ExitResult(pid: pid, exitStatus: exitStatus, exitedAt: exitedAt ?? "")
    }

    public func info(status: String? = nil, pid: Int32? = nil, exitStatus: Int32? = nil, exitedAt: String? = nil) -> TaskInfo {
        TaskInfo(id: id, bundle: bundle, runtime: runtime, pid: pid ?? self.pid,
                 status: status ?? (self.status == .creating ? "created" : self.status.rawValue),
                 exitStatus: exitStatus ?? self.exitStatus, exitedAt: exitedAt ?? self.exitedAt, reason: reason,
                 shimAddress: shimAddress ?? "", shimPid: shimPid, createdAt: createdAt, terminal: terminal,
                 log: log, labels: labels)
    }
}

/// Task records under `<root>/tasks/<id>.json`, each replaced atomically and fsync'd
/// so a crash (of the supervisor or the machine) leaves the old or the new record.
public struct TaskStore: Sendable {
    public let root: String
    public var directory: String { root + "/tasks" }

    public init(root: String) { self.root = root }

    public func path(_ id: String) -> String { "\(directory)/\(id).json" }

    public func prepare() throws {
        try FileIO.mkdirAll(directory, mode: 0o700)
    }

    public func save(_ record: TaskRecord) throws {
        let bytes: [UInt8]
        do { bytes = try WireJSON.encode(record) } catch {
            throw RuntimeError("encode task record \(record.id): \(error)")
        }
        try FileIO.writeAtomic(path(record.id), bytes)
        try syncDirectory()
    }

    public func remove(_ id: String) throws {
        if unlink(path(id)) != 0 && errno != ENOENT { throw SyscallError("unlink", path(id)) }
        try syncDirectory()
    }

    /// Every readable record; unreadable ones are returned as failures so the caller
    /// can log them (they are left in place: never destroy what we cannot read).
    public func loadAll() throws -> (records: [TaskRecord], failures: [String]) {
        var records: [TaskRecord] = []
        var failures: [String] = []
        for name in try FileIO.listDirectory(directory).sorted() {
            let file = "\(directory)/\(name)"
            if name.hasSuffix(".json.tmp") { unlink(file); continue }
            guard name.hasSuffix(".json") else { continue }
            do {
                let r = try WireJSON.decode(TaskRecord.self, from: try FileIO.read(path: file))
                guard "\(r.id).json" == name else { throw RuntimeError("record names task \"\(r.id)\"") }
                records.append(r)
            } catch let e as DecodingError {
                failures.append("\(file): \(WireJSON.describe(e))")
            } catch {
                failures.append("\(file): \(error)")
            }
        }
        return (records, failures)
    }

    /// A rename is durable only once its directory is synced.
    private func syncDirectory() throws {
        let fd = try sys("open", directory) { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try sys("fsync", directory) { fsync(fd) }
    }
}
