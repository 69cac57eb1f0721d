import DockerAPI
import JSON

/// The `config` object of an image (OCI image config plus Docker's extensions), with the
/// image-config JSON names, so it decodes straight from an image's config blob.
public struct ImageDefaults: Codable, Sendable, Equatable {
    public var User: String?
    public var ExposedPorts: [String: JSONValue]?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var Volumes: [String: JSONValue]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?
    public var Healthcheck: HealthConfig?
    public var ArgsEscaped: Bool?
    public var OnBuild: [String]?
    public var Shell: [String]?

    public init(User: String? = nil, Env: [String]? = nil, Entrypoint: [String]? = nil, Cmd: [String]? = nil,
                WorkingDir: String? = nil, Volumes: [String: JSONValue]? = nil, Labels: [String: String]? = nil,
                StopSignal: String? = nil, Healthcheck: HealthConfig? = nil, ExposedPorts: [String: JSONValue]? = nil) {
        self.User = User
        self.Env = Env
        self.Entrypoint = Entrypoint
        self.Cmd = Cmd
        self.WorkingDir = WorkingDir
        self.Volumes = Volumes
        self.Labels = Labels
        self.StopSignal = StopSignal
        self.Healthcheck = Healthcheck
        self.ExposedPorts = ExposedPorts
    }
}
