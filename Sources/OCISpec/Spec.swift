// Top level of config.json (runtime-spec config.md).

/// The runtime-spec version this module implements and writes into state and features.
public enum OCIVersion {
    public static let current = "1.2.0"
}

/// The whole of a bundle's config.json. Keys for other platforms
/// (windows, solaris, vm, zos) are ignored on decode.
public struct Spec: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var process: Process?
    public var root: Root?
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?

    public init(
        ociVersion: String = OCIVersion.current,
        process: Process? = nil,
        root: Root? = nil,
        hostname: String? = nil,
        domainname: String? = nil,
        mounts: [Mount]? = nil,
        hooks: Hooks? = nil,
        annotations: [String: String]? = nil,
        linux: Linux? = nil
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
    }

    /// Reads and decodes a config.json; errors name the file and the JSON field.
    public static func load(from path: String) throws -> Spec {
        try SpecFile.load(Spec.self, from: path)
    }
}

public struct Root: Codable, Sendable, Equatable {
    /// Absolute, or relative to the bundle directory.
    public var path: String
    public var readonly: Bool?

    public init(path: String = "rootfs", readonly: Bool? = nil) {
        self.path = path
        self.readonly = readonly
    }
}
