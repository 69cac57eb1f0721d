import Digest
import Images
import LinuxSys

/// The layers of one pull that the store lacks. Up to `maxConcurrentDownloads` worker
/// threads take them bottom first; each layer unpacks from its download as the bytes
/// arrive (the blob written to a spool file of the content store on the way, see
/// BlobStream), into a directory of its own: overlay lower layers do not depend on each
/// other, so the layers unpack side by side and only their commit goes bottom first. A
/// layer is committed, and its blob adopted, only once its digest and diff ID are verified
/// and every layer of the pull is there: on failure nothing of the pull is left behind.
final class LayerDownloads: @unchecked Sendable {
    /// What a layer needs, decided before anything is fetched.
    enum Work: Equatable {
        /// Unpacked and its blob stored: "Already exists".
        case none
        /// Blob stored, layer not unpacked: unpacked from the store.
        case unpack
        /// Unpacked (from another image's blob) but this blob is not stored: downloaded only,
        /// because push and save hand out blobs by digest.
        case fetch
        case fetchAndUnpack
        /// The same blob as a layer further down: unpacked from that download at the end.
        case duplicate(of: Int)
    }

    private let puller: Puller
    private let resolved: ResolvedPull
    private let emit: @Sendable (PullEvent) -> Void
    private let layers: [Descriptor]
    private let chains: [Digest]
    private let diffIDs: [Digest]
    private(set) var work: [Work] = []

    private let cond = Condition()
    private var prepared: [PreparedLayer?]
    private var spooled: [SpooledFile?]
    private var finished: [Bool]
    private var completeLines = 0
    private var next = 0
    private var running = 0
    private var failure: RegistryError?

    init(puller: Puller, resolved: ResolvedPull, chains: [Digest], diffIDs: [Digest], emit: @escaping @Sendable (PullEvent) -> Void) {
        self.puller = puller
        self.resolved = resolved
        self.emit = emit
        self.chains = chains
        self.diffIDs = diffIDs
        layers = resolved.manifest.layers
        prepared = Array(repeating: nil, count: layers.count)
        spooled = Array(repeating: nil, count: layers.count)
        finished = Array(repeating: false, count: layers.count)
    }

    private struct Cancelled: Error {}

    private var store: ImageStore { puller.store }

    func run() throws(RegistryError) {
        var first: [Digest: Int] = [:]
        for (i, l) in layers.enumerated() {
            let hasLayer = store.layers.has(chains[i])
            if let f = first[l.digest] {
                // dockerd shows no line of its own for a repeated blob either.
                work.append(hasLayer ? .none : .duplicate(of: f))
                continue
            }
            first[l.digest] = i
            let hasBlob = store.content.has(l.digest)
            switch (hasLayer, hasBlob) {
            case (true, true): work.append(.none)
            case (false, true): work.append(.unpack)
            case (true, false): work.append(.fetch)
            case (false, false): work.append(.fetchAndUnpack)
            }
            emit(hasBlob ? .alreadyExists(layer: l.digest) : .waiting(layer: l.digest))
        }
        let jobs = work.indices.filter { [.unpack, .fetch, .fetchAndUnpack].contains(work[$0]) }
        var committed = false
        defer {
            if !committed {
                prepared.forEach { $0?.discard() }
                spooled.forEach { $0?.discard() }
            }
        }
        try runWorkers(jobs)
        try unpackDuplicates()
        // All verified: the blobs into the store, then the layers bottom first (each on its parent).
        do {
            for f in spooled { if let f { try store.content.adopt(f) } }
            spooled = spooled.map { _ in nil }
            for i in layers.indices {
                guard let p = prepared[i] else { continue }
                prepared[i] = nil
                let info = try store.layers.commit(p, parent: i > 0 ? chains[i - 1] : nil)
                guard info.chainID == chains[i] else {
                    throw ImageError.internal("layer \(i) committed as \(info.chainID), expected chain ID \(chains[i])")
                }
            }
        } catch { throw .store((error as? ImageError) ?? .internal("\(error)")) }
        committed = true
    }

    private func runWorkers(_ jobs: [Int]) throws(RegistryError) {
        if jobs.isEmpty { return }
        let workers = min(max(1, puller.options.maxConcurrentDownloads), jobs.count)
        // Downloads beyond the limit wait for a free worker, and dockerd says so.
        for i in jobs.dropFirst(workers) where work[i] != .unpack {
            emit(.layer(status: "Waiting", layer: layers[i].digest))
        }
        cond.with { running = workers }
        for _ in 0..<workers where !startThread({ self.work(jobs) }) {
            cond.with { running -= 1; if failure == nil { failure = .transport("cannot start a download thread") }; cond.broadcast() }
        }
        // Workers write into the store's temp areas: none may outlive the pull's lease.
        cond.lock()
        while running > 0 { _ = cond.wait() }
        let f = failure
        cond.unlock()
        if let f { throw f }
    }

    private func work(_ jobs: [Int]) {
        while true {
            cond.lock()
            guard failure == nil, next < jobs.count else {
                running -= 1
                cond.broadcast()
                cond.unlock()
                return
            }
            let i = jobs[next]
            next += 1
            cond.unlock()
            do {
                try process(i)
                let lines: [PullEvent] = cond.with {
                    finished[i] = true
                    return completions()
                }
                lines.forEach(emit)
            } catch {
                cond.with {
                    if failure == nil { failure = (error as? RegistryError) ?? .transport("\(error)") }
                    cond.broadcast()
                }
            }
        }
    }

    /// "Pull complete" lines in layer order, as dockerd (which registers bottom first) shows them.
    private func completions() -> [PullEvent] {
        var lines: [PullEvent] = []
        while completeLines < layers.count {
            switch work[completeLines] {
            case .none, .duplicate: break
            default:
                guard finished[completeLines] else { return lines }
                lines.append(.pullComplete(layer: layers[completeLines].digest))
            }
            completeLines += 1
        }
        return lines
    }

    private func process(_ i: Int) throws {
        let d = layers[i]
        switch work[i] {
        case .unpack:
            emit(.extracting(layer: d.digest))
            let p = try prepare(i) { () throws(ImageError) in try store.content.open(d.digest) }
            cond.with { prepared[i] = p }
        case .fetch, .fetchAndUnpack:
            let (file, p) = try download(i)
            cond.with { spooled[i] = file; prepared[i] = p }
        default: return
        }
    }

    private func prepare(_ i: Int, _ open: () throws(ImageError) -> ByteSource) throws(RegistryError) -> PreparedLayer {
        do { return try store.layers.prepare(expectedDiffID: diffIDs[i], from: try open(), sync: store.layers.durable) } catch {
            throw .store(error)
        }
    }

    /// Downloads layer `i`'s blob into a spool file, unpacking it on the way when it needs it.
    private func download(_ i: Int) throws -> (SpooledFile, PreparedLayer?) {
        let d = layers[i]
        let client = resolved.client
        let repo = Puller.repository(resolved.reference)
        var lastReport = 0.0
        var stream: BlobStream?
        var layer: PreparedLayer?
        var unpackError: RegistryError?
        let file: SpooledFile
        do {
            file = try store.content.spool { sink in
                let s = BlobStream(client: client, repository: repo, descriptor: d, sink: sink) { got in
                    if self.cond.with({ self.failure != nil }) { throw Cancelled() }
                    let now = monotonicSeconds()
                    if now - lastReport >= 0.1 || got == d.size {
                        lastReport = now
                        self.emit(.downloading(layer: d.digest, current: got, total: d.size))
                        if got == d.size { self.emit(.verifying(layer: d.digest)) }
                    }
                }
                stream = s
                if work[i] == .fetchAndUnpack {
                    do {
                        layer = try prepare(i) { s }
                    } catch {
                        if let f = s.failure { throw f }
                        unpackError = (error as? RegistryError) ?? .store(.internal("\(error)"))
                    }
                }
                // The rest of the blob (all of it when not unpacking): a failed unpack may
                // be the symptom of a corrupt download, which the digest check then names.
                try s.drain()
            }
        } catch {
            layer?.discard()
            throw stream?.failure ?? unpackError ?? .store(error)
        }
        do { try client.verify(file, d, repository: repo) } catch {
            layer?.discard()
            throw error
        }
        if let unpackError {
            file.discard()
            throw unpackError
        }
        emit(.downloadComplete(layer: d.digest))
        if layer != nil { emit(.extracting(layer: d.digest)) }
        return (file, layer)
    }

    /// Layers whose blob is one a lower layer downloaded (or had): unpacked from it now.
    private func unpackDuplicates() throws(RegistryError) {
        for i in layers.indices {
            guard case .duplicate(let f) = work[i] else { continue }
            let digest = layers[i].digest
            let spool = spooled[f]
            let p = try prepare(i) { () throws(ImageError) -> ByteSource in
                if let spool { return try spool.open() }
                return try store.content.open(digest)
            }
            prepared[i] = p
        }
    }
}
