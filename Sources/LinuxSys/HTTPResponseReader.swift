/// A response head as a client reads it: the final status (interim 1xx answers other than
/// 101 skipped), the header fields in arrival order, and how the body is framed.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var framing: HTTPBodyFraming

    /// Reads the head of the answer to a `method` request from `socket`.
    public static func read<F: Error>(from socket: BufferedSocket<F>, method: String) throws(F) -> HTTPResponseHead {
        var status = 0
        var headers: [(String, String)] = []
        repeat {
            guard let line = try socket.readLine() else { throw socket.fail(.noAnswer) }
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let s = Int(parts[1]) else {
                throw socket.fail(.malformedStatus(String(line.prefix(80))))
            }
            status = s
            headers = []
            while let l = try socket.readLine(), !l.isEmpty {
                guard let colon = l.firstIndex(of: ":") else { continue }
                headers.append((String(l[..<colon]), trimmed(l[l.index(after: colon)...])))
            }
        } while status / 100 == 1 && status != 101
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
        let framing: HTTPBodyFraming
        if status == 101 || method == "HEAD" || status == 204 || status == 304 {
            framing = .length(0)
        } else if header("transfer-encoding")?.lowercased().contains("chunked") == true {
            framing = .chunked
        } else if let l = header("content-length"), let n = Int64(l), n >= 0 {
            framing = .length(n)
        } else {
            framing = .untilClose
        }
        return HTTPResponseHead(status: status, headers: headers, framing: framing)
    }

    static func trimmed(_ s: Substring) -> String {
        func blank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }
        var s = s
        while let f = s.first, blank(f) { s.removeFirst() }
        while let l = s.last, blank(l) { s.removeLast() }
        return String(s)
    }
}

public enum HTTPBodyFraming: Sendable, Equatable {
    case length(Int64), chunked, untilClose
}

/// A response body read as it arrives from the socket after the head: Content-Length,
/// chunked or until close all read the same way, and a body that ends before its framing
/// says it should throws `.bodyEndedEarly` instead of reading as end of stream.
public struct HTTPBodyReader<Failure: Error>: Sendable {
    public let socket: BufferedSocket<Failure>
    private var framing: HTTPBodyFraming
    private var chunkLeft = 0
    private var done = false

    public init(socket: BufferedSocket<Failure>, framing: HTTPBodyFraming) {
        self.socket = socket
        self.framing = framing
        if case .length(0) = framing { done = true }
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        if done || buffer.count == 0 { return 0 }
        switch framing {
        case .untilClose:
            let n = try socket.read(into: buffer)
            if n == 0 { done = true }
            return n
        case .length(let left):
            let want = Int(min(left, Int64(buffer.count)))
            let n = try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            if n == 0 { throw socket.fail(.bodyEndedEarly(left: left)) }
            framing = .length(left - Int64(n))
            if left - Int64(n) == 0 { done = true }
            return n
        case .chunked:
            if chunkLeft == 0 {
                guard let line = try socket.readLine() else { throw socket.fail(.bodyEndedEarly(left: nil)) }
                let sizeText = line.split(separator: ";", maxSplits: 1).first ?? ""
                guard let size = Int(HTTPResponseHead.trimmed(sizeText), radix: 16), size >= 0 else {
                    throw socket.fail(.malformedChunk)
                }
                if size == 0 {
                    // Trailers until the empty line.
                    while let l = try socket.readLine(), !l.isEmpty {}
                    done = true
                    return 0
                }
                chunkLeft = size
            }
            let n = try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(chunkLeft, buffer.count)]))
            if n == 0 { throw socket.fail(.bodyEndedEarly(left: nil)) }
            chunkLeft -= n
            if chunkLeft == 0 {
                guard let crlf = try socket.readLine(), crlf.isEmpty else { throw socket.fail(.malformedChunk) }
            }
            return n
        }
    }
}
