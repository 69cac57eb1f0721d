import Digest
import Glibc
import Images
import JSON
import LinuxSys

/// Pushes images from the image store: blobs the registry has are skipped (HEAD), the
/// others mounted from another repository of the registry that the image came from or went
/// to, else uploaded (in one PUT, or in chunks with `uploadChunkSize`), the manifest last,
/// so the registry never serves a manifest whose blobs are missing.
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
        let known = (try? store.inspect(image.id.encoded)).map { $0.repoDigests + $0.repoTags } ?? []
        let candidates = Self.mountCandidates(domain: ref.domain, target: repo, references: known)
        for l in image.layers.reversed() { progress(.layer(status: "Preparing", layer: l.digest)) }
        for l in image.layers.reversed() {
            if try client.blobSize(repository: repo, digest: l.digest, push: true) != nil {
                progress(.layer(status: "Layer already exists", layer: l.digest))
                continue
            }
            let start = mount(client, repo, l.digest, candidates)
            if case .mounted(let from) = start {
                progress(.layer(status: "Mounted from \(from)", layer: l.digest))
                continue
            }
            progress(.layer(status: "Pushing", layer: l.digest))
            try upload(client, repo, l.digest, l.size, start.session) { sent in
                progress(.pushing(layer: l.digest, current: sent, total: l.size))
            }
            progress(.layer(status: "Pushed", layer: l.digest))
        }
        if try client.blobSize(repository: repo, digest: image.id, push: true) == nil {
            let start = mount(client, repo, image.id, candidates)
            if case .mounted = start {} else { try upload(client, repo, image.id, Int64(image.configBytes.count), start.session) }
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

    private func upload(_ client: RegistryClient, _ repo: String, _ digest: Digest, _ size: Int64, _ session: HTTPURL?,
                        sent: @escaping (Int64) -> Void = { _ in }) throws(RegistryError) {
        let content = store.content
        try client.uploadBlob(repository: repo, digest: digest, size: size, chunkSize: options.uploadChunkSize, session: session) {
            (offset: Int64) throws(RegistryError) -> ByteSource in
            let file: FileSource
            do throws(ImageError) { file = try content.open(digest) } catch { throw .store(error) }
            if offset > 0 && lseek(file.fd, off_t(offset), SEEK_SET) != offset {
                throw .store(.internal(SyscallError("lseek", "blob \(digest)").description))
            }
            return CountingSource(file, from: offset, size: size, report: sent)
        }
    }

    /// What mounting a blob came to: mounted from a repository, or not (with the upload
    /// session the last refused mount opened, to upload to).
    enum MountResult {
        case mounted(String)
        case notMounted(HTTPURL?)

        var session: HTTPURL? { if case .notMounted(let s) = self { return s } else { return nil } }
    }

    /// Tries the candidates in turn, as dockerd does; a candidate that fails (gone, no pull
    /// access) only means uploading. Sessions of refused mounts but the last are cancelled.
    private func mount(_ client: RegistryClient, _ repo: String, _ digest: Digest, _ candidates: [String]) -> MountResult {
        var session: HTTPURL?
        for from in candidates {
            guard let start = try? client.withRetries({ () throws(RegistryError) -> UploadStart in
                try client.startUpload(repository: repo, digest: digest, mountFrom: from)
            }) else { continue }
            switch start {
            case .mounted:
                if let s = session { client.cancelUpload(s, repository: repo) }
                return .mounted(from)
            case .session(let url):
                if let s = session { client.cancelUpload(s, repository: repo) }
                session = url
            }
        }
        return .notMounted(session)
    }

    /// Other repositories of `domain` that `references` (an image's RepoDigests and RepoTags)
    /// name: where the image was pulled from or pushed to, so the registry may have its
    /// blobs there. Those sharing more leading path components with `target` come first, as
    /// dockerd orders its candidates; at most `limit`.
    static func mountCandidates(domain: String, target: String, references: [String], limit: Int = 3) -> [String] {
        var repos: [String] = []
        for text in references {
            guard let r = try? Reference.parseNormalized(text), r.domain == domain, r.path != target, !repos.contains(r.path) else { continue }
            repos.append(r.path)
        }
        let want = target.split(separator: "/")
        func likeness(_ path: String) -> Int { zip(path.split(separator: "/"), want).prefix { $0 == $1 }.count }
        let ranked = repos.enumerated().sorted { a, b in
            let (la, lb) = (likeness(a.element), likeness(b.element))
            return la != lb ? la > lb : a.offset < b.offset
        }
        return Array(ranked.map(\.element).prefix(limit))
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

/// Counts the bytes read through it and reports the running total (from `from`, where a
/// resumed upload starts) every 512 KiB and when `size` is reached, as docker's progress
/// reader does. Uploads stop reading at the blob's size, so EOF may never be seen.
final class CountingSource: ByteSource {
    private let source: ByteSource
    private let size: Int64
    private var total: Int64
    private var reported: Int64
    private let report: (Int64) -> Void

    init(_ source: ByteSource, from: Int64, size: Int64, report: @escaping (Int64) -> Void) {
        self.source = source
        self.size = size
        total = from
        reported = from
        self.report = report
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try source.read(into: buffer)
        total += Int64(n)
        if total != reported && (total - reported >= 512 * 1024 || total >= size || n == 0) {
            report(total)
            reported = total
        }
        return n
    }
}
