import Glibc
import LinuxSys
import JSON

/// Reads a log file in fixed-size chunks and hands out its complete lines, so reading a
/// large log costs one buffer of memory, not the file's size.
struct LogLineScanner {
    private var chunk: [UInt8]
    /// The unfinished last line read so far (no newline yet).
    private(set) var carry: [UInt8] = []

    init(chunkSize: Int = 1 << 20) {
        chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    mutating func reset() { carry.removeAll(keepingCapacity: true) }

    /// Reads `fd` from its position to end of file, calling `body` with each complete,
    /// non-empty line (without its newline). Returns the bytes read.
    mutating func scan(fd: Int32, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        var total: Int64 = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SyscallError("read", "log file", errno: errno)
            }
            if n == 0 { return total }
            total += Int64(n)
            try chunk.withUnsafeBytes { raw in try split(UnsafeRawBufferPointer(rebasing: raw[0..<n]), body) }
        }
    }

    private mutating func split(_ raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = raw.baseAddress else { return }
        var start = 0
        while start < raw.count, let p = memchr(base + start, 10, raw.count - start) {
            let nl = base.distance(to: UnsafeRawPointer(p))
            if carry.isEmpty {
                if nl > start { try body(UnsafeRawBufferPointer(rebasing: raw[start..<nl])) }
            } else {
                carry.append(contentsOf: raw[start..<nl])
                try carry.withUnsafeBytes { try body($0) }
                carry.removeAll(keepingCapacity: true)
            }
            start = nl + 1
        }
        if start < raw.count { carry.append(contentsOf: raw[start...]) }
    }
}

extension LogReader {
    /// One json-file line. The shim writes `{"log":"...","stream":"...","time":"..."}` in that
    /// order; such lines are decoded directly (a log of a million lines would otherwise build a
    /// million JSON objects). Anything else goes through the full JSON parser, with the same
    /// result: the fast path gives up on whatever it does not decode exactly as the parser does.
    static func parse(_ line: UnsafeRawBufferPointer) -> LogEntry? {
        parseShimLine(line) ?? parseJSON(line)
    }

    static func parseJSON(_ line: UnsafeRawBufferPointer) -> LogEntry? {
        guard let v = try? JSON.parse(Array(line)), case .object(let o) = v,
              case .string(let log)? = o["log"] else { return nil }
        return LogEntry(stream: o["stream"]?.text ?? "stdout", time: o["time"]?.text ?? "", bytes: Array(log.utf8))
    }

    static func parseShimLine(_ b: UnsafeRawBufferPointer) -> LogEntry? {
        var pos = 0
        func expect(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard pos + n <= b.count, let base = b.baseAddress,
                  memcmp(base + pos, literal.utf8Start, n) == 0 else { return false }
            pos += n
            return true
        }
        guard expect(#"{"log":""#), let log = logString(b, &pos),
              expect(#","stream":""#), let stream = plainString(b, &pos),
              expect(#","time":""#), let time = plainString(b, &pos),
              expect("}"), pos == b.count else { return nil }
        return LogEntry(stream: stream, time: time, bytes: log)
    }

    /// A string without escapes, control or non-ASCII bytes, up to its closing quote.
    private static func plainString(_ b: UnsafeRawBufferPointer, _ pos: inout Int) -> String? {
        let start = pos
        while pos < b.count {
            let c = b[pos]
            if c == UInt8(ascii: "\"") {
                defer { pos += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<pos]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return nil }
            pos += 1
        }
        return nil
    }

    /// The decoded bytes of the "log" string, up to its closing quote. Gives up (nil) on what the
    /// parser rejects or treats specially: control bytes, bad escapes, surrogates, invalid UTF-8.
    private static func logString(_ b: UnsafeRawBufferPointer, _ pos: inout Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(b.count - pos)
        var highBytes = false
        var run = pos
        while pos < b.count {
            let c = b[pos]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                out.append(contentsOf: b[run..<pos])
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    if highBytes && String(validating: out, as: UTF8.self) == nil { return nil }
                    return out
                }
                guard pos + 1 < b.count else { return nil }
                switch b[pos + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b[pos + 1])
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let unit = JSONEscapes.hex4(b, at: pos + 2), !(0xD800...0xDFFF).contains(unit),
                          let scalar = Unicode.Scalar(unit), let encoded = UTF8.encode(scalar) else { return nil }
                    out.append(contentsOf: encoded)
                    pos += 4
                default: return nil
                }
                pos += 2
                run = pos
                continue
            }
            if c < 0x20 { return nil }
            if c >= 0x80 { highBytes = true }
            pos += 1
        }
        return nil
    }
}

/// Log entries framed for the client and sent in batches of about 64 KiB: one write per
/// batch rather than one per line (a million lines were a million sends).
struct LogBatch {
    static let size = 64 * 1024
    let multiplexed: Bool
    let timestamps: Bool
    let write: ([UInt8]) throws -> Void
    private var out: [UInt8] = []

    init(multiplexed: Bool, timestamps: Bool, write: @escaping ([UInt8]) throws -> Void) {
        self.multiplexed = multiplexed
        self.timestamps = timestamps
        self.write = write
    }

    mutating func add(_ e: LogEntry) throws {
        let stamp = timestamps ? e.time + " " : ""
        if multiplexed {
            AttachSession.appendFrameHeader(stream: e.stream == "stderr" ? 2 : 1, count: stamp.utf8.count + e.bytes.count, to: &out)
        }
        out += stamp.utf8
        out += e.bytes
        if out.count >= Self.size { try flush() }
    }

    mutating func flush() throws {
        guard !out.isEmpty else { return }
        let chunk = out
        out.removeAll(keepingCapacity: true)
        try write(chunk)
    }
}
