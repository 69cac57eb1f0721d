import Glibc
import LinuxSys

/// One TCP connection to a registry with a read buffer, used for one request: the
/// response head is parsed from the buffer and the rest is the body.
final class HTTPConnection: ByteSource {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var closed = false

    private init(fd: Int32) { self.fd = fd }
    deinit { close() }

    /// Connects, with send and receive timeouts so a registry that stops answering breaks
    /// the transfer (and the retry logic takes over) instead of hanging a pull forever.
    static func open(host: String, port: UInt16, timeoutSeconds: Int = 60) throws(RegistryError) -> HTTPConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .transport("lookup \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = ECONNREFUSED
        var cur: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cur {
            cur = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
            if fd < 0 { lastErrno = errno; continue }
            var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var r: Int32
            repeat { r = connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) } while r != 0 && errno == EINTR
            if r == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return HTTPConnection(fd: fd)
            }
            lastErrno = errno
            Glibc.close(fd)
        }
        throw .transport("dial tcp \(host):\(port): connect: \(Errno.describe(lastErrno).lowercased())")
    }

    func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }

    func write(_ bytes: [UInt8]) throws(RegistryError) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .transport("write to registry: \(Errno.describe(errno))")
            }
            off += n
        }
    }

    private var buffered: Int { buffer.count - start }

    func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
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

    private func receive(_ out: UnsafeMutableRawBufferPointer) throws(RegistryError) -> Int {
        while true {
            let n = Glibc.recv(fd, out.baseAddress, out.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw .transport("read from registry: timed out") }
            throw .transport("read from registry: \(Errno.describe(errno))")
        }
    }

    private func fill() throws(RegistryError) -> Bool {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16384, alignment: 1)
        defer { chunk.deallocate() }
        let n = try receive(chunk)
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// One line without its CRLF; nil at end of stream before any byte.
    func readLine(limit: Int = 64 << 10) throws(RegistryError) -> String? {
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
            if buffered > limit { throw .invalid("registry response line too long") }
            if try !fill() {
                if buffered == 0 { return nil }
                throw .transport("unexpected EOF in registry response")
            }
        }
    }
}
