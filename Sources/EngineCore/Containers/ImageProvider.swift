import DockerAPI
import ContainerSpec

/// What the container engine needs from the image store; berthd wires the real store in,
/// which keeps EngineCore's container logic independent of how images are kept.
public protocol ImageProvider: AnyObject, Sendable {
    /// Resolves a name, ID or ID prefix; throws EngineError.notFound("No such image: <name>").
    func resolve(_ name: String) throws -> ResolvedImage
    /// The image's layer directories, top layer first, for overlayfs `lowerdir=`.
    func lowerDirs(imageID: String) throws -> [String]
    /// The familiar name for an image ID (first tag), or nil when untagged.
    func displayName(imageID: String) -> String?
    /// Bytes of the image's layers (inspect's `Size`), 0 when it is gone.
    func size(imageID: String) -> Int64
}

public struct ResolvedImage: Sendable {
    /// "sha256:<hex>".
    public var id: String
    /// The image config's `config` section: the defaults a container's config is merged with.
    public var config: ContainerConfig
    public init(id: String, config: ContainerConfig) { self.id = id; self.config = config }
}
