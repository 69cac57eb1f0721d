import CZlib
import LinuxSys

/// Deflates into a gzip stream pushed to `downstream` in large chunks.
public final class GzipSink: ByteSink {
    private let downstream: ByteSink
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    private let initStatus: Int32
    private var finished = false

    public init(_ downstream: ByteSink, level: Int32 = 6, bufferSize: Int = 256 * 1024) {
        self.downstream = downstream
        output = .allocate(byteCount: max(bufferSize, 4096), alignment: 16)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        initStatus = berth_deflate_init2(stream, max(-1, min(level, 9)), 15 + 16)
        resetOutput()
    }

    deinit {
        if initStatus == Z_OK { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard initStatus == Z_OK else { throw failure(initStatus) }
        guard !finished else { throw ArchiveError(.usage, "gzip: write after finish") }
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            // avail_in is 32 bits wide.
            let chunk = min(bytes.count - offset, Int(UInt32.max))
            stream.pointee.next_in = (base + offset).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = UInt32(chunk)
            while stream.pointee.avail_in > 0 {
                let r = deflate(stream, Z_NO_FLUSH)
                if r != Z_OK && r != Z_BUF_ERROR { throw failure(r) }
                if stream.pointee.avail_out == 0 { try flushOutput() }
            }
            offset += chunk
        }
    }

    /// Writes the gzip trailer, then finishes `downstream`.
    public func finish() throws {
        guard initStatus == Z_OK else { throw failure(initStatus) }
        if finished { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        while true {
            let r = deflate(stream, Z_FINISH)
            if r == Z_STREAM_END { break }
            if r != Z_OK && r != Z_BUF_ERROR { throw failure(r) }
            try flushOutput()
        }
        try flushOutput()
        finished = true
        try downstream.finish()
    }

    private func flushOutput() throws {
        let n = output.count - Int(stream.pointee.avail_out)
        if n > 0 { try downstream.write(UnsafeRawBufferPointer(rebasing: output[0..<n])) }
        resetOutput()
    }

    private func resetOutput() {
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(output.count)
    }

    private func failure(_ code: Int32) -> ArchiveError {
        ArchiveError(.corruptCompression, "gzip: compressing: zlib error \(code)")
    }
}
