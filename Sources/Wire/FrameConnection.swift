import LinuxSys
import Glibc
import CLinux

/// One end of a framed connection: 4-byte big-endian length, then that many
/// bytes of one UTF-8 JSON object. Reads block; writes are serialised so
/// responses and events from several threads never interleave.
public final class FrameConnection: @unchecked Sendable {
    public static let defaultMaxFrame = 16 << 20
    public let fd: Int32
    public let maxFrame: Int
    private let writeLock = Lock()
    /// Called with ("<" or ">", frame) for every frame when tracing is on.
    public var trace: (@Sendable (String, [UInt8]) -> Void)?
    /// "#<pid>.<n>": names this connection in trace lines, so a reader of a trace can
    /// pair each response with its request (ids are only unique per connection).
    public let tag: String
    private var closed = false

    private static let serialLock = Lock()
    nonisolated(unsafe) private static var lastSerial = 0

    public init(fd: Int32, maxFrame: Int = FrameConnection.defaultMaxFrame) {
        self.fd = fd
        self.maxFrame = maxFrame
        let serial = FrameConnection.serialLock.with { () -> Int in
            FrameConnection.lastSerial += 1
            return FrameConnection.lastSerial
        }
        tag = "#\(getpid()).\(serial)"
    }

    deinit { close() }

    public static func connect(_ path: String, maxFrame: Int = defaultMaxFrame) throws -> FrameConnection {
        let fd = berth_unix_connect(path, Int32(SOCK_STREAM.rawValue))
        if fd < 0 {
            let e = errno
            throw WireError.unavailable("connect \(path): \(String(cString: strerror(e)))")
        }
        return FrameConnection(fd: fd, maxFrame: maxFrame)
    }

    public enum ReadError: Error, CustomStringConvertible {
        case closed
        case tooLarge(Int)
        case truncated
        case io(Int32)
        public var description: String {
            switch self {
            case .closed: return "connection closed"
            case .tooLarge(let n): return "frame of \(n) bytes exceeds the limit"
            case .truncated: return "connection closed in the middle of a frame"
            case .io(let e): return "read: \(String(cString: strerror(e)))"
            }
        }
    }

    /// The next frame; `.closed` at a clean end between frames.
    public func readFrame() throws -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 4)
        let got = try readFully(&header, 0, 4)
        if got == 0 { throw ReadError.closed }
        if got < 4 { throw ReadError.truncated }
        let n = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        if n > maxFrame { throw ReadError.tooLarge(n) }
        var body = [UInt8](repeating: 0, count: n)
        if n > 0, try readFully(&body, 0, n) < n { throw ReadError.truncated }
        trace?("<", body)
        return body
    }

    private func readFully(_ buf: inout [UInt8], _ start: Int, _ count: Int) throws -> Int {
        var off = 0
        while off < count {
            let r = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + start + off, count - off) }
            if r < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET { return off }
                throw ReadError.io(errno)
            }
            if r == 0 { return off }
            off += r
        }
        return off
    }

    public func writeFrame(_ body: [UInt8]) throws {
        guard body.count <= maxFrame else { throw WireError.invalid("frame of \(body.count) bytes exceeds the \(maxFrame)-byte limit") }
        let n = UInt32(body.count)
        var bytes: [UInt8] = [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        bytes.append(contentsOf: body)
        try writeLock.with {
            // A publisher may still hold a connection its reader thread has closed;
            // writing then could reach whatever connection reused the fd number.
            if closed { throw WireError.unavailable("write: connection closed") }
            trace?(">", body)
            var off = 0
            while off < bytes.count {
                let w = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
                if w < 0 {
                    if errno == EINTR { continue }
                    throw WireError.unavailable("write: \(String(cString: strerror(errno)))")
                }
                off += w
            }
        }
    }

    public func send<T: Encodable>(_ message: T) throws {
        try writeFrame(WireJSON.encode(message))
    }

    public func close() {
        writeLock.with {
            if !closed { closed = true; Glibc.close(fd) }
        }
    }

    /// Wakes a thread blocked in readFrame without racing the fd's reuse.
    public func shutdown() {
        writeLock.with {
            if !closed { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }
}
