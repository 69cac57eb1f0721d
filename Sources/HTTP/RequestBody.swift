import Glibc

/// Reads one request's body off the connection: Content-Length or chunked framing,
/// trailers, and the `100 Continue` a client that sent `Expect: 100-continue` waits for.
public final class RequestBody: @unchecked Sendable {
    enum Framing { case none, length(Int), chunked }

    private let stream: SocketStream
    private let framing: Framing
    private var remaining = 0          // of the Content-Length, or of the current chunk
    private var chunkedDone = false
    private var sendContinue: Bool
    private let maxTrailerBytes: Int
    public private(set) var trailers = HTTPHeaders()
    /// Bytes read so far.
    public private(set) var count = 0

    init(stream: SocketStream, framing: Framing, expectContinue: Bool, maxTrailerBytes: Int) {
        self.stream = stream
        self.framing = framing
        self.sendContinue = expectContinue
        self.maxTrailerBytes = maxTrailerBytes
        if case .length(let n) = framing { remaining = n }
    }

    /// The length the client declared, nil for a chunked body.
    public var declaredLength: Int? {
        switch framing {
        case .none: return 0
        case .length(let n): return n
        case .chunked: return nil
        }
    }

    public var isComplete: Bool {
        switch framing {
        case .none: return true
        case .length: return remaining == 0
        case .chunked: return chunkedDone
        }
    }

    /// Up to `max` bytes of the body; empty at its end.
    public func read(max: Int = 64 * 1024) throws -> [UInt8] {
        if isComplete { return [] }
        if sendContinue {
            sendContinue = false
            try stream.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        switch framing {
        case .none:
            return []
        case .length:
            return try take(max)
        case .chunked:
            if remaining == 0 {
                try nextChunk()
                if chunkedDone { return [] }
            }
            let out = try take(max)
            if remaining == 0 { try chunkEnd() }
            return out
        }
    }

    /// The rest of the body; 413 once it passes `limit` bytes in all.
    public func readAll(limit: Int) throws -> [UInt8] {
        if let n = declaredLength, n > limit { throw tooLarge(limit) }
        var out: [UInt8] = []
        while true {
            let part = try read()
            if part.isEmpty { return out }
            if out.count + part.count > limit { throw tooLarge(limit) }
            out += part
        }
    }

    /// Reads and drops the rest, up to `limit` bytes; false when more remains.
    func drain(limit: Int) -> Bool {
        // The client still waits for 100 Continue: better to close than to invite the body.
        if sendContinue { return false }
        var dropped = 0
        while !isComplete {
            guard let part = try? read(), !part.isEmpty else { return false }
            dropped += part.count
            if dropped > limit { return false }
        }
        return true
    }

    private func tooLarge(_ limit: Int) -> HTTPError {
        var e = HTTPError(status: 413, message: "request body exceeds the \(limit)-byte limit")
        e.closesConnection = true
        return e
    }

    private func take(_ max: Int) throws -> [UInt8] {
        let out = try stream.readSome(max: min(max, remaining))
        if out.isEmpty { throw malformed("unexpected end of stream in the request body") }
        remaining -= out.count
        count += out.count
        return out
    }

    private func nextChunk() throws {
        guard case .line(let line) = try stream.readLine(limit: 4096) else {
            throw malformed("malformed chunked encoding: missing chunk size")
        }
        // Chunk extensions (`;name=value`) carry nothing we use.
        let size = line.prefix { $0 != UInt8(ascii: ";") }
        let hex = size.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
        guard !hex.isEmpty, hex.count <= 15 else { throw malformed("malformed chunked encoding: bad chunk size") }
        var n = 0
        for c in hex {
            guard let d = hexValue(c) else { throw malformed("malformed chunked encoding: bad chunk size") }
            n = n << 4 | Int(d)
        }
        if n > 0 { remaining = n; return }
        chunkedDone = true
        var used = 0
        while true {
            guard case .line(let t) = try stream.readLine(limit: max(0, maxTrailerBytes - used)) else {
                throw malformed("malformed chunked encoding: trailers too long or cut short")
            }
            used += t.count + 2
            if t.isEmpty { return }
            if t.first == 32 || t.first == 9 { trailers.appendToLast(trimmed(Substring(decoding: t, as: UTF8.self))); continue }
            guard let (name, value) = splitField(t) else { throw malformed("malformed chunked encoding: bad trailer") }
            trailers.add(name, value)
        }
    }

    private func chunkEnd() throws {
        guard case .line(let l) = try stream.readLine(limit: 2), l.isEmpty else {
            throw malformed("malformed chunked encoding: chunk data not followed by CRLF")
        }
    }

    private func malformed(_ m: String) -> HTTPError {
        var e = HTTPError(status: 400, message: m)
        e.closesConnection = true
        return e
    }
}

/// `Name: value` with a token name; nil when the line is not a header field.
func splitField(_ line: [UInt8]) -> (String, String)? {
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
    let name = line[..<colon]
    guard name.allSatisfy(isTokenChar) else { return nil }
    let value = trimmed(Substring(decoding: line[(colon + 1)...], as: UTF8.self))
    return (String(decoding: name, as: UTF8.self), value)
}

func isTokenChar(_ c: UInt8) -> Bool {
    switch c {
    case 48...57, 65...90, 97...122: return true
    default: return "!#$%&'*+-.^_`|~".utf8.contains(c)
    }
}
