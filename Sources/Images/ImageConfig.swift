import Digest

/// The image configuration (OCI image-spec config, with Docker's extensions). Decoding
/// ignores unknown fields; the store keeps the original bytes, because the image ID is
/// the digest of exactly those bytes and re-encoding would change it.
public struct ImageConfig: Codable, Sendable, Equatable {
    public var architecture: String
    public var os: String
    public var variant: String?
    public var osVersion: String?
    public var osFeatures: [String]?
    public var created: String?
    public var author: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [History]?
    /// Docker's: the image this one was committed or built from.
    public var parent: String?
    public var comment: String?
    public var dockerVersion: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant, created, author, config, rootfs, history, parent, comment
        case osVersion = "os.version"
        case osFeatures = "os.features"
        case dockerVersion = "docker_version"
    }

    public init(architecture: String, os: String, variant: String? = nil, created: String? = nil, author: String? = nil,
                config: ContainerConfig? = nil, rootfs: RootFS, history: [History]? = nil, comment: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.created = created
        self.author = author
        self.config = config
        self.rootfs = rootfs
        self.history = history
        self.comment = comment
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Old Docker configs may lack these; Docker treats them as empty.
        architecture = try c.decodeIfPresent(String.self, forKey: .architecture) ?? ""
        os = try c.decodeIfPresent(String.self, forKey: .os) ?? ""
        variant = try c.decodeIfPresent(String.self, forKey: .variant)
        osVersion = try c.decodeIfPresent(String.self, forKey: .osVersion)
        osFeatures = try c.decodeIfPresent([String].self, forKey: .osFeatures)
        created = try c.decodeIfPresent(String.self, forKey: .created)
        author = try c.decodeIfPresent(String.self, forKey: .author)
        config = try c.decodeIfPresent(ContainerConfig.self, forKey: .config)
        rootfs = try c.decodeIfPresent(RootFS.self, forKey: .rootfs) ?? RootFS(diffIDs: [])
        history = try c.decodeIfPresent([History].self, forKey: .history)
        parent = try c.decodeIfPresent(String.self, forKey: .parent)
        comment = try c.decodeIfPresent(String.self, forKey: .comment)
        dockerVersion = try c.decodeIfPresent(String.self, forKey: .dockerVersion)
    }
}

/// The `config` object: how to run the image (PascalCase keys, as the spec and Docker write them).
/// Docker's container.Config fields that old Docker builds leave in image configs are kept too.
public struct ContainerConfig: Codable, Sendable, Equatable {
    public var user: String?
    public var exposedPorts: [String: EmptyObject]?
    public var env: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var volumes: [String: EmptyObject]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var stopTimeout: Int?
    public var healthcheck: HealthConfig?
    public var onBuild: [String]?
    public var shell: [String]?
    public var argsEscaped: Bool?
    public var hostname: String?
    public var domainname: String?
    public var attachStdin: Bool?
    public var attachStdout: Bool?
    public var attachStderr: Bool?
    public var tty: Bool?
    public var openStdin: Bool?
    public var stdinOnce: Bool?
    public var image: String?
    public var networkDisabled: Bool?
    public var macAddress: String?

    enum CodingKeys: String, CodingKey {
        case user = "User", exposedPorts = "ExposedPorts", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd"
        case volumes = "Volumes", workingDir = "WorkingDir", labels = "Labels", stopSignal = "StopSignal"
        case stopTimeout = "StopTimeout", healthcheck = "Healthcheck", onBuild = "OnBuild", shell = "Shell"
        case argsEscaped = "ArgsEscaped", hostname = "Hostname", domainname = "Domainname"
        case attachStdin = "AttachStdin", attachStdout = "AttachStdout", attachStderr = "AttachStderr"
        case tty = "Tty", openStdin = "OpenStdin", stdinOnce = "StdinOnce", image = "Image"
        case networkDisabled = "NetworkDisabled", macAddress = "MacAddress"
    }

    public init(user: String? = nil, exposedPorts: [String: EmptyObject]? = nil, env: [String]? = nil,
                entrypoint: [String]? = nil, cmd: [String]? = nil, volumes: [String: EmptyObject]? = nil,
                workingDir: String? = nil, labels: [String: String]? = nil, stopSignal: String? = nil,
                healthcheck: HealthConfig? = nil, onBuild: [String]? = nil, shell: [String]? = nil) {
        self.user = user
        self.exposedPorts = exposedPorts
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.volumes = volumes
        self.workingDir = workingDir
        self.labels = labels
        self.stopSignal = stopSignal
        self.healthcheck = healthcheck
        self.onBuild = onBuild
        self.shell = shell
    }
}

/// Docker's HEALTHCHECK; durations in nanoseconds.
public struct HealthConfig: Codable, Sendable, Equatable {
    public var test: [String]?
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?

    enum CodingKeys: String, CodingKey {
        case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod"
        case startInterval = "StartInterval", retries = "Retries"
    }

    public init(test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
                startInterval: Int64? = nil, retries: Int? = nil) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.startInterval = startInterval
        self.retries = retries
    }
}

public struct RootFS: Codable, Sendable, Equatable {
    public var type: String
    public var diffIDs: [Digest]

    enum CodingKeys: String, CodingKey {
        case type
        case diffIDs = "diff_ids"
    }

    public init(type: String = "layers", diffIDs: [Digest]) {
        self.type = type
        self.diffIDs = diffIDs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "layers"
        diffIDs = try c.decodeIfPresent([Digest].self, forKey: .diffIDs) ?? []
    }
}

public struct History: Codable, Sendable, Equatable {
    public var created: String?
    public var createdBy: String?
    public var author: String?
    public var comment: String?
    public var emptyLayer: Bool?

    enum CodingKeys: String, CodingKey {
        case created, author, comment
        case createdBy = "created_by"
        case emptyLayer = "empty_layer"
    }

    public init(created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil,
                emptyLayer: Bool? = nil) {
        self.created = created
        self.createdBy = createdBy
        self.author = author
        self.comment = comment
        self.emptyLayer = emptyLayer
    }
}

/// `{}`: the value type of ExposedPorts and Volumes. Decodes whatever is there (some
/// producers write null), always encodes an empty object.
public struct EmptyObject: Codable, Sendable, Equatable, Hashable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }
    private enum NoKeys: CodingKey {}
}
