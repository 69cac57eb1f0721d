import LinuxSys
import Digest
import Images
import DockerAPI
import EngineCore

/// The image store as the container engine sees it (EngineCore.ImageProvider).
final class ImageAdapter: ImageProvider, @unchecked Sendable {
    let store: ImageStore
    /// The container using an image ID, if any; set once the engine exists.
    var inUse: (@Sendable (String) -> String?)?

    init(_ store: ImageStore) { self.store = store }

    func resolve(_ name: String) throws -> ResolvedImage {
        let image: Image
        do { image = try store.get(name) } catch { throw Self.engineError(error) }
        return ResolvedImage(id: image.id.encoded, config: image.config.config ?? ContainerConfig())
    }

    func lowerDirs(imageID: String) throws -> [String] {
        do {
            return try store.layerDirs(try Digest(parsing: imageID))
        } catch {
            throw Self.engineError(error)
        }
    }

    func displayName(imageID: String) -> String? {
        (try? store.get(imageID))?.repoTags.first
    }

    func size(imageID: String) -> Int64 {
        (try? store.get(imageID))?.size ?? 0
    }

    static func engineError(_ e: Error) -> EngineError {
        switch e {
        case let i as ImageError:
            switch i {
            case .notFound(let m): return .notFound(m)
            case .conflict(let m): return .conflict(m)
            case .invalidArgument(let m): return .invalid(m)
            case .internal(let m): return .internal(m)
            }
        case let e as EngineError: return e
        default: return .internal("\(e)")
        }
    }
}
