import Digest
import Images
import LinuxSys

/// The layer downloads of one pull: up to `maxConcurrentDownloads` worker threads take
/// layers bottom first, each blob verified and adopted into the content store as it
/// completes; the calling thread hands each layer to `unpack` as soon as it and all
/// layers below it are there, so unpacking overlaps the downloads still running.
final class LayerDownloads: @unchecked Sendable {
    private let puller: Puller
    private let resolved: ResolvedPull
    private let emit: @Sendable (PullEvent) -> Void
    private let layers: [Descriptor]

    private let cond = Condition()
    private var ready: [Bool]
    private var next = 0
    private var running = 0
    private var failure: RegistryError?
    private var cancelled = false

    init(puller: Puller, resolved: ResolvedPull, emit: @escaping @Sendable (PullEvent) -> Void) {
        self.puller = puller
        self.resolved = resolved
        self.emit = emit
        layers = resolved.manifest.layers
        ready = Array(repeating: false, count: layers.count)
    }

    private struct Cancelled: Error {}

    func run(unpack: (Int, Descriptor) throws(RegistryError) -> Void) throws(RegistryError) {
        var queue: [Int] = []
        var seen = Set<Digest>()
        for (i, l) in layers.enumerated() {
            if puller.store.content.has(l.digest) {
                ready[i] = true
                emit(.alreadyExists(layer: l.digest))
            } else if seen.insert(l.digest).inserted {
                queue.append(i)
                emit(.waiting(layer: l.digest))
            }
        }
        // A blob listed twice is downloaded once; its later entries wait on the first.
        let pending = queue
        let workers = min(max(1, puller.options.maxConcurrentDownloads), pending.count)
        cond.with { running = workers }
        for _ in 0..<workers {
            if !startThread({ self.work(pending) }) {
                cond.with { running -= 1; if failure == nil { failure = .transport("cannot start a download thread") }; cond.broadcast() }
            }
        }
        defer {
            // Workers write into the store's temp area: none may outlive the pull's lease.
            cond.lock()
            cancelled = true
            while running > 0 { _ = cond.wait() }
            cond.unlock()
        }
        for (i, l) in layers.enumerated() {
            cond.lock()
            while !ready[i] && !(ready.indices.contains { ready[$0] && layers[$0].digest == l.digest }) && failure == nil {
                _ = cond.wait()
            }
            let f = failure
            cond.unlock()
            if let f { throw f }
            try unpack(i, l)
        }
    }

    private func work(_ pending: [Int]) {
        let repo = Puller.repository(resolved.reference)
        let content = puller.store.content
        while true {
            cond.lock()
            guard !cancelled, failure == nil, next < pending.count else {
                running -= 1
                cond.broadcast()
                cond.unlock()
                return
            }
            let i = pending[next]
            next += 1
            cond.unlock()
            let d = layers[i]
            do {
                var lastReport = 0.0
                let file = try resolved.client.fetchBlob(repository: repo, descriptor: d, into: content) { got in
                    if self.cond.with({ self.cancelled || self.failure != nil }) { throw Cancelled() }
                    let now = monotonicSeconds()
                    if now - lastReport >= 0.1 || got == d.size {
                        lastReport = now
                        self.emit(.downloading(layer: d.digest, current: got, total: d.size))
                    }
                }
                emit(.verifying(layer: d.digest))
                do { try content.adopt(file) } catch {
                    file.discard()
                    throw RegistryError.store(error)
                }
                emit(.downloadComplete(layer: d.digest))
                cond.with { ready[i] = true; cond.broadcast() }
            } catch {
                cond.with {
                    if failure == nil && !cancelled { failure = (error as? RegistryError) ?? .transport("\(error)") }
                    cond.broadcast()
                }
            }
        }
    }
}
