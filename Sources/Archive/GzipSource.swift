import CZlib
import LinuxSys

/// Inflates a gzip stream as it is pulled. Concatenated members (what pigz and `cat a.gz
/// b.gz` produce) read as one stream, as Go's gzip reader does for Docker. Output goes
/// straight into the caller's buffer: one copy between the compressed input and the tar reader.
public final class GzipSource: ByteSource {
    private let upstream: ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var initStatus: Int32
    private var upstreamEnded = false
    private var ended = false
    /// Without the CRC-32 check, zlib inflates raw deflate data and the gzip header and
    /// trailer are read here; a member's header is due before its data.
    private let checksum: Bool
    private var headerDue: Bool

    /// `checksum: false` skips the CRC-32 of the inflated data (a tenth of a layer pull's
    /// CPU time) for callers that verify a digest of it anyway, as a layer's diff ID is;
    /// the trailer's length is still checked.
    public init(_ upstream: ByteSource, bufferSize: Int = 256 * 1024, checksum: Bool = true) {
        self.upstream = upstream
        self.checksum = checksum
        headerDue = !checksum
        input = .allocate(byteCount: max(bufferSize, 4096), alignment: 16)
        // zlib keeps a pointer back to the z_stream and checks it: it must not move.
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        initStatus = berth_inflate_init2(stream, checksum ? 15 + 16 : -15) // gzip wrapper only, or raw deflate
    }

    deinit {
        if initStatus == Z_OK { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if ended || buffer.isEmpty { return 0 }
        guard initStatus == Z_OK else { throw zlibError(initStatus, "initialising the decompressor") }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(capacity)
        while true {
            if headerDue {
                try skipHeader()
                headerDue = false
            }
            if stream.pointee.avail_in == 0 && !upstreamEnded { try refill() }
            let r = inflate(stream, Z_NO_FLUSH)
            let produced = capacity - Int(stream.pointee.avail_out)
            switch r {
            case Z_STREAM_END:
                if !checksum { try checkTrailer() }
                if try !startNextMember() { ended = true; return produced }
                if produced > 0 { return produced }
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return produced }
                if stream.pointee.avail_in == 0 && upstreamEnded {
                    throw ArchiveError(.truncated, "gzip: unexpected end of compressed stream (the download or file is truncated)")
                }
            default:
                throw zlibError(r, "decompressing")
            }
        }
    }

    /// After a member's trailer: true if another member follows (and the inflater is reset for it).
    private func startNextMember() throws -> Bool {
        if stream.pointee.avail_in < 2 && !upstreamEnded { try refill() }
        let avail = Int(stream.pointee.avail_in)
        if avail == 0 { return false }
        guard avail >= 2, let p = stream.pointee.next_in, p[0] == 0x1f, p[1] == 0x8b else {
            throw ArchiveError(.corruptCompression, "gzip: invalid header: \(avail) bytes after the end of the compressed stream are not another gzip member")
        }
        let r = inflateReset(stream)
        if r != Z_OK { throw zlibError(r, "resetting the decompressor") }
        headerDue = !checksum
        return true
    }

    /// The next input byte (raw mode's header and trailer).
    private func byte() throws -> UInt8 {
        if stream.pointee.avail_in == 0 && !upstreamEnded { try refill() }
        guard stream.pointee.avail_in > 0, let p = stream.pointee.next_in else {
            throw ArchiveError(.truncated, "gzip: unexpected end of compressed stream (the download or file is truncated)")
        }
        stream.pointee.next_in = p + 1
        stream.pointee.avail_in -= 1
        return p[0]
    }

    /// A member header (RFC 1952 2.3) in raw mode: checked and passed over.
    private func skipHeader() throws {
        guard try byte() == 0x1f, try byte() == 0x8b, try byte() == 8 else {
            throw ArchiveError(.corruptCompression, "gzip: decompressing: incorrect header check")
        }
        let flags = try byte()
        if flags & 0xe0 != 0 { throw ArchiveError(.corruptCompression, "gzip: decompressing: unknown header flags set") }
        for _ in 0..<6 { _ = try byte() } // MTIME, XFL, OS
        if flags & 4 != 0 { // FEXTRA
            let length = Int(try byte()) | Int(try byte()) << 8
            for _ in 0..<length { _ = try byte() }
        }
        if flags & 8 != 0 { while try byte() != 0 {} }  // FNAME
        if flags & 16 != 0 { while try byte() != 0 {} } // FCOMMENT
        if flags & 2 != 0 { _ = try byte(); _ = try byte() } // FHCRC
    }

    /// A member trailer in raw mode: the CRC-32 is skipped, the length (mod 2^32) must match.
    private func checkTrailer() throws {
        for _ in 0..<4 { _ = try byte() }
        var size: UInt32 = 0
        for i in 0..<4 { size |= UInt32(try byte()) << (8 * i) }
        guard size == UInt32(truncatingIfNeeded: stream.pointee.total_out) else {
            throw ArchiveError(.corruptCompression, "gzip: decompressing: incorrect length check")
        }
    }

    /// Moves unread input to the front of the buffer and reads more after it.
    private func refill() throws {
        guard let base = input.baseAddress else { return }
        var kept = Int(stream.pointee.avail_in)
        if kept > 0, let next = stream.pointee.next_in, UnsafeRawPointer(next) != UnsafeRawPointer(base) {
            base.copyMemory(from: next, byteCount: kept)
        }
        while kept < input.count && !upstreamEnded {
            let n = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: input[kept...]))
            if n == 0 { upstreamEnded = true } else { kept += n; break }
        }
        stream.pointee.next_in = UnsafePointer(base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(kept)
    }

    private func zlibError(_ code: Int32, _ what: String) -> ArchiveError {
        var detail = "zlib error \(code)"
        if let msg = stream.pointee.msg { detail = String(cString: msg) }
        if code == Z_MEM_ERROR { detail = "out of memory" }
        return ArchiveError(.corruptCompression, "gzip: \(what): \(detail)")
    }
}
