import Digest
import DockerAPI
import LinuxSys

/// A layer as an image references it: the blob in the content store it was unpacked from
/// (compressed or not), kept so `docker save` can reproduce the exact diff.
public struct LayerBlob: Codable, Sendable, Equatable, Hashable {
    public var digest: Digest
    public var mediaType: String
    public var size: Int64

    public init(digest: Digest, mediaType: String, size: Int64) {
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
    }
}

/// An image as the store knows it.
public struct Image: Sendable, Equatable {
    /// sha256 of the config bytes.
    public let id: Digest
    public let config: ImageConfig
    public let parent: Digest?
    /// Chain IDs of its layers, bottom first.
    public let chainIDs: [Digest]
    /// Unpacked bytes of all its layers.
    public let size: Int64
    /// "busybox:latest", sorted as Docker sorts them.
    public let repoTags: [String]
    /// "busybox@sha256:..."
    public let repoDigests: [String]
    public let lastTagTime: WallTime?
}

/// Who uses an image: the image store asks berthd, which knows the containers.
public struct ImageUser: Sendable, Equatable {
    public var containerID: String
    public var running: Bool
    public init(containerID: String, running: Bool) {
        self.containerID = containerID
        self.running = running
    }
}

/// Returns the containers using an image ID. Called with the store's lock held: it must not
/// call back into the ImageStore.
public typealias ImageUsers = (Digest) -> [ImageUser]

/// One line of `docker load` output, and the image it is about.
public struct LoadedImage: Sendable, Equatable {
    public let id: Digest
    /// Tagged references set by this load (full form).
    public let references: [Reference]
    /// What docker prints: "Loaded image: busybox:latest" or "Loaded image ID: sha256:...",
    /// preceded by "The image busybox:latest already exists, renaming the old one with ID
    /// sha256:... to empty string" when a tag moved.
    public let messages: [String]
}

/// An element of the DELETE /images/{name} response.
public enum ImageDeleteItem: Codable, Sendable, Equatable {
    case untagged(String)
    case deleted(String)

    enum CodingKeys: String, CodingKey { case untagged = "Untagged", deleted = "Deleted" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let u = try c.decodeIfPresent(String.self, forKey: .untagged) { self = .untagged(u) } else {
            self = .deleted(try c.decode(String.self, forKey: .deleted))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .untagged(let s): try c.encode(s, forKey: .untagged)
        case .deleted(let s): try c.encode(s, forKey: .deleted)
        }
    }
}

/// The result of an image prune.
public struct ImagePruneReport: Codable, Sendable, Equatable {
    public var imagesDeleted: [ImageDeleteItem]
    public var spaceReclaimed: Int64

    enum CodingKeys: String, CodingKey { case imagesDeleted = "ImagesDeleted", spaceReclaimed = "SpaceReclaimed" }
}

/// GET /images/json filters, already parsed from the query's JSON.
public struct ImageFilters: Sendable, Equatable {
    /// true: only untagged images; false: only tagged ones.
    public var dangling: Bool?
    /// "key" or "key=value"; every one must match.
    public var labels: [String] = []
    /// Glob patterns (Go path.Match) against familiar references; any may match.
    public var references: [String] = []
    /// Image name or ID: only images created before / after it.
    public var before: String?
    public var since: String?
    /// Only images created before this time (prune's `until`).
    public var until: WallTime?
    /// Include intermediate images (parents of other images) without tags, as `docker images -a`.
    public var all = false

    public init(dangling: Bool? = nil, labels: [String] = [], references: [String] = [], before: String? = nil,
                since: String? = nil, until: WallTime? = nil, all: Bool = false) {
        self.dangling = dangling
        self.labels = labels
        self.references = references
        self.before = before
        self.since = since
        self.until = until
        self.all = all
    }
}

/// An element of GET /images/json.
public struct ImageSummary: Codable, Sendable, Equatable {
    public var id: String
    public var parentID: String
    public var repoTags: [String]
    public var repoDigests: [String]
    /// Unix seconds.
    public var created: Int64
    public var size: Int64
    /// Bytes shared with other images; -1 unless computed (`diskUsage`).
    public var sharedSize: Int64
    public var labels: [String: String]
    public var containers: Int

    enum CodingKeys: String, CodingKey {
        case id = "Id", parentID = "ParentId", repoTags = "RepoTags", repoDigests = "RepoDigests", created = "Created"
        case size = "Size", sharedSize = "SharedSize", labels = "Labels", containers = "Containers"
    }
}

/// GET /images/{name}/json, in Docker's field names.
public struct ImageInspect: Codable, Sendable, Equatable {
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String]
    public var parent: String
    public var comment: String
    public var created: String
    public var dockerVersion: String
    public var author: String
    public var config: ContainerConfig?
    public var architecture: String
    public var variant: String?
    public var os: String
    public var osVersion: String?
    public var size: Int64
    public var rootFS: RootFSInfo
    public var metadata: Metadata

    public struct RootFSInfo: Codable, Sendable, Equatable {
        public var type: String
        public var layers: [String]
        enum CodingKeys: String, CodingKey { case type = "Type", layers = "Layers" }
    }

    public struct Metadata: Codable, Sendable, Equatable {
        public var lastTagTime: String
        enum CodingKeys: String, CodingKey { case lastTagTime = "LastTagTime" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", parent = "Parent", comment = "Comment"
        case created = "Created", dockerVersion = "DockerVersion", author = "Author", config = "Config"
        case architecture = "Architecture", variant = "Variant", os = "Os", osVersion = "OsVersion", size = "Size"
        case rootFS = "RootFS", metadata = "Metadata"
    }
}

/// An element of GET /images/{name}/history.
public struct ImageHistoryItem: Codable, Sendable, Equatable {
    /// The image ID for rows that are an image, "<missing>" for the others.
    public var id: String
    /// Unix seconds.
    public var created: Int64
    public var createdBy: String
    public var tags: [String]
    public var size: Int64
    public var comment: String

    enum CodingKeys: String, CodingKey {
        case id = "Id", created = "Created", createdBy = "CreatedBy", tags = "Tags", size = "Size", comment = "Comment"
    }
}

/// What the images use on disk (`docker system df`).
public struct ImageDiskUsage: Sendable, Equatable {
    /// Unpacked bytes of every layer, each counted once.
    public var layersSize: Int64
    /// Every image, with `sharedSize` filled in.
    public var images: [ImageSummary]
}
