import Glibc
import CLinux
import LinuxSys

/// One stream socket to the daemon with a read buffer: the response head is parsed from
/// the buffer, and whatever the daemon sent after it stays there for the body or the
/// hijacked stream.
public final class Connection: ByteSource, @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var closed = false

    init(fd: Int32) { self.fd = fd }

    deinit { close() }

    static func open(_ host: DaemonHost) throws(APIError) -> Connection {
        switch host.address {
        case .unix(let path):
            let fd = berth_unix_connect(path, Int32(SOCK_STREAM.rawValue))
            if fd < 0 { throw .cannotConnect(host: host.description, reason: "connect \(path): \(Errno.describe(errno))") }
            return Connection(fd: fd)
        case .tcp(let name, let port):
            return try openTCP(name, port, host.description)
        }
    }

    private static func openTCP(_ name: String, _ port: UInt16, _ display: String) throws(APIError) -> Connection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .cannotConnect(host: display, reason: "lookup \(name): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = ECONNREFUSED
        var cur: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cur {
            cur = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
            if fd < 0 { lastErrno = errno; continue }
            var r: Int32
            repeat { r = connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) } while r != 0 && errno == EINTR
            if r == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return Connection(fd: fd)
            }
            lastErrno = errno
            Glibc.close(fd)
        }
        throw .cannotConnect(host: display, reason: "connect \(name):\(port): \(Errno.describe(lastErrno))")
    }

    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }

    /// Half-close: the daemon reads end of stream (stdin closed) while output keeps coming.
    public func closeWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw APIError.transport("write to daemon: \(Errno.describe(errno))")
            }
            off += n
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Bytes already received and not yet consumed.
    public var buffered: Int { buffer.count - start }

    /// Reads buffered bytes first, then from the socket; 0 at end of stream.
    public func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        if out.count == 0 { return 0 }
        if buffered > 0 {
            let n = min(out.count, buffered)
            buffer.withUnsafeBytes { src in out.baseAddress!.copyMemory(from: src.baseAddress! + start, byteCount: n) }
            start += n
            if start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
            return n
        }
        return try receive(out)
    }

    /// One recv(2); a reset after the daemon finished its answer reads as end of stream.
    private func receive(_ out: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.recv(fd, out.baseAddress, out.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return 0 }
            throw APIError.transport("read from daemon: \(Errno.describe(errno))")
        }
    }

    /// Appends what the socket has to the buffer; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = try chunk.withUnsafeMutableBytes { try receive($0) }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// One line without its CRLF (or LF); nil at end of stream before any byte.
    func readLine(limit: Int = 1 << 20) throws -> String? {
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        var scanned = start
        while true {
            if let i = buffer[scanned...].firstIndex(of: 10) {
                var end = i
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = i + 1
                return line
            }
            scanned = buffer.count
            if buffered > limit { throw APIError.transport("daemon response line too long") }
            if try !fill() {
                if buffered == 0 { return nil }
                throw APIError.transport("unexpected EOF in daemon response")
            }
        }
    }
}
