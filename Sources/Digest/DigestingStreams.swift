import LinuxSys

/// Hashes and counts whatever is read through it, so a layer's diff ID or a blob's
/// digest comes out of the same pass that unpacks or stores it.
public final class DigestingSource: ByteSource {
    private let upstream: ByteSource
    private var hasher = SHA256()

    public init(_ upstream: ByteSource) { self.upstream = upstream }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        if n > 0 { hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
        return n
    }

    /// Bytes read so far.
    public var count: Int64 { hasher.count }
    /// The digest of the bytes read so far.
    public var digest: Digest { hasher.digest }

    /// Reads (and hashes) the rest of the stream, so the digest covers the whole of it
    /// even when the consumer stopped early (a tar reader stops at the end-of-archive blocks).
    public func drain() throws {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buf.deallocate() }
        while try read(into: buf) > 0 {}
    }
}

/// Hashes and counts what is written through it, then passes it on (if there is a next stage).
public final class DigestingSink: ByteSink {
    private let downstream: ByteSink?
    private var hasher = SHA256()

    public init(_ downstream: ByteSink? = nil) { self.downstream = downstream }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        try downstream?.write(bytes)
    }

    public func finish() throws { try downstream?.finish() }

    /// Bytes written so far.
    public var count: Int64 { hasher.count }
    /// The digest of the bytes written so far.
    public var digest: Digest { hasher.digest }
}
