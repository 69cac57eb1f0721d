import Glibc

/// Buffered blocking I/O on one connected socket. Bytes read past a request's end stay
/// in the buffer for the next pipelined request (or for a hijacked stream).
final class SocketStream: @unchecked Sendable {
    let fd: Int32
    private(set) var buffer: [UInt8] = []
    private(set) var position = 0
    private(set) var atEOF = false

    init(fd: Int32) { self.fd = fd }

    var buffered: Int { buffer.count - position }

    /// Reads more bytes from the socket into the buffer; false at end of stream.
    func fill() throws -> Bool {
        if atEOF { return false }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let chunk = 64 * 1024
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + old, chunk, 0) }
        } while n < 0 && errno == EINTR
        let e = errno
        buffer.removeLast(chunk - max(n, 0))
        if n < 0 { throw HTTPError(status: 400, message: "recv: \(String(cString: strerror(e)))") }
        if n == 0 { atEOF = true; return false }
        return true
    }

    enum LineResult { case line([UInt8]), eof, tooLong }

    /// One line without its LF (and CR); `limit` bounds the bytes scanned for it.
    func readLine(limit: Int) throws -> LineResult {
        var scanned = position
        while true {
            if let i = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                if i - position > limit { return .tooLong }
                var end = i
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[position..<end])
                position = i + 1
                return .line(line)
            }
            if buffer.count - position > limit { return .tooLong }
            scanned = buffer.count - position   // offsets shift when fill compacts
            if try !fill() {
                if buffered == 0 { return .eof }
                throw HTTPError(status: 400, message: "unexpected end of stream in the middle of a line")
            }
            scanned += position
        }
    }

    /// Up to `max` bytes, from the buffer first; empty at end of stream.
    func readSome(max: Int) throws -> [UInt8] {
        if buffered == 0, try !fill() { return [] }
        let n = Swift.min(max, buffered)
        let out = Array(buffer[position..<position + n])
        position += n
        return out
    }

    /// Takes whatever is buffered (for a hijacked connection).
    func takeBuffered() -> [UInt8] {
        let out = Array(buffer[position...])
        buffer.removeAll()
        position = 0
        return out
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll(fd: fd, $0) }
    }
}

/// Sends every byte; MSG_NOSIGNAL so a vanished client is an error, not SIGPIPE.
func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
    guard var p = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
        let n = send(fd, p, left, Int32(MSG_NOSIGNAL))
        if n < 0 {
            if errno == EINTR { continue }
            throw HTTPError.clientGone("send: \(String(cString: strerror(errno)))")
        }
        p += n
        left -= n
    }
}
