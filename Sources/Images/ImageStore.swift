import Digest
import Glibc
import JSON
import LinuxSys

/// The image store berthd serves the Docker image API from: images by ID (the digest of
/// their config), references (tags and digests) to IDs, the content store holding configs
/// and layer blobs, and the layer store holding unpacked layers. Everything survives a
/// restart: each image record and the reference map are written atomically.
///
/// Layout under `root`: `blobs/sha256/<hex>` (content), `layers/<chain hex>/diff`,
/// `images/<id hex>.json` (records), `repositories.json` (references), `tmp/`.
///
/// Thread-safe: one lock guards the metadata. Adding images runs mostly outside it, under a
/// write lease that holds back garbage collection of blobs and layers until no addition is
/// in flight, so nothing an addition has checked for can vanish under it.
public final class ImageStore: @unchecked Sendable {
    public let root: String
    public let content: ContentStore
    public let layers: LayerStore
    let recordDir: String
    let repositoriesFile: String

    let lock = Lock()
    var images: [Digest: Entry] = [:]
    var refs: [Reference: Digest] = [:]
    private var writers = 0
    private var gcPending = false

    /// What is persisted per image; the config itself is the blob named by `id`.
    struct Record: Codable {
        var id: Digest
        /// Bottom first, one per diff ID of the config.
        var layers: [LayerBlob]
        var parent: Digest?
        var lastTagTime: String?
        /// The manifest blob a pull stored (kept in the content store with the image).
        var manifest: Digest?
    }

    struct Entry {
        var record: Record
        let config: ImageConfig
        let chainIDs: [Digest]
        var id: Digest { record.id }
    }

    public init(root: String) throws(ImageError) {
        self.root = root
        recordDir = root + "/images"
        repositoriesFile = root + "/repositories.json"
        content = try ContentStore(root: root)
        layers = try LayerStore(root: root + "/layers")
        try withContext("open image store \(root)") { try FileIO.mkdirAll(recordDir, mode: 0o700) }
        try loadRecords()
        try loadRepositories()
        // Blobs and layers of images deleted just before a crash, or of a pull it cut short.
        collectGarbageLocked().forEach(FileIO.removeAll)
    }

    // MARK: persistence

    private func loadRecords() throws(ImageError) {
        let names = try withContext("list \(recordDir)") { try FileIO.listDirectory(recordDir) }
        for name in names where name.hasSuffix(".json") {
            guard let bytes = try? FileIO.read(path: recordDir + "/" + name),
                  let record = try? JSON.decode(Record.self, from: bytes),
                  let configBytes = try? content.read(record.id),
                  let config = try? JSON.decode(ImageConfig.self, from: configBytes) else { continue }
            images[record.id] = Entry(record: record, config: config, chainIDs: LayerStore.chainIDs(config.rootfs.diffIDs))
        }
    }

    private struct RepositoriesFile: Codable {
        var repositories: [String: [String: String]]
        enum CodingKeys: String, CodingKey { case repositories = "Repositories" }
    }

    private func loadRepositories() throws(ImageError) {
        guard let bytes = try? FileIO.read(path: repositoriesFile) else { return }
        let file = try withContext("read \(repositoriesFile)") { try JSON.decode(RepositoriesFile.self, from: bytes) }
        for (_, byRef) in file.repositories {
            for (refText, idText) in byRef {
                guard let ref = try? Reference.parseNormalized(refText), !ref.isNameOnly,
                      let id = try? Digest(parsing: idText), images[id] != nil else { continue }
                refs[ref] = id
            }
        }
    }

    /// Docker's repositories.json: familiar repository name → familiar reference → image ID.
    func saveRepositoriesLocked() throws(ImageError) {
        var file = RepositoriesFile(repositories: [:])
        for (ref, id) in refs {
            file.repositories[ref.familiarName, default: [:]][ref.familiarString] = id.encoded
        }
        try withContext("write \(repositoriesFile)") {
            try FileIO.writeAtomic(repositoriesFile, try JSON.encode(file, pretty: true))
        }
    }

    func saveRecord(_ record: Record) throws(ImageError) {
        let path = recordDir + "/" + record.id.hex + ".json"
        try withContext("write \(path)") { try FileIO.writeAtomic(path, try JSON.encode(record)) }
    }

    func removeRecordFile(_ id: Digest) {
        unlink(recordDir + "/" + id.hex + ".json")
    }

    // MARK: leases and garbage collection

    /// Runs `body` (which adds blobs, layers or images) with garbage collection held back.
    /// berthd wraps a whole pull in one: blobs it ingests before `addImage` stay put.
    public func withWriteLease<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.with { writers += 1 }
        defer {
            lock.lock()
            writers -= 1
            var doomed: [String] = []
            if writers == 0 && gcPending {
                gcPending = false
                doomed = collectGarbageLocked()
            }
            lock.unlock()
            doomed.forEach(FileIO.removeAll)
        }
        return try body()
    }

    /// Deletes blobs and layers no image references, unless an addition is in flight.
    /// Returns layer directories (already renamed out of sight) to remove without the lock.
    func scheduleGarbageCollectionLocked() -> [String] {
        if writers > 0 {
            gcPending = true
            return []
        }
        return collectGarbageLocked()
    }

    func collectGarbageLocked() -> [String] {
        var blobs = Set<Digest>()
        var chains = Set<Digest>()
        for e in images.values {
            blobs.insert(e.id)
            e.record.layers.forEach { blobs.insert($0.digest) }
            if let m = e.record.manifest { blobs.insert(m) }
            e.chainIDs.forEach { chains.insert($0) }
        }
        var doomed: [String] = []
        for l in layers.all() where !chains.contains(l.chainID) {
            if let dir = layers.detach(l.chainID) { doomed.append(dir) }
        }
        for b in (try? content.list()) ?? [] where !blobs.contains(b) {
            try? content.delete(b)
        }
        return doomed
    }

    // MARK: adding images

    /// Adds an image whose config and layer blobs are at hand: the layer blobs must be in the
    /// content store (compressed or not), bottom first, one per diff ID of the config.
    /// Missing layers are unpacked and checked against the config's diff IDs. `manifest`, a
    /// blob in the content store, is kept as long as the image. Returns the ID.
    @discardableResult
    public func addImage(configBytes: [UInt8], layers blobs: [LayerBlob], parent: Digest? = nil,
                         manifest: Digest? = nil) throws(ImageError) -> Digest {
        try withWriteLease { () throws(ImageError) -> Digest in
            let id = Digest.sha256(of: configBytes)
            let config = try withContext("invalid image config \(id)") { try JSON.decode(ImageConfig.self, from: configBytes) }
            let diffIDs = config.rootfs.diffIDs
            guard diffIDs.count == blobs.count else {
                throw .invalidArgument("invalid image \(id): its config lists \(diffIDs.count) layers (rootfs.diff_ids), the manifest \(blobs.count)")
            }
            if !content.has(id) { try content.ingest(bytes: configBytes, expected: id) }
            let chainIDs = LayerStore.chainIDs(diffIDs)
            for (i, chain) in chainIDs.enumerated() where !layers.has(chain) {
                let blob = blobs[i].digest
                try layers.ensure(chainID: chain, parent: i > 0 ? chainIDs[i - 1] : nil, diffID: diffIDs[i]) {
                    try self.content.open(blob)
                }
            }
            try locked { () throws(ImageError) in
                var record = Record(id: id, layers: blobs, parent: parent, lastTagTime: nil, manifest: manifest)
                if let old = images[id] {
                    record.lastTagTime = old.record.lastTagTime
                    record.parent = parent ?? old.record.parent
                    record.manifest = manifest ?? old.record.manifest
                }
                try saveRecord(record)
                images[id] = Entry(record: record, config: config, chainIDs: chainIDs)
            }
            return id
        }
    }

    /// Runs `body` with the metadata lock held, keeping its typed error.
    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: lookups (lock held)

    /// Docker's GetImage: a full or `sha256:` ID, a reference, or a unique ID prefix.
    func resolveLocked(_ name: String) throws(ImageError) -> Digest {
        let any: AnyReference
        do { any = try AnyReference.parse(name) } catch { throw .invalidArgument(error.description) }
        switch any {
        case .id(let d):
            guard images[d] != nil else { throw ImageError.noSuchImage(name) }
            return d
        case .named(let r):
            if let id = refs[Self.lookupKey(r)], images[id] != nil { return id }
            return try searchPrefixLocked(name)
        }
    }

    /// The form a reference is stored under: digest alone if there is one, else with a tag.
    static func lookupKey(_ r: Reference) -> Reference {
        if let d = r.digest { return r.nameOnly.withDigest(d) }
        return r.withDefaultTag
    }

    private func searchPrefixLocked(_ name: String) throws(ImageError) -> Digest {
        var prefix = Substring(name)
        if prefix.hasPrefix("sha256:") { prefix = prefix.dropFirst(7) }
        guard !prefix.isEmpty, prefix.utf8.allSatisfy({ ReferenceGrammar.isHex($0) && !($0 >= 65 && $0 <= 70) }) else {
            throw ImageError.noSuchImage(name)
        }
        let matches = images.keys.filter { $0.hex.hasPrefix(prefix) }
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty { throw ImageError.noSuchImage(name) }
        throw .notFound("No such image: \(name) (the ID prefix matches \(matches.count) images)")
    }

    /// References to an image, sorted by their full form as Docker sorts them.
    func referencesLocked(_ id: Digest) -> [Reference] {
        refs.filter { $0.value == id }.map(\.key).sorted { $0.description < $1.description }
    }

    func sizeLocked(_ e: Entry) -> Int64 {
        e.chainIDs.reduce(0) { $0 + (layers.get($1)?.size ?? 0) }
    }

    func imageLocked(_ e: Entry) -> Image {
        let r = referencesLocked(e.id)
        return Image(id: e.id, config: e.config, parent: e.record.parent, chainIDs: e.chainIDs, size: sizeLocked(e),
                     repoTags: r.filter { $0.tag != nil }.map(\.familiarString),
                     repoDigests: r.filter { $0.digest != nil }.map(\.familiarString),
                     lastTagTime: e.record.lastTagTime.flatMap { WallTime.parse(rfc3339: $0) })
    }
}

/// Docker's stringid.TruncateID: the hex part, 12 characters.
func shortID(_ s: String) -> String {
    var hex = Substring(s)
    if let colon = hex.firstIndex(of: ":") { hex = hex[hex.index(after: colon)...] }
    return String(hex.prefix(12))
}
