import Wire
import OCISpec
import ShimAPI

/// berth-supervisor's protocol (the part containerd plays for Docker).
/// Methods and shapes: Protocols/supervisor.v1.schema.json.
public enum SupervisorProtocol {
    public static let name = "berth.supervisor"
    public static let version = 1
}

public enum SupervisorMethod {
    public static let create = "Task.Create"
    public static let start = "Task.Start"
    public static let kill = "Task.Kill"
    public static let wait = "Task.Wait"
    public static let delete = "Task.Delete"
    public static let exec = "Task.Exec"
    public static let list = "Task.List"
    public static let get = "Task.Get"
    public static let pause = "Task.Pause"
    public static let resume = "Task.Resume"
    public static let update = "Task.Update"
    public static let stats = "Task.Stats"
    public static let resizePty = "Task.ResizePty"
    public static let closeStdin = "Task.CloseStdin"
    public static let subscribe = "Events.Subscribe"
}

public struct TaskCreateParams: Codable, Sendable {
    public var id: String
    public var bundle: String
    /// Runtime name or path; the supervisor's --runtime default when nil.
    public var runtime: String?
    public var terminal: Bool?
    public var stdin: Bool?
    public var log: LogConfig?
    public var labels: [String: String]?
    public init(id: String, bundle: String, runtime: String? = nil, terminal: Bool? = nil, stdin: Bool? = nil,
                log: LogConfig? = nil, labels: [String: String]? = nil) {
        self.id = id; self.bundle = bundle; self.runtime = runtime; self.terminal = terminal
        self.stdin = stdin; self.log = log; self.labels = labels
    }
}

/// Selects a task, and optionally one of its exec'd processes.
public struct TaskRef: Codable, Sendable {
    public var id: String
    public var execID: String?
    public init(id: String, execID: String? = nil) { self.id = id; self.execID = execID }
}

public struct TaskKillParams: Codable, Sendable {
    public var id: String
    public var execID: String?
    public var signal: Int32
    public var all: Bool?
    public init(id: String, execID: String? = nil, signal: Int32, all: Bool? = nil) {
        self.id = id; self.execID = execID; self.signal = signal; self.all = all
    }
}

public struct TaskExecParams: Codable, Sendable {
    public var id: String
    public var execID: String
    public var process: Process
    public var stdin: Bool?
    public init(id: String, execID: String, process: Process, stdin: Bool? = nil) {
        self.id = id; self.execID = execID; self.process = process; self.stdin = stdin
    }
}

public struct TaskUpdateParams: Codable, Sendable {
    public var id: String
    public var resources: LinuxResources
    public init(id: String, resources: LinuxResources) { self.id = id; self.resources = resources }
}

public struct TaskResizeParams: Codable, Sendable {
    public var id: String
    public var execID: String?
    public var width: UInt16
    public var height: UInt16
    public init(id: String, execID: String? = nil, width: UInt16, height: UInt16) {
        self.id = id; self.execID = execID; self.width = width; self.height = height
    }
}

/// A task as the supervisor reports it.
public struct TaskInfo: Codable, Sendable, Equatable {
    public var id: String
    public var bundle: String
    public var runtime: String
    public var pid: Int32
    /// created, running, paused, stopped.
    public var status: String
    public var exitStatus: Int32?
    public var exitedAt: String?
    /// Why a task stopped when it was not a normal exit (e.g. its shim died).
    public var reason: String?
    /// The shim's socket: clients attach there directly (unix:///run/berth/shims/<id>.sock).
    public var shimAddress: String
    public var shimPid: Int32
    public var createdAt: String
    public var terminal: Bool
    public var log: LogConfig?
    public var labels: [String: String]?
    public init(id: String, bundle: String, runtime: String, pid: Int32, status: String, exitStatus: Int32? = nil,
                exitedAt: String? = nil, reason: String? = nil, shimAddress: String, shimPid: Int32, createdAt: String,
                terminal: Bool, log: LogConfig? = nil, labels: [String: String]? = nil) {
        self.id = id; self.bundle = bundle; self.runtime = runtime; self.pid = pid; self.status = status
        self.exitStatus = exitStatus; self.exitedAt = exitedAt; self.reason = reason; self.shimAddress = shimAddress
        self.shimPid = shimPid; self.createdAt = createdAt; self.terminal = terminal; self.log = log; self.labels = labels
    }
}

public struct TaskListResult: Codable, Sendable {
    public var tasks: [TaskInfo]
    public init(tasks: [TaskInfo]) { self.tasks = tasks }
}

public enum SupervisorEvent {
    public static let taskCreate = "TaskCreate"
    public static let taskStart = "TaskStart"
    public static let taskExit = "TaskExit"
    public static let taskOOM = "TaskOOM"
    public static let execStarted = "TaskExecStarted"
    public static let execExit = "TaskExecExit"
    public static let taskPaused = "TaskPaused"
    public static let taskResumed = "TaskResumed"
    public static let taskDelete = "TaskDelete"
    public static let all = [taskCreate, taskStart, taskExit, taskOOM, execStarted, execExit, taskPaused, taskResumed, taskDelete]
}
