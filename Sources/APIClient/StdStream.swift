import LinuxSys

/// Docker's multiplexed stdout/stderr framing (stdcopy): an 8-byte header — stream type,
/// three zero bytes, big-endian uint32 payload length — then the payload. Used for
/// attach, exec and logs of containers without a TTY.
public enum StdStream: UInt8, Sendable {
    case stdin = 0
    case stdout = 1
    case stderr = 2
    /// The daemon's own error, sent in place of further output (stdcopy's Systemerr).
    case systemError = 3

    /// One frame, header included: what the daemon writes.
    public static func frame(_ stream: StdStream, _ payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return [stream.rawValue, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
    }
}

/// Splits a multiplexed byte stream into frames; bytes may arrive in any pieces.
public struct StdStreamDemuxer: Sendable {
    private var buffer: [UInt8] = []
    public init() {}

    /// Frames completed by `bytes`, in order. An unknown stream type throws, as stdcopy does.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(APIError) -> [(StdStream, [UInt8])] {
        buffer.append(contentsOf: bytes)
        var out: [(StdStream, [UInt8])] = []
        var pos = 0
        while buffer.count - pos >= 8 {
            guard let kind = StdStream(rawValue: buffer[pos]) else {
                throw .transport("Unrecognized input header: \(buffer[pos])")
            }
            let n = Int(buffer[pos + 4]) << 24 | Int(buffer[pos + 5]) << 16 | Int(buffer[pos + 6]) << 8 | Int(buffer[pos + 7])
            guard buffer.count - pos - 8 >= n else { break }
            out.append((kind, Array(buffer[(pos + 8)..<(pos + 8 + n)])))
            pos += 8 + n
        }
        if pos > 0 { buffer.removeFirst(pos) }
        return out
    }

    /// Bytes of an incomplete frame left at the end of the stream.
    public var pendingBytes: Int { buffer.count }
}

/// stdcopy.StdCopy: copies a multiplexed stream to two sinks until end of stream.
/// A systemError frame ends the copy with that message as the error.
/// Returns the bytes written to stdout and stderr.
@discardableResult
public func demultiplex(_ source: ByteSource, stdout: ByteSink?, stderr: ByteSink?) throws -> (Int, Int) {
    var demux = StdStreamDemuxer()
    var buf = [UInt8](repeating: 0, count: 32 * 1024)
    var counts = (0, 0)
    while true {
        let n = try buf.withUnsafeMutableBytes { try source.read(into: $0) }
        if n == 0 {
            if demux.pendingBytes > 0 { throw APIError.transport("unexpected EOF in multiplexed stream") }
            return counts
        }
        for (kind, payload) in try demux.feed(buf[0..<n]) {
            switch kind {
            case .stdout, .stdin:
                try stdout?.write(payload)
                counts.0 += payload.count
            case .stderr:
                try stderr?.write(payload)
                counts.1 += payload.count
            case .systemError:
                throw APIError.transport("error from daemon in stream: \(String(decoding: payload, as: UTF8.self))")
            }
        }
    }
}
