import LinuxSys

/// The compression of a layer or archive stream, recognised by its magic number the way
/// Docker's DetectCompression does (anything else is taken for a plain tar).
public enum Compression: String, Sendable, Equatable {
    case none
    case gzip
    case zstd
    case bzip2
    case xz

    /// The longest magic number below; a prefix this long is enough for `detect`.
    public static let magicLength = 6

    public static func detect(prefix: [UInt8]) -> Compression {
        func starts(_ magic: [UInt8]) -> Bool { prefix.count >= magic.count && prefix.starts(with: magic) }
        if starts([0x1f, 0x8b, 0x08]) { return .gzip }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if starts([0x42, 0x5a, 0x68]) { return .bzip2 }
        if starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        return .none
    }

    /// Peeks at the stream's magic number and returns a source of the uncompressed bytes:
    /// gzip and zstd are decompressed, anything unrecognised passes through unchanged, and
    /// the formats we do not decode (bzip2, xz: Docker's legacy `docker load` formats) are
    /// refused before any byte of them is consumed as tar. With `readAhead`, decompression
    /// (and everything upstream of it) runs on a thread of its own while the caller
    /// consumes (see ReadAheadSource). `checksum: false` leaves out gzip's CRC-32 for
    /// callers that hash the uncompressed stream themselves (see GzipSource).
    public static func wrap(_ src: ByteSource, readAhead: Bool = false, checksum: Bool = true) throws -> ByteSource {
        let peeked = try PrefixedSource(peeking: src, count: magicLength)
        // Read-ahead in chunks of 256 KiB rather than 1 MiB: 2 MiB per layer unpacking
        // (several run at once in a pull), no slower.
        func ahead(_ s: ByteSource) -> ByteSource { readAhead ? ReadAheadSource(s, chunkSize: 256 << 10, chunks: 8) : s }
        switch detect(prefix: peeked.prefix) {
        case .none: return peeked
        case .gzip: return ahead(GzipSource(peeked, checksum: checksum))
        case .zstd: return ahead(ZstdSource(peeked))
        case let other: throw unsupported(other)
        }
    }

    static func unsupported(_ c: Compression) -> ArchiveError {
        ArchiveError(.unsupported, "unsupported compression: \(c.rawValue) (only gzip- and zstd-compressed and uncompressed tar archives are supported)")
    }
}

/// Replays bytes already read from a stream before the rest of it: lets `Compression.wrap`
/// look at the magic number without a seek.
public final class PrefixedSource: ByteSource {
    public let prefix: [UInt8]
    private var offset = 0
    private let upstream: ByteSource

    public init(prefix: [UInt8], upstream: ByteSource) {
        self.prefix = prefix
        self.upstream = upstream
    }

    /// Reads up to `count` bytes of `upstream` (fewer only if it ends first).
    public convenience init(peeking upstream: ByteSource, count: Int) throws {
        var head = [UInt8](repeating: 0, count: count)
        let n = try head.withUnsafeMutableBytes { try upstream.readFull(into: $0) }
        head.removeLast(count - n)
        self.init(prefix: head, upstream: upstream)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < prefix.count else { return try upstream.read(into: buffer) }
        let n = min(buffer.count, prefix.count - offset)
        prefix.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + n)]))
        }
        offset += n
        return n
    }
}
