import JSON

/// `GET /version`.
public struct VersionResponse: Codable, Sendable {
    public var Platform: [String: String]
    public var Components: [Component]
    public var Version: String
    public var ApiVersion: String
    public var MinAPIVersion: String
    public var GitCommit: String
    public var GoVersion: String
    public var Os: String
    public var Arch: String
    public var KernelVersion: String
    public var BuildTime: String
    public struct Component: Codable, Sendable {
        public var Name: String
        public var Version: String
        public var Details: [String: String]?
        public init(Name: String, Version: String, Details: [String: String]? = nil) {
            self.Name = Name; self.Version = Version; self.Details = Details
        }
    }
    public init(version: String, apiVersion: String, minAPIVersion: String, arch: String, kernel: String,
                components: [Component]) {
        Platform = ["Name": "Berth Engine"]; Components = components; Version = version; ApiVersion = apiVersion
        MinAPIVersion = minAPIVersion; GitCommit = "berth"; GoVersion = "swift6"; Os = "linux"; Arch = arch
        KernelVersion = kernel; BuildTime = ""
    }
}

/// `POST /containers/{id}/exec` body.
public struct ExecConfig: Codable, Sendable {
    public var User: String?
    public var Privileged: Bool?
    public var Tty: Bool?
    public var ConsoleSize: [Int]?
    public var AttachStdin: Bool?
    public var AttachStderr: Bool?
    public var AttachStdout: Bool?
    public var DetachKeys: String?
    public var Env: [String]?
    public var WorkingDir: String?
    public var Cmd: [String]?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case User, Privileged, Tty, ConsoleSize, AttachStdin, AttachStderr, AttachStdout, DetachKeys, Env, WorkingDir, Cmd
        /// The Python SDK sends this one spelled so; dockerd's decoder ignores the case of keys.
        case detachKeys
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        User = try c.decodeIfPresent(String.self, forKey: .User)
        Privileged = try c.decodeIfPresent(Bool.self, forKey: .Privileged)
        Tty = try c.decodeIfPresent(Bool.self, forKey: .Tty)
        ConsoleSize = try c.decodeIfPresent([Int].self, forKey: .ConsoleSize)
        AttachStdin = try c.decodeIfPresent(Bool.self, forKey: .AttachStdin)
        AttachStderr = try c.decodeIfPresent(Bool.self, forKey: .AttachStderr)
        AttachStdout = try c.decodeIfPresent(Bool.self, forKey: .AttachStdout)
        DetachKeys = try c.decodeIfPresent(String.self, forKey: .DetachKeys) ?? c.decodeIfPresent(String.self, forKey: .detachKeys)
        Env = try c.decodeIfPresent([String].self, forKey: .Env)
        WorkingDir = try c.decodeIfPresent(String.self, forKey: .WorkingDir)
        Cmd = try c.decodeIfPresent([String].self, forKey: .Cmd)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(User, forKey: .User)
        try c.encodeIfPresent(Privileged, forKey: .Privileged)
        try c.encodeIfPresent(Tty, forKey: .Tty)
        try c.encodeIfPresent(ConsoleSize, forKey: .ConsoleSize)
        try c.encodeIfPresent(AttachStdin, forKey: .AttachStdin)
        try c.encodeIfPresent(AttachStderr, forKey: .AttachStderr)
        try c.encodeIfPresent(AttachStdout, forKey: .AttachStdout)
        try c.encodeIfPresent(DetachKeys, forKey: .DetachKeys)
        try c.encodeIfPresent(Env, forKey: .Env)
        try c.encodeIfPresent(WorkingDir, forKey: .WorkingDir)
        try c.encodeIfPresent(Cmd, forKey: .Cmd)
    }
}

/// `POST /exec/{id}/start` body.
public struct ExecStartConfig: Codable, Sendable {
    public var Detach: Bool?
    public var Tty: Bool?
    public var ConsoleSize: [Int]?
    public init() {}
}

/// `GET /exec/{id}/json`.
public struct ExecInspect: Codable, Sendable {
    public var CanRemove: Bool
    public var ContainerID: String
    public var DetachKeys: String
    /// null while the process runs (dockerd sends null, and clients index it unconditionally).
    public var ExitCode: JSONValue
    public var ID: String
    public var OpenStderr: Bool
    public var OpenStdin: Bool
    public var OpenStdout: Bool
    public var ProcessConfig: ProcessConfig
    public var Running: Bool
    public var Pid: Int
    public struct ProcessConfig: Codable, Sendable {
        public var arguments: [String]
        public var entrypoint: String
        public var privileged: Bool
        public var tty: Bool
        public var user: String
        public init(arguments: [String], entrypoint: String, privileged: Bool, tty: Bool, user: String) {
            self.arguments = arguments; self.entrypoint = entrypoint; self.privileged = privileged; self.tty = tty; self.user = user
        }
    }
    public init(ID: String, ContainerID: String, Running: Bool, ExitCode: Int?, Pid: Int, OpenStdin: Bool,
                OpenStdout: Bool, OpenStderr: Bool, ProcessConfig: ProcessConfig, DetachKeys: String = "") {
        self.CanRemove = false; self.ContainerID = ContainerID; self.DetachKeys = DetachKeys; self.ExitCode = ExitCode.map { .number(JSONNumber($0)) } ?? .null
        self.ID = ID; self.OpenStderr = OpenStderr; self.OpenStdin = OpenStdin; self.OpenStdout = OpenStdout
        self.ProcessConfig = ProcessConfig; self.Running = Running; self.Pid = Pid
    }
}

public struct IDResponse: Codable, Sendable {
    public var Id: String
    public init(Id: String) { self.Id = Id }
}

/// `POST /containers/{id}/update` response.
public struct ContainerUpdateResponse: Codable, Sendable {
    public var Warnings: [String]
    public init(Warnings: [String] = []) { self.Warnings = Warnings }
}

/// `GET /containers/{id}/top`.
public struct ContainerTopResponse: Codable, Sendable {
    public var Titles: [String]
    public var Processes: [[String]]
    public init(Titles: [String], Processes: [[String]]) { self.Titles = Titles; self.Processes = Processes }
}

/// `GET /containers/{id}/changes` entries; Kind 0 modified, 1 added, 2 deleted.
public struct FilesystemChange: Codable, Sendable, Equatable {
    public var Path: String
    public var Kind: Int
    public init(Path: String, Kind: Int) { self.Path = Path; self.Kind = Kind }
}

/// `POST /containers/prune` and friends.
public struct PruneResponse: Codable, Sendable {
    public var ContainersDeleted: [String]?
    public var SpaceReclaimed: Int64
    public init(ContainersDeleted: [String]?, SpaceReclaimed: Int64) {
        self.ContainersDeleted = ContainersDeleted; self.SpaceReclaimed = SpaceReclaimed
    }
}

/// One line of `GET /events`.
public struct EventMessage: Codable, Sendable {
    public var `Type`: String
    public var Action: String
    public var Actor: Actor
    public var scope: String
    public var time: Int64
    public var timeNano: Int64
    // Deprecated fields the docker CLI still prints for containers.
    public var status: String?
    public var id: String?
    public var from: String?
    public struct Actor: Codable, Sendable {
        public var ID: String
        public var Attributes: [String: String]
        public init(ID: String, Attributes: [String: String]) { self.ID = ID; self.Attributes = Attributes }
    }
    public init(type: String, action: String, id: String, attributes: [String: String], timeNano: Int64) {
        self.Type = type; self.Action = action; self.Actor = .init(ID: id, Attributes: attributes); scope = "local"
        self.time = timeNano / 1_000_000_000; self.timeNano = timeNano
        if type == "container" { status = action; self.id = id; from = attributes["image"] }
    }
}
