import JSON

/// `GET /containers/{id}/json` (ContainerInspectResponse).
public struct ContainerInspect: Codable, Sendable {
    public var Id: String
    public var Created: String
    public var Path: String
    public var Args: [String]
    public var State: ContainerState
    public var Image: String
    public var ResolvConfPath: String
    public var HostnamePath: String
    public var HostsPath: String
    public var LogPath: String
    public var Name: String
    public var RestartCount: Int
    public var Driver: String
    public var Platform: String
    public var MountLabel: String
    public var ProcessLabel: String
    public var AppArmorProfile: String
    public var ExecIDs: [String]?
    public var HostConfig: HostConfig
    public var GraphDriver: GraphDriver
    public var SizeRw: Int64?
    public var SizeRootFs: Int64?
    public var Mounts: [MountPoint]
    public var Config: ContainerConfig
    public var NetworkSettings: NetworkSettings

    public init(Id: String, Created: String, Path: String, Args: [String], State: ContainerState, Image: String,
                ResolvConfPath: String, HostnamePath: String, HostsPath: String, LogPath: String, Name: String,
                RestartCount: Int, ExecIDs: [String]?, HostConfig: HostConfig, GraphDriver: GraphDriver,
                Mounts: [MountPoint], Config: ContainerConfig, NetworkSettings: NetworkSettings) {
        self.Id = Id; self.Created = Created; self.Path = Path; self.Args = Args; self.State = State
        self.Image = Image; self.ResolvConfPath = ResolvConfPath; self.HostnamePath = HostnamePath
        self.HostsPath = HostsPath; self.LogPath = LogPath; self.Name = Name; self.RestartCount = RestartCount
        self.Driver = "overlay2"; self.Platform = "linux"; self.MountLabel = ""; self.ProcessLabel = ""
        self.AppArmorProfile = ""; self.ExecIDs = ExecIDs; self.HostConfig = HostConfig
        self.GraphDriver = GraphDriver; self.Mounts = Mounts; self.Config = Config; self.NetworkSettings = NetworkSettings
    }
}

public struct ContainerState: Codable, Sendable, Equatable {
    /// created, running, paused, restarting, removing, exited, dead.
    public var Status: String
    public var Running: Bool
    public var Paused: Bool
    public var Restarting: Bool
    public var OOMKilled: Bool
    public var Dead: Bool
    public var Pid: Int
    public var ExitCode: Int
    public var Error: String
    public var StartedAt: String
    public var FinishedAt: String
    public var Health: Health?

    public init(Status: String, Running: Bool = false, Paused: Bool = false, Restarting: Bool = false,
                OOMKilled: Bool = false, Dead: Bool = false, Pid: Int = 0, ExitCode: Int = 0, Error: String = "",
                StartedAt: String = zeroTime, FinishedAt: String = zeroTime, Health: Health? = nil) {
        self.Status = Status; self.Running = Running; self.Paused = Paused; self.Restarting = Restarting
        self.OOMKilled = OOMKilled; self.Dead = Dead; self.Pid = Pid; self.ExitCode = ExitCode; self.Error = Error
        self.StartedAt = StartedAt; self.FinishedAt = FinishedAt; self.Health = Health
    }
}

/// Go's zero time as Docker prints it for "never".
public let zeroTime = "0001-01-01T00:00:00Z"

public struct Health: Codable, Sendable, Equatable {
    /// none, starting, healthy, unhealthy.
    public var Status: String
    public var FailingStreak: Int
    public var Log: [HealthcheckResult]
    public init(Status: String, FailingStreak: Int = 0, Log: [HealthcheckResult] = []) {
        self.Status = Status; self.FailingStreak = FailingStreak; self.Log = Log
    }
}

public struct HealthcheckResult: Codable, Sendable, Equatable {
    public var Start: String
    public var End: String
    public var ExitCode: Int
    public var Output: String
    public init(Start: String, End: String, ExitCode: Int, Output: String) {
        self.Start = Start; self.End = End; self.ExitCode = ExitCode; self.Output = Output
    }
}

public struct GraphDriver: Codable, Sendable {
    public var Name: String
    public var Data: [String: String]
    public init(Name: String = "overlay2", Data: [String: String]) { self.Name = Name; self.Data = Data }
}

/// A mount as inspect and list report it.
public struct MountPoint: Codable, Sendable, Equatable {
    public var `Type`: String
    public var Name: String?
    public var Source: String
    public var Destination: String
    public var Driver: String?
    public var Mode: String
    public var RW: Bool
    public var Propagation: String
    public init(Type: String, Name: String? = nil, Source: String, Destination: String, Driver: String? = nil,
                Mode: String, RW: Bool, Propagation: String) {
        self.Type = Type; self.Name = Name; self.Source = Source; self.Destination = Destination
        self.Driver = Driver; self.Mode = Mode; self.RW = RW; self.Propagation = Propagation
    }
}

public struct NetworkSettings: Codable, Sendable {
    public var Bridge: String
    public var SandboxID: String
    public var SandboxKey: String
    public var Ports: [String: JSONValue]
    public var IPAddress: String
    public var IPPrefixLen: Int
    public var Gateway: String
    public var MacAddress: String
    public var Networks: [String: EndpointSettings]
    public init(SandboxKey: String = "", Networks: [String: EndpointSettings] = [:]) {
        Bridge = ""; SandboxID = ""; self.SandboxKey = SandboxKey; Ports = [:]; IPAddress = ""; IPPrefixLen = 0
        Gateway = ""; MacAddress = ""; self.Networks = Networks
    }
}

public struct EndpointSettings: Codable, Sendable {
    public var NetworkID: String
    public var EndpointID: String
    public var Gateway: String
    public var IPAddress: String
    public var IPPrefixLen: Int
    public var MacAddress: String
    public var Aliases: [String]?
    public init(NetworkID: String, EndpointID: String = "") {
        self.NetworkID = NetworkID; self.EndpointID = EndpointID; Gateway = ""; IPAddress = ""; IPPrefixLen = 0; MacAddress = ""
    }
}

/// An entry of `GET /containers/json`.
public struct ContainerSummary: Codable, Sendable {
    public var Id: String
    public var Names: [String]
    public var Image: String
    public var ImageID: String
    public var Command: String
    public var Created: Int64
    public var Ports: [JSONValue]
    public var SizeRw: Int64?
    public var SizeRootFs: Int64?
    public var Labels: [String: String]
    public var State: String
    public var Status: String
    public var HostConfig: [String: String]
    public var NetworkSettings: [String: [String: EndpointSettings]]
    public var Mounts: [MountPoint]
    public init(Id: String, Names: [String], Image: String, ImageID: String, Command: String, Created: Int64,
                Labels: [String: String], State: String, Status: String, NetworkMode: String,
                Networks: [String: EndpointSettings], Mounts: [MountPoint]) {
        self.Id = Id; self.Names = Names; self.Image = Image; self.ImageID = ImageID; self.Command = Command
        self.Created = Created; self.Ports = []; self.Labels = Labels; self.State = State; self.Status = Status
        self.HostConfig = ["NetworkMode": NetworkMode]; self.NetworkSettings = ["Networks": Networks]; self.Mounts = Mounts
    }
}

public struct ContainerCreateResponse: Codable, Sendable {
    public var Id: String
    public var Warnings: [String]
    public init(Id: String, Warnings: [String] = []) { self.Id = Id; self.Warnings = Warnings }
}

public struct ContainerWaitResponse: Codable, Sendable {
    public var StatusCode: Int
    public var Error: WaitError?
    public struct WaitError: Codable, Sendable { public var Message: String }
    public init(StatusCode: Int, error: String? = nil) {
        self.StatusCode = StatusCode
        self.Error = error.map { WaitError(Message: $0) }
    }
}

/// `{"message": ...}`, every error the API returns.
public struct ErrorResponse: Codable, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
}
