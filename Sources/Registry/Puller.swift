import Digest
import Images
import JSON
import LinuxSys

/// What to pull with.
public struct PullOptions: Sendable {
    public var platform: Platform
    /// Layers downloaded at once (daemon.json `max-concurrent-downloads`).
    public var maxConcurrentDownloads: Int
    public var credentials: RegistryCredentials?
    /// Registries reached over plain HTTP besides loopback ones.
    public var insecureRegistries: [String]
    /// daemon.json `registry-mirrors` (`http://host:port`): tried in order before docker.io.
    public var mirrors: [String]
    /// How registries are reached (berthd adds its HTTPS transport).
    public var transports: Transports
    public var uploadChunkSize: Int64 = 0 // pushes send larger blobs in PATCHes of this many bytes; 0: one PUT

    public init(platform: Platform = .host, maxConcurrentDownloads: Int = 3, credentials: RegistryCredentials? = nil,
                insecureRegistries: [String] = [], mirrors: [String] = [], transports: Transports = Transports()) {
        self.platform = platform
        self.maxConcurrentDownloads = maxConcurrentDownloads
        self.credentials = credentials
        self.insecureRegistries = insecureRegistries
        self.mirrors = mirrors
        self.transports = transports
    }
}

/// A reference resolved to the image manifest for the wanted platform: everything a pull
/// needs before its first layer, so that "not found" and "unauthorized" are known before
/// any progress is streamed (dockerd answers those with an HTTP error status).
public struct ResolvedPull: Sendable {
    /// The reference asked for, with `latest` when it named neither tag nor digest.
    public let reference: Reference
    /// What the reference resolved to at the top (an index's digest for a multi-platform
    /// image): what RepoDigests records.
    public let digest: Digest
    public let manifest: ImageManifest
    public let manifestBytes: [UInt8]
    public let manifestDigest: Digest
    let client: RegistryClient
}

/// How a pull ended.
public struct PullResult: Sendable, Equatable {
    public let id: Digest
    /// False when the reference already named this image ("Image is up to date").
    public let updated: Bool
}

/// Pulls images from a registry into the image store.
public final class Puller: @unchecked Sendable {
    public let store: ImageStore
    public let options: PullOptions

    public init(store: ImageStore, options: PullOptions = PullOptions()) {
        self.store = store
        self.options = options
    }

    /// The repository path in the registry ("library/busybox" for docker.io's busybox).
    static func repository(_ r: Reference) -> String { r.path }

    /// The tags of `ref`'s repository, as `docker pull --all-tags` pulls them.
    public func tags(_ ref: Reference) throws(RegistryError) -> [String] {
        let client = try RegistryClient(domain: ref.domain, credentials: options.credentials, insecure: options.insecureRegistries,
                                        transports: options.transports)
        return try client.tags(repository: Self.repository(ref), displayName: ref.familiarName)
    }

    /// Fetches the manifest (and, for an index, the one for the wanted platform).
    /// For docker.io, each mirror is tried first (without the docker.io credentials); a
    /// mirror that fails or lacks the image is skipped, as dockerd does.
    public func resolve(_ ref: Reference) throws(RegistryError) -> ResolvedPull {
        let ref = ref.digest == nil ? ref.withDefaultTag : ref
        if ref.domain == Reference.defaultDomain {
            for mirror in options.mirrors {
                let domain = AuthConfig.domain(ofServer: mirror)
                let plain = mirror.lowercased().hasPrefix("http://") ? [domain] : []
                guard domain != Reference.defaultDomain,
                      let client = try? RegistryClient(domain: domain, insecure: options.insecureRegistries + plain,
                                                            transports: options.transports),
                      let resolved = try? resolve(ref, client) else { continue }
                return resolved
            }
        }
        let client = try RegistryClient(domain: ref.domain, credentials: options.credentials, insecure: options.insecureRegistries,
                                        transports: options.transports)
        return try resolve(ref, client)
    }

    private func resolve(_ ref: Reference, _ client: RegistryClient) throws(RegistryError) -> ResolvedPull {
        let repo = Self.repository(ref)
        let display = ref.familiarString
        let top = try client.manifest(repository: repo, reference: ref.digest?.encoded ?? ref.tag ?? Reference.defaultTag,
                                      displayName: display)
        var current = top
        for _ in 0..<4 {
            if MediaType.isIndex(current.mediaType) {
                let index: ImageIndex
                do { index = try JSON.decode(ImageIndex.self, from: current.bytes) } catch {
                    throw .invalid("invalid manifest list for \(display): \(error)")
                }
                guard let entry = index.manifests.first(where: {
                    ($0.platform?.serves(options.platform) ?? false) && (MediaType.isManifest($0.mediaType) || MediaType.isIndex($0.mediaType))
                }) else {
                    throw .notFound("no matching manifest for \(options.platform.text) in the manifest list entries")
                }
                current = try client.manifest(repository: repo, reference: entry.digest.encoded, displayName: display)
                guard current.digest == entry.digest else { throw .invalid("manifest \(entry.digest) of \(display): digest mismatch") }
                continue
            }
            guard MediaType.isManifest(current.mediaType) else {
                if current.mediaType.contains("distribution.manifest.v1") {
                    throw .unsupported("\(display) uses the deprecated image manifest format (schema 1), which is not supported; push it again with a current client")
                }
                throw .unsupported("\(display): unsupported manifest media type \"\(current.mediaType)\"")
            }
            let manifest: ImageManifest
            do { manifest = try JSON.decode(ImageManifest.self, from: current.bytes) } catch {
                throw .invalid("invalid manifest for \(display): \(error)")
            }
            for l in manifest.layers where !MediaType.isLayer(l.mediaType) {
                throw .unsupported("\(display): unsupported layer media type \(l.mediaType)")
            }
            return ResolvedPull(reference: ref, digest: top.digest, manifest: manifest, manifestBytes: current.bytes,
                                manifestDigest: current.digest, client: client)
        }
        throw .invalid("\(display): manifest lists nested too deep")
    }

    /// Resolves and pulls; `progress` is called (serially, from several threads) as it goes.
    public func pull(_ ref: Reference, progress: @escaping @Sendable (PullEvent) -> Void) throws(RegistryError) -> PullResult {
        try pull(try resolve(ref), progress: progress)
    }

    /// Downloads what the store lacks (several layers at once, each unpacked as it arrives),
    /// then adds the image with its tag and digest reference. All under one write lease, so
    /// nothing fetched is collected meanwhile; on failure no image or reference is added.
    public func pull(_ r: ResolvedPull, progress: @escaping @Sendable (PullEvent) -> Void) throws(RegistryError) -> PullResult {
        let emitLock = Lock()
        let emit: @Sendable (PullEvent) -> Void = { e in emitLock.with { progress(e) } }
        let ref = r.reference
        emit(.pullingFrom(repository: ref.path, id: ref.tag ?? ref.digest?.encoded ?? Reference.defaultTag))
        let previous = try? store.resolve(ref.familiarString)
        return try store.withWriteLease { () throws(RegistryError) -> PullResult in
            let configBytes = try fetchSmall(r, r.manifest.config)
            let config: ImageConfig
            do { config = try JSON.decode(ImageConfig.self, from: configBytes) } catch {
                throw .invalid("invalid image config \(r.manifest.config.digest): \(error)")
            }
            let diffIDs = config.rootfs.diffIDs
            guard diffIDs.count == r.manifest.layers.count else {
                throw .invalid("invalid image \(ref.familiarString): the config lists \(diffIDs.count) layers, the manifest \(r.manifest.layers.count)")
            }
            let chains = LayerStore.chainIDs(diffIDs)
            // The image itself is here (a repeated pull): no layer lines, as with dockerd.
            // Another image with the same layers gets "Already exists" for each of them.
            let present = store.allIDs().contains(r.manifest.config.digest) && chains.allSatisfy(store.layers.has)
                && r.manifest.layers.allSatisfy { store.content.has($0.digest) }
            if !present {
                try LayerDownloads(puller: self, resolved: r, chains: chains, diffIDs: diffIDs, emit: emit).run()
            }
            do {
                if !store.content.has(r.manifestDigest) { try store.content.ingest(bytes: r.manifestBytes, expected: r.manifestDigest) }
                let blobs = r.manifest.layers.map { LayerBlob(digest: $0.digest, mediaType: $0.mediaType, size: $0.size) }
                let id = try store.addImage(configBytes: configBytes, layers: blobs, manifest: r.manifestDigest)
                if ref.tag != nil { try store.addReference(ref.nameOnly.withTag(ref.tag ?? Reference.defaultTag), to: id) }
                try store.addReference(ref.nameOnly.withDigest(r.digest), to: id, force: true)
                emit(.status("Digest: \(r.digest)"))
                let updated = previous != id
                emit(.status(updated ? "Status: Downloaded newer image for \(ref.familiarString)"
                                     : "Status: Image is up to date for \(ref.familiarString)"))
                return PullResult(id: id, updated: updated)
            } catch let e as ImageError { throw .store(e) } catch let e as ReferenceError {
                throw .invalid(e.description)
            } catch { throw .store(.internal("\(error)")) }
        }
    }

    /// A config (small) blob: from the store if there, else fetched, verified and stored.
    private func fetchSmall(_ r: ResolvedPull, _ d: Descriptor) throws(RegistryError) -> [UInt8] {
        let content = store.content
        if content.has(d.digest), let bytes = try? content.read(d.digest) { return bytes }
        guard d.size <= 64 << 20 else { throw .invalid("image config \(d.digest) is too large (\(d.size) bytes)") }
        let file = try r.client.fetchBlob(repository: Self.repository(r.reference), descriptor: d, into: content)
        do {
            try content.adopt(file)
            return try content.read(d.digest)
        } catch {
            file.discard()
            throw .store(error)
        }
    }
}
