import Archive
import Digest
import Glibc
import JSON
import LinuxSys

/// One unpacked layer: `<root>/<chain hex>/diff` plus its metadata.
public struct LayerInfo: Codable, Sendable, Equatable {
    public let chainID: Digest
    public let diffID: Digest
    /// Chain ID of the layer below; nil for a base layer.
    public let parent: Digest?
    /// Bytes of file content unpacked (what Docker reports as a layer's size).
    public let size: Int64
    /// Bytes of the uncompressed layer tar (its diff ID's content).
    public let diffSize: Int64
}

/// Layers by chain ID, each unpacked once into a directory that serves as an overlayfs
/// lower layer. A layer is unpacked into a temp directory, its metadata written there,
/// and the directory renamed into place: a crash leaves no half layer under a chain ID.
/// Which layers are still needed is the image store's knowledge; this store only adds,
/// looks up and deletes.
public final class LayerStore: @unchecked Sendable {
    public let root: String
    private let cond = Condition()
    private var layers: [Digest: LayerInfo] = [:]
    private var unpacking: Set<Digest> = []
    /// syncfs before a layer becomes visible, so a machine crash cannot leave one with
    /// empty files (the rename would reach the disk before the data otherwise).
    public var durable = true

    static let metadataFile = "layer.json"

    public init(root: String) throws(ImageError) {
        self.root = root
        try withContext("open layer store \(root)") {
            try FileIO.mkdirAll(root, mode: 0o700)
            for name in try FileIO.listDirectory(root) {
                if name.hasPrefix("tmp-") { FileIO.removeAll(root + "/" + name); continue }
                guard let chain = try? Digest(sha256Hex: name),
                      let bytes = try? FileIO.read(path: root + "/" + name + "/" + Self.metadataFile),
                      let info = try? JSON.decode(LayerInfo.self, from: bytes), info.chainID == chain else {
                    // Not ours or damaged beyond use: leave it for a human, but never serve it.
                    continue
                }
                layers[chain] = info
            }
        }
    }

    /// chainID(1) = diffID(1); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)).
    public static func chainIDs(_ diffIDs: [Digest]) -> [Digest] {
        var out: [Digest] = []
        out.reserveCapacity(diffIDs.count)
        for d in diffIDs {
            out.append(out.last.map { Digest.sha256(of: $0.encoded + " " + d.encoded) } ?? d)
        }
        return out
    }

    public static func chainID(parent: Digest?, diffID: Digest) -> Digest {
        parent.map { Digest.sha256(of: $0.encoded + " " + diffID.encoded) } ?? diffID
    }

    public func get(_ chainID: Digest) -> LayerInfo? { cond.lock(); defer { cond.unlock() }; return layers[chainID] }
    public func has(_ chainID: Digest) -> Bool { get(chainID) != nil }
    public func all() -> [LayerInfo] { cond.lock(); defer { cond.unlock() }; return Array(layers.values) }

    /// The directory to use as an overlay lower layer.
    public func diffDir(_ chainID: Digest) -> String { root + "/" + chainID.hex + "/diff" }

    /// Overlay `lowerdir=` entries for an image's chain IDs (given bottom first), top first.
    public func lowerDirs(for chainIDs: [Digest]) throws(ImageError) -> [String] {
        cond.lock(); defer { cond.unlock() }
        for c in chainIDs where layers[c] == nil { throw .internal("layer \(c) is missing from the layer store") }
        return chainIDs.reversed().map(diffDir)
    }

    /// The layer `chainID`, unpacked from `open()` if it is not there yet. The uncompressed
    /// stream must hash to `diffID`. Callers asking for the same layer at once wait for
    /// one unpack instead of doing it twice.
    @discardableResult
    public func ensure(chainID: Digest, parent: Digest?, diffID: Digest, open: () throws -> ByteSource) throws(ImageError) -> LayerInfo {
        cond.lock()
        while unpacking.contains(chainID) { _ = cond.wait() }
        if let info = layers[chainID] { cond.unlock(); return info }
        unpacking.insert(chainID)
        cond.unlock()
        defer {
            cond.lock()
            unpacking.remove(chainID)
            cond.broadcast()
            cond.unlock()
        }
        guard LayerStore.chainID(parent: parent, diffID: diffID) == chainID else {
            throw .invalidArgument("layer \(diffID) on \(parent?.encoded ?? "nothing") does not have chain ID \(chainID)")
        }
        return try unpack(parent: parent, expectedDiffID: diffID, from: try withContext("open layer \(diffID)", open))
    }

    /// Unpacks a layer whose diff ID is not known beforehand (`docker import`, commit);
    /// if the same layer exists already, the new copy is dropped.
    public func register(parent: Digest?, from src: ByteSource) throws(ImageError) -> LayerInfo {
        try unpack(parent: parent, expectedDiffID: nil, from: src)
    }

    private func unpack(parent: Digest?, expectedDiffID: Digest?, from src: ByteSource) throws(ImageError) -> LayerInfo {
        if let parent, !has(parent) { throw .internal("parent layer \(parent) is missing from the layer store") }
        let prepared = try prepare(expectedDiffID: expectedDiffID, from: src, sync: durable)
        return try commit(prepared, parent: parent)
    }

    /// Unpacks a layer into a temp directory of this store without its parent, which an
    /// overlay lower directory does not need: the layers of one pull unpack side by side,
    /// and only `commit` goes bottom first. The uncompressed stream must hash to
    /// `expectedDiffID` when given. With `sync`, the files are on disk before this returns.
    public func prepare(expectedDiffID: Digest?, from src: ByteSource, sync: Bool = false) throws(ImageError) -> PreparedLayer {
        let tmp = root + "/tmp-" + randomSuffix()
        var done = false
        defer { if !done { FileIO.removeAll(tmp) } }
        let prepared: PreparedLayer = try withContext("unpack layer \(expectedDiffID?.encoded ?? "")") {
            try FileIO.mkdirAll(tmp + "/diff", mode: 0o755)
            // Inflated on a thread of its own; the diff ID check makes gzip's CRC redundant.
            let tap = DigestingSource(try Compression.wrap(src, readAhead: true, checksum: expectedDiffID == nil))
            let result = try LayerApplier.apply(tap, to: tmp + "/diff",
                                                options: ApplyOptions(whiteoutFormat: .overlay, sync: sync))
            try tap.drain() // the diff ID covers the padding after the end-of-archive blocks too
            let diffID = tap.digest
            if let expectedDiffID, diffID != expectedDiffID {
                throw ImageError.invalidArgument(
                    "layer content does not match the image config: its diff ID is \(diffID), the config says \(expectedDiffID)")
            }
            return PreparedLayer(path: tmp, diffID: diffID, size: result.size, diffSize: tap.count)
        }
        done = true
        return prepared
    }

    /// Makes a prepared layer the one on `parent` (which must be here): its metadata written
    /// and its directory renamed into place. If that layer exists already, the copy is dropped.
    @discardableResult
    public func commit(_ p: PreparedLayer, parent: Digest?) throws(ImageError) -> LayerInfo {
        var done = false
        defer { if !done { p.discard() } }
        if let parent, !has(parent) { throw .internal("parent layer \(parent) is missing from the layer store") }
        let info = LayerInfo(chainID: LayerStore.chainID(parent: parent, diffID: p.diffID), diffID: p.diffID,
                             parent: parent, size: p.size, diffSize: p.diffSize)
        try withContext("write layer \(info.chainID) metadata") {
            try FileIO.writeAtomic(p.path + "/" + Self.metadataFile, try JSON.encode(info), mode: 0o600, durable: durable)
        }
        let final = root + "/" + info.chainID.hex
        cond.lock(); defer { cond.unlock() }
        if let existing = layers[info.chainID] { return existing }
        guard rename(p.path, final) == 0 else {
            throw .internal(SyscallError("rename", "\(p.path) to \(final)").description)
        }
        done = true
        layers[info.chainID] = info
        return info
    }

    /// Removes a layer's directory (first renamed away, so it vanishes at once).
    public func delete(_ chainID: Digest) throws(ImageError) {
        if let doomed = detach(chainID) { FileIO.removeAll(doomed) }
    }

    /// Forgets a layer and renames its directory out of sight; returns that path for the
    /// caller to remove at leisure (a large tree takes a while), or nil if there was none.
    public func detach(_ chainID: Digest) -> String? {
        cond.lock(); defer { cond.unlock() }
        guard layers.removeValue(forKey: chainID) != nil else { return nil }
        let dir = root + "/" + chainID.hex
        let doomed = root + "/tmp-del-" + randomSuffix()
        return rename(dir, doomed) == 0 ? doomed : nil
    }
}

/// A layer unpacked into a temp directory of the layer store, not yet under its chain ID.
public struct PreparedLayer: Sendable {
    public let path: String
    public let diffID: Digest
    public let size: Int64
    public let diffSize: Int64

    /// Removes the directory (a layer not committed after all).
    public func discard() { FileIO.removeAll(path) }
}
