import Glibc
import Cgroups
import LinuxSys
import ShimAPI
import Wire

/// A process's lifecycle as the shim tracks it. Transitions:
/// creating → created (runtime create/exec succeeded) → running (start) ⇄ paused → stopped
/// (reaped); any state → stopped when the process dies.
enum ProcessStatus: String, Sendable {
    case creating, created, running, paused, stopped

    /// What the protocol reports: a process being created is "created" with pid 0.
    var wire: String { self == .creating ? "created" : rawValue }
    var isLive: Bool { self == .running || self == .paused }
}

/// The init process or one exec'd process. Mutable fields are guarded by the service's state
/// lock; `operation` serialises runtime calls on the process (start, kill, pause, delete...).
final class ShimProcess: @unchecked Sendable {
    let execID: String?
    let terminal: Bool
    let wantsStdin: Bool
    var pid: Int32 = 0
    var status: ProcessStatus
    var exit: ExitResult?
    /// A Start is under way: its TaskStart/TaskExecStarted must go out before the exit's event.
    var starting = false
    /// Made with the process record (before Start, so a client can attach first), never replaced.
    let io: ProcessIO
    let operation = Lock()

    init(execID: String?, terminal: Bool, stdin: Bool, status: ProcessStatus, io: ProcessIO) {
        self.execID = execID
        self.terminal = terminal
        self.wantsStdin = stdin
        self.status = status
        self.io = io
    }

    /// "task c1" or "exec e1 of task c1", for messages.
    func name(_ id: String) -> String { execID.map { "exec \($0) of task \(id)" } ?? "task \(id)" }
}

/// The one container a shim serves.
final class Container: @unchecked Sendable {
    let params: ShimCreateParams
    let runtime: RuntimeRunner
    let initProcess: ShimProcess
    let log: JSONFileLog?
    var execs: [String: ShimProcess] = [:]
    var cgroup: CgroupManager?
    var oomKills: UInt64 = 0
    var deleted = false

    init(params: ShimCreateParams, runtime: RuntimeRunner, initProcess: ShimProcess, log: JSONFileLog?) {
        self.params = params
        self.runtime = runtime
        self.initProcess = initProcess
        self.log = log
    }
}

/// Persisted and reported exits. Shim state lives under /run, which a reboot empties anyway:
/// it must survive the shim's death (rename makes it atomic), not the machine's, so no fsync.
enum ExitRecord {
    static func write(_ exit: ExitResult, to path: String) {
        if let bytes = try? WireJSON.encode(exit) {
            try? FileIO.writeAtomic(path, bytes, mode: 0o600, durable: false)
        }
    }

    static func read(_ path: String) -> ExitResult? {
        guard let bytes = try? FileIO.read(path: path) else { return nil }
        return try? ShimJSON.decode(ExitResult.self, bytes)
    }
}

/// Reads a pid file the runtime wrote ("4242", maybe without a newline).
func readPidFile(_ path: String) throws -> Int32 {
    let text = try FileIO.readString(path)
    guard let pid = Int32(text.filter { !$0.isWhitespace }), pid > 0 else {
        throw RuntimeError("pid file \(path) holds \"\(text)\", not a pid")
    }
    return pid
}

/// The container's cgroup, found from where its init actually is (/proc/<pid>/cgroup), not
/// from the config: a relative or absent cgroupsPath lands under each hierarchy's own parent,
/// and those differ between v1 controllers. The manager starts from the memory line (or the
/// unified "0::" line), then every hierarchy gets the directory its own line names.
func cgroupOf(pid: Int32, id: String) -> CgroupManager? {
    guard let text = FileIO.readStringIfPresent("/proc/\(pid)/cgroup") else { return nil }
    var lines: [(keys: [String], path: String)] = []
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("/") else { continue }
        let keys = parts[1].isEmpty ? [""] : parts[1].split(separator: ",").map(String.init)
        lines.append((keys, String(parts[2])))
    }
    guard let primary = lines.first(where: { $0.keys.contains("memory") }) ?? lines.first(where: { $0.keys == [""] }),
          var manager = try? CgroupManager(cgroupsPath: primary.path, containerID: id) else { return nil }
    for (keys, path) in lines {
        for key in keys where manager.paths[key] != nil {
            guard let mount = manager.mountPoints[key] else { continue }
            manager.paths[key] = path == "/" ? mount : mount + path
        }
    }
    return manager
}
