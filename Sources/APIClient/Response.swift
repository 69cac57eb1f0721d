import LinuxSys

/// Header fields in arrival order; lookup ignores case.
public struct Headers: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []
    public init(_ fields: [(String, String)] = []) { self.fields = fields.map { (name: $0.0, value: $0.1) } }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
    public subscript(name: String) -> String? {
        let l = name.lowercased()
        return fields.first { $0.name.lowercased() == l }?.value
    }
    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }
}

/// A whole response: status, headers, body.
public struct Response: Sendable {
    public var status: Int
    public var headers: Headers
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body is read as it arrives (logs -f, events, stats, load progress).
/// Chunked, Content-Length and read-until-close bodies all read the same way.
public final class StreamingResponse: ByteSource, @unchecked Sendable {
    public let status: Int
    public let headers: Headers
    let connection: Connection
    private var framing: Framing
    private var chunkLeft = 0
    private var done = false

    enum Framing { case length(Int), chunked, untilClose }

    init(status: Int, headers: Headers, connection: Connection, framing: Framing) {
        self.status = status
        self.headers = headers
        self.connection = connection
        self.framing = framing
        if case .length(0) = framing { done = true }
    }

    /// Ends the exchange early: the daemon sees the connection close (stops following logs).
    public func close() { connection.close() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if done || buffer.count == 0 { return 0 }
        switch framing {
        case .untilClose:
            let n = try connection.read(into: buffer)
            if n == 0 { done = true }
            return n
        case .length(let left):
            let n = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(left, buffer.count)]))
            if n == 0 { throw APIError.transport("unexpected EOF: the daemon closed the connection mid-response") }
            framing = .length(left - n)
            if left - n == 0 { done = true }
            return n
        case .chunked:
            if chunkLeft == 0 {
                guard let line = try connection.readLine() else {
                    throw APIError.transport("unexpected EOF: the daemon closed the connection mid-response")
                }
                let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0 else {
                    throw APIError.transport("malformed chunked encoding from daemon")
                }
                if size == 0 {
                    // Trailers until the empty line.
                    while let l = try connection.readLine(), !l.isEmpty {}
                    done = true
                    return 0
                }
                chunkLeft = size
            }
            let want = min(chunkLeft, buffer.count)
            let n = try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            if n == 0 { throw APIError.transport("unexpected EOF: the daemon closed the connection mid-response") }
            chunkLeft -= n
            if chunkLeft == 0 {
                guard let crlf = try connection.readLine(), crlf.isEmpty else {
                    throw APIError.transport("malformed chunked encoding from daemon")
                }
            }
            return n
        }
    }

    /// The next newline-terminated line of the body (without the newline); nil at the end.
    /// For the JSON-lines streams: events, stats, load and pull progress.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let i = pending.firstIndex(of: 10) {
                let line = Array(pending[..<i])
                pending.removeFirst(i + 1)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 {
                if pending.isEmpty { return nil }
                defer { pending.removeAll() }
                return pending
            }
            pending.append(contentsOf: chunk[0..<n])
        }
    }
    private var pending: [UInt8] = []
}
