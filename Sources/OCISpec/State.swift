// The `state` operation's output (runtime-spec runtime.md "State") and the
// message a runtime sends to a seccomp listener (specs-go/state.go).

public enum ContainerStatus: String, Codable, Sendable, CaseIterable {
    case creating, created, running, paused, stopped
}

public struct State: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    /// One of `ContainerStatus`; a String so a newer runtime's status still decodes.
    public var status: String
    /// Omitted once the container has stopped.
    public var pid: Int?
    /// Absolute path of the bundle directory.
    public var bundle: String
    public var annotations: [String: String]?

    public init(
        ociVersion: String = OCIVersion.current,
        id: String = "",
        status: String = ContainerStatus.creating.rawValue,
        pid: Int? = nil,
        bundle: String = "",
        annotations: [String: String]? = nil
    ) {
        self.ociVersion = ociVersion
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
        self.annotations = annotations
    }

    public init(
        ociVersion: String = OCIVersion.current,
        id: String,
        status: ContainerStatus,
        pid: Int? = nil,
        bundle: String,
        annotations: [String: String]? = nil
    ) {
        self.init(ociVersion: ociVersion, id: id, status: status.rawValue, pid: pid, bundle: bundle, annotations: annotations)
    }

    /// nil when `status` is not one the spec defines.
    public var containerStatus: ContainerStatus? {
        ContainerStatus(rawValue: status)
    }
}

/// Sent with SCM_RIGHTS over `linux.seccomp.listenerPath`; `fds` names each
/// passed descriptor in order (e.g. "seccompFd").
public struct ContainerProcessState: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var fds: [String]
    public var pid: Int
    public var metadata: String?
    public var state: State

    public init(
        ociVersion: String = OCIVersion.current,
        fds: [String] = [],
        pid: Int = 0,
        metadata: String? = nil,
        state: State = State()
    ) {
        self.ociVersion = ociVersion
        self.fds = fds
        self.pid = pid
        self.metadata = metadata
        self.state = state
    }
}
