// `hooks` in config.json (runtime-spec config.md "POSIX-platform Hooks").

public struct Hooks: Codable, Sendable, Equatable {
    /// Deprecated by the spec in favour of createRuntime, still honoured by runc.
    public var prestart: [Hook]?
    public var createRuntime: [Hook]?
    public var createContainer: [Hook]?
    public var startContainer: [Hook]?
    public var poststart: [Hook]?
    public var poststop: [Hook]?

    public init(
        prestart: [Hook]? = nil,
        createRuntime: [Hook]? = nil,
        createContainer: [Hook]? = nil,
        startContainer: [Hook]? = nil,
        poststart: [Hook]? = nil,
        poststop: [Hook]? = nil
    ) {
        self.prestart = prestart
        self.createRuntime = createRuntime
        self.createContainer = createContainer
        self.startContainer = startContainer
        self.poststart = poststart
        self.poststop = poststop
    }
}

public struct Hook: Codable, Sendable, Equatable {
    /// Absolute path of the executable, resolved in the runtime namespace.
    public var path: String
    /// Includes argv[0], as with execv.
    public var args: [String]?
    public var env: [String]?
    /// Seconds; must be positive when present.
    public var timeout: Int?

    public init(path: String = "", args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
        self.path = path
        self.args = args
        self.env = env
        self.timeout = timeout
    }
}
