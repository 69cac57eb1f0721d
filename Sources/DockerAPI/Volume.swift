/// `GET /volumes/{name}` and each entry of `GET /volumes` (the Engine API's Volume). Encoded
/// in the order and with the nulls of moby's volume.Volume, which is what the docker CLI
/// re-encodes for `docker volume inspect`: the `berth` CLI prints the daemon's JSON as is.
public struct Volume: Codable, Sendable, Equatable {
    public var CreatedAt: String?
    public var Driver: String
    /// Always present (`{}` when none): the CLI and the SDKs read it unconditionally.
    public var Labels: [String: String]
    public var Mountpoint: String
    public var Name: String
    public var Options: [String: String]?
    public var Scope: String
    public var Status: [String: String]?
    /// Only in `GET /system/df`.
    public var UsageData: VolumeUsageData?

    public init(Name: String, Driver: String, Mountpoint: String, CreatedAt: String?, Labels: [String: String],
                Scope: String = "local", Options: [String: String]?, UsageData: VolumeUsageData? = nil) {
        self.Name = Name; self.Driver = Driver; self.Mountpoint = Mountpoint; self.CreatedAt = CreatedAt
        self.Labels = Labels; self.Scope = Scope; self.Options = Options; self.UsageData = UsageData
    }

    enum CodingKeys: String, CodingKey {
        case CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope, Status, UsageData
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(CreatedAt, forKey: .CreatedAt)
        try c.encode(Driver, forKey: .Driver)
        try c.encode(Labels, forKey: .Labels)
        try c.encode(Mountpoint, forKey: .Mountpoint)
        try c.encode(Name, forKey: .Name)
        if let Options { try c.encode(Options, forKey: .Options) } else { try c.encodeNil(forKey: .Options) }
        try c.encode(Scope, forKey: .Scope)
        try c.encodeIfPresent(Status, forKey: .Status)
        try c.encodeIfPresent(UsageData, forKey: .UsageData)
    }
}

public struct VolumeUsageData: Codable, Sendable, Equatable {
    public var Size: Int64
    public var RefCount: Int
    public init(Size: Int64, RefCount: Int) { self.Size = Size; self.RefCount = RefCount }
}

/// The body of `POST /volumes/create`.
public struct VolumeCreateRequest: Codable, Sendable {
    public var Name: String?
    public var Driver: String?
    public var DriverOpts: [String: String]?
    public var Labels: [String: String]?
    public init(Name: String? = nil, Driver: String? = nil, DriverOpts: [String: String]? = nil, Labels: [String: String]? = nil) {
        self.Name = Name; self.Driver = Driver; self.DriverOpts = DriverOpts; self.Labels = Labels
    }
}

public struct VolumeListResponse: Codable, Sendable {
    public var Volumes: [Volume]
    public var Warnings: [String]?
    public init(Volumes: [Volume], Warnings: [String]?) { self.Volumes = Volumes; self.Warnings = Warnings }
}

public struct VolumePruneResponse: Codable, Sendable {
    public var VolumesDeleted: [String]?
    public var SpaceReclaimed: Int64
    public init(VolumesDeleted: [String]?, SpaceReclaimed: Int64) {
        self.VolumesDeleted = VolumesDeleted; self.SpaceReclaimed = SpaceReclaimed
    }
}
