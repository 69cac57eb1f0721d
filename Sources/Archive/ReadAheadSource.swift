import LinuxSys

/// Pulls `upstream` on its own thread into a few large buffers, so that producing bytes
/// (inflating gzip, hashing, reading a socket) overlaps with consuming them (writing
/// files): a gzip layer unpacks in about the time of the slower half instead of the sum.
/// Once this object is gone the thread no longer touches `upstream` (deinit waits for a
/// read in progress), so the caller may close what `upstream` reads from.
public final class ReadAheadSource: ByteSource {
    private let shared: Shared
    private let upstream: ByteSource
    /// No thread could be started: reads go straight to upstream.
    private let direct: Bool
    private var current: Chunk?
    private var offset = 0

    public init(_ upstream: ByteSource, chunkSize: Int = 1 << 20, chunks: Int = 4) {
        self.upstream = upstream
        shared = Shared(upstream, chunkSize: max(chunkSize, 4096), chunks: max(chunks, 2))
        let s = shared
        direct = !startThread { s.produce() }
    }

    deinit {
        if direct { return }
        if let current { shared.recycle(current) }
        shared.stop()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.isEmpty { return 0 }
        if direct { return try upstream.read(into: buffer) }
        while true {
            if let c = current {
                if offset < c.count {
                    let n = min(buffer.count, c.count - offset)
                    buffer.baseAddress?.copyMemory(from: c.bytes.baseAddress! + offset, byteCount: n)
                    offset += n
                    return n
                }
                shared.recycle(c)
                current = nil
            }
            guard let next = try shared.take() else { return 0 }
            current = next
            offset = 0
        }
    }

    final class Chunk: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        var count = 0
        init(size: Int) { bytes = .allocate(byteCount: size, alignment: 64) }
        deinit { bytes.deallocate() }
    }

    /// The state both threads use, always under `cond`'s lock.
    final class Shared: @unchecked Sendable {
        private let cond = Condition()
        private let upstream: ByteSource
        private var free: [Chunk]
        private var filled: [Chunk] = []
        private var failure: Error?
        private var ended = false
        private var stopping = false
        private var producerDone = false

        init(_ upstream: ByteSource, chunkSize: Int, chunks: Int) {
            self.upstream = upstream
            free = (0..<chunks).map { _ in Chunk(size: chunkSize) }
        }

        func produce() {
            while true {
                cond.lock()
                while free.isEmpty && !stopping { _ = cond.wait() }
                if stopping {
                    producerDone = true
                    cond.broadcast()
                    cond.unlock()
                    return
                }
                let chunk = free.removeLast()
                cond.unlock()

                // Filled by hand rather than with readFull: bytes read before an error still count.
                var failed: Error?
                chunk.count = 0
                do {
                    while chunk.count < chunk.bytes.count {
                        let n = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk.bytes[chunk.count...]))
                        if n == 0 { break }
                        chunk.count += n
                    }
                } catch {
                    failed = error
                }

                cond.lock()
                let last = failed != nil || chunk.count < chunk.bytes.count // short only at the end
                if chunk.count > 0 { filled.append(chunk) } else { free.append(chunk) }
                if let failed { failure = failed }
                if last {
                    ended = true
                    producerDone = true
                }
                cond.broadcast()
                cond.unlock()
                if last { return }
            }
        }

        /// The next filled chunk; nil at the end; the producer's error once its data is used up.
        func take() throws -> Chunk? {
            cond.lock()
            defer { cond.unlock() }
            while filled.isEmpty && !ended { _ = cond.wait() }
            if !filled.isEmpty { return filled.removeFirst() }
            if let failure { throw failure }
            return nil
        }

        func recycle(_ c: Chunk) {
            cond.lock()
            free.append(c)
            cond.broadcast()
            cond.unlock()
        }

        func stop() {
            cond.lock()
            stopping = true
            cond.broadcast()
            while !producerDone { _ = cond.wait() }
            cond.unlock()
        }
    }
}
