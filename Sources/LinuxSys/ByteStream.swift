import Glibc

/// A pull source of bytes: layer tars, gzip streams, HTTP bodies and digest taps
/// chain through this one protocol so each stage stays independent of the others.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 means end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A push sink of bytes, the mirror of ByteSource.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes whatever the stage buffers (a compressor's trailer); the fd-owning stage does not close.
    func finish() throws
}

extension ByteSource {
    /// Fills the buffer unless the stream ends first; returns how many bytes were read.
    public func readFull(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var used = 0
        while used < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[used...]))
            if n == 0 { break }
            used += n
        }
        return used
    }

    /// Reads the rest of the stream, refusing more than `limit` bytes.
    public func readAll(limit: Int = Int.max) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { return out }
            if out.count + n > limit { throw RuntimeError("stream exceeds the \(limit)-byte limit") }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Copies the rest of the stream into a sink; returns the byte count.
    @discardableResult
    public func copy(to sink: ByteSink, bufferSize: Int = 256 * 1024) throws -> Int64 {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buf.deallocate() }
        var total: Int64 = 0
        while true {
            let n = try read(into: buf)
            if n == 0 { return total }
            try sink.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            total += Int64(n)
        }
    }
}

extension ByteSink {
    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ s: String) throws { try write(Array(s.utf8)) }
}

/// Reads from a file descriptor it does not own.
public final class FDSource: ByteSource {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try sys("read", "fd \(fd)") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }
}

/// Writes to a file descriptor it does not own.
public final class FDSink: ByteSink {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = try sys("write", "fd \(fd)") { Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off) }
            off += n
        }
    }
    public func finish() throws {}
}

/// An in-memory source, for tests and small bodies.
public final class BytesSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
            }
            offset += n
        }
        return n
    }
}

/// An in-memory sink.
public final class BytesSink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
    public func finish() throws {}
}
