import JSON

// Docker Engine API shapes (api/swagger.yaml). Properties carry Docker's exact JSON
// names, so each type reads like the swagger definition it mirrors and needs no
// CodingKeys; fields we do not model are ignored on decode, as dockerd's Go decoder does.

/// The portable part of a container's configuration (`ContainerConfig` in the swagger), and
/// also the `config` section of an image configuration (OCI image-spec config plus Docker's
/// extensions; old Docker builds leave the other container.Config fields in it too). The
/// image config's fields come first, in the image-spec's order: `GET /images/{name}/json`
/// writes `Config` unsorted, in this order.
public struct ContainerConfig: Codable, Sendable, Equatable {
    public var User: String?
    public var ExposedPorts: [String: EmptyObject]?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var Volumes: [String: EmptyObject]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?
    public var StopTimeout: Int?
    public var Healthcheck: HealthConfig?
    public var OnBuild: [String]?
    public var Shell: [String]?
    public var ArgsEscaped: Bool?
    public var Hostname: String?
    public var Domainname: String?
    public var AttachStdin: Bool?
    public var AttachStdout: Bool?
    public var AttachStderr: Bool?
    public var Tty: Bool?
    public var OpenStdin: Bool?
    public var StdinOnce: Bool?
    public var Image: String?
    public var NetworkDisabled: Bool?
    public var MacAddress: String?

    /// The fields an image sets; the others stay nil.
    public init(User: String? = nil, ExposedPorts: [String: EmptyObject]? = nil, Env: [String]? = nil,
                Entrypoint: [String]? = nil, Cmd: [String]? = nil, Volumes: [String: EmptyObject]? = nil,
                WorkingDir: String? = nil, Labels: [String: String]? = nil, StopSignal: String? = nil,
                Healthcheck: HealthConfig? = nil, OnBuild: [String]? = nil, Shell: [String]? = nil) {
        self.User = User
        self.ExposedPorts = ExposedPorts
        self.Env = Env
        self.Entrypoint = Entrypoint
        self.Cmd = Cmd
        self.Volumes = Volumes
        self.WorkingDir = WorkingDir
        self.Labels = Labels
        self.StopSignal = StopSignal
        self.Healthcheck = Healthcheck
        self.OnBuild = OnBuild
        self.Shell = Shell
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        User = try c.decodeIfPresent(String.self, forKey: .User)
        ExposedPorts = try c.decodeIfPresent([String: EmptyObject].self, forKey: .ExposedPorts)
        Env = try c.decodeIfPresent([String].self, forKey: .Env)
        // Docker accepts Cmd, Entrypoint and Shell as a string too (the shell form).
        Entrypoint = try c.decodeStrSlice(.Entrypoint)
        Cmd = try c.decodeStrSlice(.Cmd)
        Volumes = try c.decodeIfPresent([String: EmptyObject].self, forKey: .Volumes)
        WorkingDir = try c.decodeIfPresent(String.self, forKey: .WorkingDir)
        Labels = try c.decodeIfPresent([String: String].self, forKey: .Labels)
        StopSignal = try c.decodeIfPresent(String.self, forKey: .StopSignal)
        StopTimeout = try c.decodeIfPresent(Int.self, forKey: .StopTimeout)
        Healthcheck = try c.decodeIfPresent(HealthConfig.self, forKey: .Healthcheck)
        OnBuild = try c.decodeIfPresent([String].self, forKey: .OnBuild)
        Shell = try c.decodeStrSlice(.Shell)
        ArgsEscaped = try c.decodeIfPresent(Bool.self, forKey: .ArgsEscaped)
        Hostname = try c.decodeIfPresent(String.self, forKey: .Hostname)
        Domainname = try c.decodeIfPresent(String.self, forKey: .Domainname)
        AttachStdin = try c.decodeIfPresent(Bool.self, forKey: .AttachStdin)
        AttachStdout = try c.decodeIfPresent(Bool.self, forKey: .AttachStdout)
        AttachStderr = try c.decodeIfPresent(Bool.self, forKey: .AttachStderr)
        Tty = try c.decodeIfPresent(Bool.self, forKey: .Tty)
        OpenStdin = try c.decodeIfPresent(Bool.self, forKey: .OpenStdin)
        StdinOnce = try c.decodeIfPresent(Bool.self, forKey: .StdinOnce)
        Image = try c.decodeIfPresent(String.self, forKey: .Image)
        NetworkDisabled = try c.decodeIfPresent(Bool.self, forKey: .NetworkDisabled)
        MacAddress = try c.decodeIfPresent(String.self, forKey: .MacAddress)
    }

    enum CodingKeys: String, CodingKey {
        case User, ExposedPorts, Env, Entrypoint, Cmd, Volumes, WorkingDir, Labels, StopSignal, StopTimeout
        case Healthcheck, OnBuild, Shell, ArgsEscaped, Hostname, Domainname, AttachStdin, AttachStdout, AttachStderr
        case Tty, OpenStdin, StdinOnce, Image, NetworkDisabled, MacAddress
    }
}

/// `{}`: the value type of ExposedPorts and Volumes (Go's `map[string]struct{}`). Decodes
/// whatever is there (some producers write null), always encodes an empty object.
public struct EmptyObject: Codable, Sendable, Equatable, Hashable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }
    private enum NoKeys: CodingKey {}
}

extension KeyedDecodingContainer {
    /// Docker's strslice: null, a JSON string (one element) or an array of strings.
    func decodeStrSlice(_ key: Key) throws -> [String]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let s = try? decode(String.self, forKey: key) { return [s] }
        return try decode([String].self, forKey: key)
    }
}

/// `HealthConfig` (Docker's HEALTHCHECK): durations in nanoseconds, as the API carries them;
/// fields in the order of dockerd's Go struct.
public struct HealthConfig: Codable, Sendable, Equatable {
    public var Test: [String]?
    public var Interval: Int64?
    public var Timeout: Int64?
    public var StartPeriod: Int64?
    public var StartInterval: Int64?
    public var Retries: Int?
    public init(Test: [String]? = nil, Interval: Int64? = nil, Timeout: Int64? = nil, StartPeriod: Int64? = nil,
                StartInterval: Int64? = nil, Retries: Int? = nil) {
        self.Test = Test; self.Interval = Interval; self.Timeout = Timeout; self.StartPeriod = StartPeriod
        self.StartInterval = StartInterval; self.Retries = Retries
    }
}

/// The body of `POST /containers/create`: ContainerConfig plus HostConfig and NetworkingConfig.
public struct ContainerCreateRequest: Decodable, Sendable {
    public var config: ContainerConfig
    public var HostConfig: HostConfig?
    public var NetworkingConfig: JSONValue?

    public init(config: ContainerConfig, hostConfig: HostConfig?) {
        self.config = config; self.HostConfig = hostConfig
    }

    public init(from decoder: any Decoder) throws {
        config = try ContainerConfig(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        HostConfig = try c.decodeIfPresent(DockerAPI.HostConfig.self, forKey: .HostConfig)
        NetworkingConfig = try c.decodeIfPresent(JSONValue.self, forKey: .NetworkingConfig)
    }

    enum Keys: String, CodingKey { case HostConfig, NetworkingConfig }
}
