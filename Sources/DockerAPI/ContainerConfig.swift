import JSON

// Docker Engine API shapes (api/swagger.yaml). Properties carry Docker's exact JSON
// names, so each type reads like the swagger definition it mirrors and needs no
// CodingKeys; fields we do not model are ignored on decode, as dockerd's Go decoder does.

/// The portable part of a container's configuration (`ContainerConfig` in the swagger).
public struct ContainerConfig: Codable, Sendable, Equatable {
    public var Hostname: String?
    public var Domainname: String?
    public var User: String?
    public var AttachStdin: Bool?
    public var AttachStdout: Bool?
    public var AttachStderr: Bool?
    public var ExposedPorts: [String: JSONValue]?
    public var Tty: Bool?
    public var OpenStdin: Bool?
    public var StdinOnce: Bool?
    public var Env: [String]?
    public var Cmd: [String]?
    public var Healthcheck: HealthConfig?
    public var ArgsEscaped: Bool?
    public var Image: String?
    public var Volumes: [String: JSONValue]?
    public var WorkingDir: String?
    public var Entrypoint: [String]?
    public var NetworkDisabled: Bool?
    public var MacAddress: String?
    public var OnBuild: [String]?
    public var Labels: [String: String]?
    public var StopSignal: String?
    public var StopTimeout: Int?
    public var Shell: [String]?

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        Hostname = try c.decodeIfPresent(String.self, forKey: .Hostname)
        Domainname = try c.decodeIfPresent(String.self, forKey: .Domainname)
        User = try c.decodeIfPresent(String.self, forKey: .User)
        AttachStdin = try c.decodeIfPresent(Bool.self, forKey: .AttachStdin)
        AttachStdout = try c.decodeIfPresent(Bool.self, forKey: .AttachStdout)
        AttachStderr = try c.decodeIfPresent(Bool.self, forKey: .AttachStderr)
        ExposedPorts = try c.decodeIfPresent([String: JSONValue].self, forKey: .ExposedPorts)
        Tty = try c.decodeIfPresent(Bool.self, forKey: .Tty)
        OpenStdin = try c.decodeIfPresent(Bool.self, forKey: .OpenStdin)
        StdinOnce = try c.decodeIfPresent(Bool.self, forKey: .StdinOnce)
        Env = try c.decodeIfPresent([String].self, forKey: .Env)
        // Docker accepts Cmd, Entrypoint and Shell as a string too (the shell form).
        Cmd = try c.decodeStrSlice(.Cmd)
        Healthcheck = try c.decodeIfPresent(HealthConfig.self, forKey: .Healthcheck)
        ArgsEscaped = try c.decodeIfPresent(Bool.self, forKey: .ArgsEscaped)
        Image = try c.decodeIfPresent(String.self, forKey: .Image)
        Volumes = try c.decodeIfPresent([String: JSONValue].self, forKey: .Volumes)
        WorkingDir = try c.decodeIfPresent(String.self, forKey: .WorkingDir)
        Entrypoint = try c.decodeStrSlice(.Entrypoint)
        NetworkDisabled = try c.decodeIfPresent(Bool.self, forKey: .NetworkDisabled)
        MacAddress = try c.decodeIfPresent(String.self, forKey: .MacAddress)
        OnBuild = try c.decodeIfPresent([String].self, forKey: .OnBuild)
        Labels = try c.decodeIfPresent([String: String].self, forKey: .Labels)
        StopSignal = try c.decodeIfPresent(String.self, forKey: .StopSignal)
        StopTimeout = try c.decodeIfPresent(Int.self, forKey: .StopTimeout)
        Shell = try c.decodeStrSlice(.Shell)
    }

    enum Keys: String, CodingKey {
        case Hostname, Domainname, User, AttachStdin, AttachStdout, AttachStderr, ExposedPorts, Tty, OpenStdin, StdinOnce
        case Env, Cmd, Healthcheck, ArgsEscaped, Image, Volumes, WorkingDir, Entrypoint, NetworkDisabled, MacAddress
        case OnBuild, Labels, StopSignal, StopTimeout, Shell
    }
}

extension KeyedDecodingContainer {
    /// Docker's strslice: null, a JSON string (one element) or an array of strings.
    func decodeStrSlice(_ key: Key) throws -> [String]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let s = try? decode(String.self, forKey: key) { return [s] }
        return try decode([String].self, forKey: key)
    }
}

/// `HealthConfig`: durations in nanoseconds, as the API carries them.
public struct HealthConfig: Codable, Sendable, Equatable {
    public var Test: [String]?
    public var Interval: Int64?
    public var Timeout: Int64?
    public var Retries: Int?
    public var StartPeriod: Int64?
    public var StartInterval: Int64?
    public init(Test: [String]? = nil, Interval: Int64? = nil, Timeout: Int64? = nil, Retries: Int? = nil,
                StartPeriod: Int64? = nil, StartInterval: Int64? = nil) {
        self.Test = Test; self.Interval = Interval; self.Timeout = Timeout; self.Retries = Retries
        self.StartPeriod = StartPeriod; self.StartInterval = StartInterval
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
