import Wire
import OCISpec
import Cgroups

/// berth-shim's protocol: one shim serves one container (its init process
/// and any exec'd processes). Methods and shapes: Protocols/shim.v1.schema.json.
public enum ShimProtocol {
    public static let name = "berth.shim"
    public static let version = 1
}

public enum ShimMethod {
    public static let create = "Task.Create"
    public static let start = "Task.Start"
    public static let state = "Task.State"
    public static let kill = "Task.Kill"
    public static let wait = "Task.Wait"
    public static let exec = "Task.Exec"
    public static let resizePty = "Task.ResizePty"
    public static let closeStdin = "Task.CloseStdin"
    public static let attach = "Task.Attach"
    public static let writeStdin = "Task.WriteStdin"
    public static let pause = "Task.Pause"
    public static let resume = "Task.Resume"
    public static let update = "Task.Update"
    public static let stats = "Task.Stats"
    public static let pids = "Task.Pids"
    public static let delete = "Task.Delete"
    public static let shutdown = "Shim.Shutdown"
    public static let subscribe = "Events.Subscribe"
}

/// Where a task's output goes without a TTY... and with one: Docker's json-file
/// format, rotated by size.
public struct LogConfig: Codable, Sendable, Equatable {
    public var path: String
    public var maxSize: Int64?
    public var maxFiles: Int?
    public init(path: String, maxSize: Int64? = nil, maxFiles: Int? = nil) {
        self.path = path; self.maxSize = maxSize; self.maxFiles = maxFiles
    }
}

public struct ShimCreateParams: Codable, Sendable {
    public var id: String
    public var bundle: String
    /// The OCI runtime binary: "berth-runtime", "runc", "crun" or a path.
    public var runtime: String
    /// The runtime's --root; nil for the runtime's default.
    public var runtimeRoot: String?
    public var terminal: Bool?
    /// Keep a stdin pipe open for WriteStdin / attach.
    public var stdin: Bool?
    public var log: LogConfig?
    public init(id: String, bundle: String, runtime: String, runtimeRoot: String? = nil, terminal: Bool? = nil,
                stdin: Bool? = nil, log: LogConfig? = nil) {
        self.id = id; self.bundle = bundle; self.runtime = runtime; self.runtimeRoot = runtimeRoot
        self.terminal = terminal; self.stdin = stdin; self.log = log
    }
}

public struct PidResult: Codable, Sendable, Equatable {
    public var pid: Int32
    public init(pid: Int32) { self.pid = pid }
}

/// Selects the init process (execID nil) or an exec'd one.
public struct ProcessRef: Codable, Sendable {
    public var execID: String?
    public init(execID: String? = nil) { self.execID = execID }
}

public struct KillParams: Codable, Sendable {
    public var execID: String?
    public var signal: Int32
    public var all: Bool?
    public init(execID: String? = nil, signal: Int32, all: Bool? = nil) {
        self.execID = execID; self.signal = signal; self.all = all
    }
}

public struct ExecParams: Codable, Sendable {
    public var execID: String
    /// The OCI process to run; `terminal` in it asks for a TTY.
    public var process: Process
    public var stdin: Bool?
    public init(execID: String, process: Process, stdin: Bool? = nil) {
        self.execID = execID; self.process = process; self.stdin = stdin
    }
}

public struct ResizeParams: Codable, Sendable {
    public var execID: String?
    public var width: UInt16
    public var height: UInt16
    public init(execID: String? = nil, width: UInt16, height: UInt16) {
        self.execID = execID; self.width = width; self.height = height
    }
}

/// After an Attach result the connection receives IO.Output events (and
/// IO.Closed when a stream ends); stdin goes in with Task.WriteStdin.
public struct AttachParams: Codable, Sendable {
    public var execID: String?
    public var stdout: Bool?
    public var stderr: Bool?
    public init(execID: String? = nil, stdout: Bool? = true, stderr: Bool? = true) {
        self.execID = execID; self.stdout = stdout; self.stderr = stderr
    }
}

public struct WriteStdinParams: Codable, Sendable {
    public var execID: String?
    /// Base64 of the bytes to write.
    public var data: String
    public init(execID: String? = nil, data: String) { self.execID = execID; self.data = data }
}

public struct UpdateParams: Codable, Sendable {
    public var resources: LinuxResources
    public init(resources: LinuxResources) { self.resources = resources }
}

public struct PidsResult: Codable, Sendable {
    public var pids: [Int32]
    public init(pids: [Int32]) { self.pids = pids }
}

/// A process's state as the shim knows it.
public struct ProcessState: Codable, Sendable, Equatable {
    public var id: String
    public var execID: String?
    public var pid: Int32
    /// created, running, paused or stopped.
    public var status: String
    public var exitStatus: Int32?
    public var exitedAt: String?
    public var bundle: String
    public var terminal: Bool
    public init(id: String, execID: String? = nil, pid: Int32, status: String, exitStatus: Int32? = nil,
                exitedAt: String? = nil, bundle: String, terminal: Bool) {
        self.id = id; self.execID = execID; self.pid = pid; self.status = status
        self.exitStatus = exitStatus; self.exitedAt = exitedAt; self.bundle = bundle; self.terminal = terminal
    }
}

public struct ExitResult: Codable, Sendable, Equatable {
    public var pid: Int32
    /// The wait status as a shell reports it: the exit code, or 128+signal.
    public var exitStatus: Int32
    /// RFC 3339 with nanoseconds.
    public var exitedAt: String
    public init(pid: Int32, exitStatus: Int32, exitedAt: String) {
        self.pid = pid; self.exitStatus = exitStatus; self.exitedAt = exitedAt
    }
}

public struct SubscribeParams: Codable, Sendable {
    /// Event names to receive; empty or missing for all.
    public var topics: [String]?
    /// Supervisor only: first deliver the events it still buffers (exits found after a restart).
    public var replay: Bool?
    public init(topics: [String]? = nil, replay: Bool? = nil) { self.topics = topics; self.replay = replay }
}

public typealias StatsResult = CgroupStats

public enum ShimEvent {
    public static let taskStart = "TaskStart"
    public static let taskExit = "TaskExit"
    public static let taskOOM = "TaskOOM"
    public static let execStarted = "TaskExecStarted"
    public static let taskPaused = "TaskPaused"
    public static let taskResumed = "TaskResumed"
    public static let output = "IO.Output"
    public static let closed = "IO.Closed"
}

public struct TaskEvent: Codable, Sendable, Equatable {
    public var id: String
    public var execID: String?
    public var pid: Int32?
    public var exitStatus: Int32?
    public var exitedAt: String?
    public var reason: String?
    public init(id: String, execID: String? = nil, pid: Int32? = nil, exitStatus: Int32? = nil,
                exitedAt: String? = nil, reason: String? = nil) {
        self.id = id; self.execID = execID; self.pid = pid; self.exitStatus = exitStatus
        self.exitedAt = exitedAt; self.reason = reason
    }
}

public struct OutputEvent: Codable, Sendable, Equatable {
    public var execID: String?
    /// "stdout" or "stderr" ("stdout" for a TTY).
    public var stream: String
    /// Base64 of the bytes.
    public var data: String
    public init(execID: String? = nil, stream: String, data: String) {
        self.execID = execID; self.stream = stream; self.data = data
    }
}

public struct StreamClosedEvent: Codable, Sendable, Equatable {
    public var execID: String?
    public var stream: String
    public init(execID: String? = nil, stream: String) { self.execID = execID; self.stream = stream }
}
