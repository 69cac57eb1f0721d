import Glibc

/// What can go wrong on the client side of an HTTP/1.1 exchange. Each client turns these
/// into its own error type and wording (`fail` below), so the berth CLI says "daemon" and
/// the registry client says "registry" while the socket and framing code is shared.
public enum HTTPWireFailure: Sendable {
    /// getaddrinfo failed; `reason` is gai_strerror's text.
    case lookup(host: String, reason: String)
    /// No address of the host accepted the connection; `errno` is the last connect's.
    case connect(host: String, port: UInt16, errno: Int32)
    case write(errno: Int32)
    case read(errno: Int32)
    /// A receive timeout (SO_RCVTIMEO) expired.
    case timedOut
    /// A head or chunk-size line longer than the socket's `lineLimit`.
    case lineTooLong
    /// The peer closed in the middle of a line.
    case endInLine
    /// The peer closed before any status line.
    case noAnswer
    /// The first line is not an HTTP/1.x status line (its first 80 characters).
    case malformedStatus(String)
    /// The body ended before its framing said it would: `left` bytes still to come for a
    /// Content-Length body, nil for a chunked one. Never plain end of stream, so a
    /// truncated body is not taken for a whole one.
    case bodyEndedEarly(left: Int64?)
    case malformedChunk
}

/// One stream socket with a read buffer: a response head is parsed from the buffer, and
/// whatever the peer sent after it stays there for the body or a hijacked stream.
public final class BufferedSocket<Failure: Error>: ByteSource, @unchecked Sendable {
    public let fd: Int32
    /// How long a head or chunk-size line may be before the answer is refused.
    public let lineLimit: Int
    /// A reset (ECONNRESET) reads as end of stream: for a peer known to reset after its
    /// answer is complete; the body framing still catches a short body.
    public let resetIsEnd: Bool
    let fail: @Sendable (HTTPWireFailure) -> Failure
    private var buffer: [UInt8] = []
    private var start = 0
    private var closed = false

    /// Takes ownership of a connected stream socket `fd`.
    public init(fd: Int32, lineLimit: Int, resetIsEnd: Bool, fail: @escaping @Sendable (HTTPWireFailure) -> Failure) {
        self.fd = fd
        self.lineLimit = lineLimit
        self.resetIsEnd = resetIsEnd
        self.fail = fail
    }

    deinit { close() }

    /// Connects to the first address of `host` that answers, with TCP_NODELAY (requests
    /// are written head then body). With `timeoutSeconds`, connect, send and receive time
    /// out (SO_SNDTIMEO/SO_RCVTIMEO) so a peer that stops answering breaks the exchange.
    public static func connect(host: String, port: UInt16, timeoutSeconds: Int? = nil, lineLimit: Int,
                               resetIsEnd: Bool, fail: @escaping @Sendable (HTTPWireFailure) -> Failure)
        throws(Failure) -> BufferedSocket<Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw fail(.lookup(host: host, reason: String(cString: gai_strerror(rc))))
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = ECONNREFUSED
        var cur: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cur {
            cur = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
            if fd < 0 { lastErrno = errno; continue }
            if let timeoutSeconds {
                var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            }
            var r: Int32
            repeat { r = Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) } while r != 0 && errno == EINTR
            if r == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return BufferedSocket(fd: fd, lineLimit: lineLimit, resetIsEnd: resetIsEnd, fail: fail)
            }
            lastErrno = errno
            Glibc.close(fd)
        }
        throw fail(.connect(host: host, port: port, errno: lastErrno))
    }

    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }

    /// Half-close: the peer reads end of stream (stdin closed) while its output keeps coming.
    public func closeWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var off = 0
        while off < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail(.write(errno: errno))
            }
            off += n
        }
    }

    public func write(_ bytes: [UInt8]) throws(Failure) {
        let r: Result<Void, Failure> = bytes.withUnsafeBytes { b in Result { () throws(Failure) in try write(b) } }
        try r.get()
    }

    /// Bytes already received and not yet consumed.
    public var buffered: Int { buffer.count - start }

    /// Reads buffered bytes first, then from the socket; 0 at end of stream.
    public func read(into out: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
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

    private func receive(_ out: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        while true {
            let n = Glibc.recv(fd, out.baseAddress, out.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == ECONNRESET && resetIsEnd { return 0 }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw fail(.timedOut) }
            throw fail(.read(errno: errno))
        }
    }

    /// Appends what the socket has to the buffer; false at end of stream.
    private func fill() throws(Failure) -> Bool {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16384, alignment: 1)
        defer { chunk.deallocate() }
        let n = try receive(chunk)
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// One line without its CRLF (or LF); nil at end of stream before any byte.
    public func readLine() throws(Failure) -> String? {
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
            if buffered > lineLimit { throw fail(.lineTooLong) }
            if try !fill() {
                if buffered == 0 { return nil }
                throw fail(.endInLine)
            }
        }
    }
}
