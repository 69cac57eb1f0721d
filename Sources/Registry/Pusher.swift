import Digest
import Images
import JSON
import LinuxSys

/// Pushes images from the image store: blobs the registry has are skipped (HEAD), the
/// others uploaded monolithically, the manifest last, so the registry never serves a
/// manifest whose blobs are missing.
public final class Pusher: @unchecked Sendable {
    public let store: ImageStore
    public let options: PullOptions

    public init(store: ImageStore, options: PullOptions = PullOptions()) {
        self.store = store
        self.options = options
    }

    /// Pushes the local image `ref` names (a tag; `latest` when none) to its registry.
    /// Returns the manifest digest, also recorded as a RepoDigest of the image.
    @discardableResult
    public func push(_ ref: Reference, progress: @escaping @Sendable (PullEvent) -> Void) throws(RegistryError) -> Digest {
        let ref = ref.withDefaultTag
        guard let tag = ref.tag else { throw .invalid("push needs a tag: \(ref)") }
        let image: DistributableImage
        do { image = try store.distributable(ref.familiarString) } catch { throw .store(error) }
        let client = try RegistryClient(domain: ref.domain, credentials: options.credentials, insecure: options.insecureRegistries,
                                        transports: options.transports)
        let repo = ref.path
        progress(.status("The push refers to repository [\(ref.name)]"))
        let (manifestBytes, mediaType) = try manifest(for: image)
        for l in image.layers.reversed() { progress(.layer(status: "Preparing", layer: l.digest)) }
        for l in image.layers.reversed() {
            if try client.blobSize(repository: repo, digest: l.digest, push: true) != nil {
                progress(.layer(status: "Layer already exists", layer: l.digest))
                continue
            }
            progress(.layer(status: "Pushing", layer: l.digest))
            try upload(client, repo, l.digest, l.size)
            progress(.layer(status: "Pushed", layer: l.digest))
        }
        if try client.blobSize(repository: repo, digest: image.id, push: true) == nil {
            try upload(client, repo, image.id, Int64(image.configBytes.count))
        }
        let digest = try client.putManifest(repository: repo, reference: tag, mediaType: mediaType, bytes: manifestBytes)
        do {
            if !store.content.has(digest) { try store.content.ingest(bytes: manifestBytes, expected: digest) }
            try store.addReference(ref.nameOnly.withDigest(digest), to: image.id)
        } catch { throw .store(error) }
        progress(.status("\(tag): digest: \(digest) size: \(manifestBytes.count)"))
        progress(.pushed(tag: tag, digest: digest, size: manifestBytes.count))
        return digest
    }

    private func upload(_ client: RegistryClient, _ repo: String, _ digest: Digest, _ size: Int64) throws(RegistryError) {
        let content = store.content
        try client.uploadBlob(repository: repo, digest: digest, size: size) { () throws(RegistryError) -> ByteSource in
            do { return try content.open(digest) } catch { throw .store((error as? ImageError) ?? .internal("\(error)")) }
        }
    }

    /// The manifest a pull recorded when it still describes the image (same digests back),
    /// else an OCI manifest made from the stored config and layer blobs.
    private func manifest(for image: DistributableImage) throws(RegistryError) -> ([UInt8], String) {
        if let m = image.manifest, let bytes = try? store.content.read(m),
           let manifest = try? JSON.decode(ImageManifest.self, from: bytes),
           manifest.config.digest == image.id, manifest.layers.map(\.digest) == image.layers.map(\.digest) {
            return (bytes, manifest.mediaType ?? MediaType.ociManifest)
        }
        let config = Descriptor(mediaType: MediaType.ociConfig, digest: image.id, size: Int64(image.configBytes.count))
        let layers = image.layers.map { Descriptor(mediaType: Self.ociType($0.mediaType), digest: $0.digest, size: $0.size) }
        do { return (try JSON.encode(ImageManifest(config: config, layers: layers), sortedKeys: false), MediaType.ociManifest) } catch {
            throw .invalid("encode manifest: \(error)")
        }
    }

    /// Docker layer media types in an OCI manifest become their OCI equivalents.
    static func ociType(_ t: String) -> String {
        switch t {
        case MediaType.dockerLayer: return MediaType.ociLayer
        case MediaType.dockerLayerGzip: return MediaType.ociLayerGzip
        default: return t
        }
    }
}
