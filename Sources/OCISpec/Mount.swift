// `mounts` in config.json (runtime-spec config.md "Mounts").

public struct Mount: Codable, Sendable, Equatable {
    /// Absolute path inside the container.
    public var destination: String
    public var type: String?
    public var source: String?
    /// fstab-style options, including runtime-only ones such as "rbind" or "rro".
    public var options: [String]?
    /// For idmapped mounts.
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?

    public init(
        destination: String = "",
        type: String? = nil,
        source: String? = nil,
        options: [String]? = nil,
        uidMappings: [LinuxIDMapping]? = nil,
        gidMappings: [LinuxIDMapping]? = nil
    ) {
        self.destination = destination
        self.type = type
        self.source = source
        self.options = options
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
    }
}

/// One line of a uid_map/gid_map.
public struct LinuxIDMapping: Codable, Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32 = 0, hostID: UInt32 = 0, size: UInt32 = 0) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}
