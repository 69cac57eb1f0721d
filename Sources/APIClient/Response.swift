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
    private var body: HTTPBodyReader<APIError>
    /// The socket, for a hijacked exchange: what follows the head is the raw stream.
    var connection: Connection { body.socket }

    init(head: HTTPResponseHead, connection: Connection) {
        self.status = head.status
        self.headers = Headers(head.headers)
        self.body = HTTPBodyReader(socket: connection, framing: head.framing)
    }

    /// Ends the exchange early: the daemon sees the connection close (stops following logs).
    public func close() { connection.close() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try body.read(into: buffer) }

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
