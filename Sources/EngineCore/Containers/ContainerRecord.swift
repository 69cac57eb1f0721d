import DockerAPI
import LinuxSys

/// What berthd keeps about one container, on disk as `containers/<id>/config.v2.json`
/// (written atomically on every change, so a SIGKILL of berthd loses nothing).
public struct ContainerRecord: Codable, Sendable {
    public var ID: String
    public var Name: String
    public var Created: String
    public var Path: String
    public var Args: [String]
    /// The configuration merged with the image's defaults, as inspect reports it.
    public var Config: ContainerConfig
    public var HostConfig: HostConfig
    /// "sha256:<hex>".
    public var ImageID: String
    public var State: StateRecord
    public var RestartCount: Int
    public var HasBeenStartedBefore: Bool
    public var HasBeenManuallyStopped: Bool
    /// The runtime name or path the task runs with.
    public var Runtime: String
    public var Mounts: [MountPoint]
    public var ExecIDs: [String]
    /// The `--volumes-from` containers' mounts as they were at create (dockerd copies them
    /// into the container then too), read-only override applied. Also in `Mounts`.
    public var InheritedMounts: [MountPoint]?

    public struct StateRecord: Codable, Sendable {
        /// created, running, paused, restarting, removing, exited, dead.
        public var Status: String
        public var Pid: Int
        public var ExitCode: Int
        public var Error: String
        public var OOMKilled: Bool
        public var StartedAt: String
        public var FinishedAt: String
        public var Health: Health?

        public init() {
            Status = "created"; Pid = 0; ExitCode = 0; Error = ""; OOMKilled = false
            StartedAt = zeroTime; FinishedAt = zeroTime
        }

        public var isRunning: Bool { Status == "running" || Status == "paused" }
    }
}

/// Where a container's files live.
public struct ContainerPaths: Sendable {
    public let dir: String          // <data-root>/containers/<id>
    public let layer: String        // <data-root>/overlay/<id>
    public let bundle: String       // <exec-root>/containers/<id>
    let id: String

    init(dataRoot: String, execRoot: String, id: String) {
        self.id = id
        dir = "\(dataRoot)/containers/\(id)"
        layer = "\(dataRoot)/overlay/\(id)"
        bundle = "\(execRoot)/containers/\(id)"
    }

    public var record: String { "\(dir)/config.v2.json" }
    public var log: String { "\(dir)/\(id)-json.log" }
    public var hostname: String { "\(dir)/hostname" }
    public var hosts: String { "\(dir)/hosts" }
    public var resolvConf: String { "\(dir)/resolv.conf" }
    public var upper: String { "\(layer)/diff" }
    public var work: String { "\(layer)/work" }
    public var merged: String { "\(layer)/merged" }
    public var lowerList: String { "\(layer)/lower" }
}
