import Digest
import DockerAPI

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
    /// How to run the image: the same type and JSON as a container's Config.
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
