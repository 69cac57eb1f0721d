import Glibc
import LinuxSys
import Wire

/// Docker's json-file log driver: one JSON object per line,
/// `{"log":"line\n","stream":"stdout","time":"2024-05-01T12:00:00.123456789Z"}`.
/// A line longer than `maxLine` is cut into entries without the newline, and a partial line
/// left when a stream ends is written as its own entry, as Docker does. Rotation by size:
/// when an entry would push the file past `maxSize`, path.(n-1) ... path.1, path shift down by
/// one and a new file starts, keeping `maxFiles` files in all (1: the file is truncated).
public final class JSONFileLog: @unchecked Sendable {
    public let path: String
    public let maxSize: Int64
    public let maxFiles: Int
    static let maxLine = 16 * 1024
    private let lock = Lock()
    private var fd: Int32
    private var size: Int64
    private var pending: [String: [UInt8]] = [:]

    public init(path: String, maxSize: Int64?, maxFiles: Int?) throws {
        self.path = path
        self.maxSize = max(0, maxSize ?? 0)
        self.maxFiles = max(1, maxFiles ?? 1)
        try FileIO.mkdirAll(FileIO.parent(of: path))
        fd = try Self.open(path)
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private static func open(_ path: String) throws -> Int32 {
        try sys("open", path) { Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640) }
    }

    /// Bytes read from `stream`: complete lines become entries now, the rest waits.
    public func write(stream: String, _ bytes: [UInt8]) {
        lock.with {
            var buffer = pending[stream, default: []]
            buffer.append(contentsOf: bytes)
            var start = 0
            while start < buffer.count {
                let end = buffer[start...].firstIndex(of: 0x0a).map { $0 + 1 }
                if let end, end - start <= Self.maxLine {
                    emit(stream, buffer[start..<end])
                    start = end
                } else if buffer.count - start >= Self.maxLine {
                    emit(stream, buffer[start..<(start + Self.maxLine)])
                    start += Self.maxLine
                } else {
                    break
                }
            }
            pending[stream] = start == 0 ? buffer : Array(buffer[start...])
        }
    }

    /// The stream ended: a partial last line becomes its own entry.
    public func finish(stream: String) {
        lock.with {
            if let rest = pending.removeValue(forKey: stream), !rest.isEmpty { emit(stream, rest[...]) }
        }
    }

    public func close() {
        lock.with {
            for (stream, rest) in pending where !rest.isEmpty { emit(stream, rest[...]) }
            pending.removeAll()
            if fd >= 0 { Glibc.close(fd); fd = -1 }
        }
    }

    private func emit(_ stream: String, _ line: ArraySlice<UInt8>) {
        guard fd >= 0 else { return }
        var entry: [UInt8] = []
        entry.reserveCapacity(line.count + 80)
        entry += Array(#"{"log":""#.utf8)
        Self.appendEscaped(line, to: &entry)
        entry += Array(#"","stream":""#.utf8)
        entry += Array(stream.utf8)
        entry += Array(#"","time":""#.utf8)
        entry += Array(WallTime.now().rfc3339Nano.utf8)
        entry += Array("\"}\n".utf8)
        if maxSize > 0, size > 0, size + Int64(entry.count) > maxSize { rotate() }
        guard fd >= 0 else { return }
        if (try? FileIO.writeAll(fd: fd, entry)) != nil { size += Int64(entry.count) }
    }

    private func rotate() {
        if maxFiles <= 1 {
            _ = ftruncate(fd, 0)
            size = 0
            return
        }
        Glibc.close(fd)
        fd = -1
        unlink("\(path).\(maxFiles - 1)")
        var n = maxFiles - 2
        while n >= 1 {
            rename("\(path).\(n)", "\(path).\(n + 1)")
            n -= 1
        }
        rename(path, "\(path).1")
        fd = (try? Self.open(path)) ?? -1
        size = 0
    }

    /// JSON string escaping of raw output: invalid UTF-8 becomes U+FFFD (as Go's encoder does),
    /// control characters are escaped, and so are <, > and & as Docker's encoder writes them.
    static func appendEscaped(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        let text = String(decoding: bytes, as: UTF8.self)
        for c in text.utf8 {
            switch c {
            case 0x22: out += [0x5c, 0x22]
            case 0x5c: out += [0x5c, 0x5c]
            case 0x0a: out += [0x5c, 0x6e]
            case 0x0d: out += [0x5c, 0x72]
            case 0x09: out += [0x5c, 0x74]
            case 0x3c, 0x3e, 0x26, 0x00..<0x20:
                out += [0x5c, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xf)]]
            default: out.append(c)
            }
        }
    }
}
