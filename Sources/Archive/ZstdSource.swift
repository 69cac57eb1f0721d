import CZstd
import LinuxSys

/// Decompresses a zstd stream as it is pulled (layers of `application/vnd.oci.image.layer.v1.tar+zstd`,
/// which Docker 25 and containerd pull). Concatenated frames read as one stream.
public final class ZstdSource: ByteSource {
    private let upstream: ByteSource
    private let stream: OpaquePointer?
    private let input: UnsafeMutableRawBufferPointer
    private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var upstreamEnded = false
    /// The last call finished a frame: the end of input is a clean end of stream.
    private var frameDone = false

    public init(_ upstream: ByteSource) {
        self.upstream = upstream
        input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
        stream = ZSTD_createDStream()
        if let stream { ZSTD_initDStream(stream) }
    }

    deinit {
        if let stream { ZSTD_freeDStream(stream) }
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.isEmpty { return 0 }
        guard let stream else { throw ArchiveError(.corruptCompression, "zstd: initialising the decompressor: out of memory") }
        var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while true {
            if inBuffer.pos == inBuffer.size {
                if !upstreamEnded { try refill() }
                if inBuffer.pos == inBuffer.size && upstreamEnded {
                    if frameDone || out.pos > 0 { return out.pos }
                    throw ArchiveError(.truncated, "zstd: unexpected end of compressed stream (the download or file is truncated)")
                }
            }
            let r = ZSTD_decompressStream(stream, &out, &inBuffer)
            if ZSTD_isError(r) != 0 {
                throw ArchiveError(.corruptCompression, "zstd: decompressing: \(String(cString: ZSTD_getErrorName(r)))")
            }
            frameDone = r == 0
            if out.pos > 0 { return out.pos }
        }
    }

    private func refill() throws {
        let n = try upstream.read(into: input)
        if n == 0 { upstreamEnded = true }
        inBuffer = ZSTD_inBuffer(src: UnsafeRawPointer(input.baseAddress), size: n, pos: 0)
    }
}
