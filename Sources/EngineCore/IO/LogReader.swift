import Glibc
import LinuxSys
import JSON

/// Reads a container's json-file log (the shim writes it, rotating `path.1` ... `path.N`)
/// the way `docker logs` shows it.
public struct LogOptions: Sendable {
    public var stdout = true
    public var stderr = true
    public var since: WallTime?
    public var until: WallTime?
    /// Last N entries; nil for all.
    public var tail: Int?
    public var timestamps = false
    public var follow = false
    public init() {}
}

struct LogEntry {
    var stream: String
    var time: String
    var bytes: [UInt8]
}

enum LogReader {
    /// The log files oldest first.
    static func files(_ path: String) -> [String] {
        var rotated: [String] = []
        var i = 1
        while FileIO.exists("\(path).\(i)") { rotated.append("\(path).\(i)"); i += 1 }
        return rotated.reversed() + [path]
    }

    static func parse(_ line: ArraySlice<UInt8>) -> LogEntry? {
        guard let v = try? JSON.parse(Array(line)), case .object(let o) = v,
              case .string(let log)? = o["log"] else { return nil }
        return LogEntry(stream: o["stream"]?.text ?? "stdout", time: o["time"]?.text ?? "", bytes: Array(log.utf8))
    }

    static func selected(_ e: LogEntry, _ o: LogOptions) -> Bool {
        if e.stream == "stdout" && !o.stdout { return false }
        if e.stream == "stderr" && !o.stderr { return false }
        if o.since != nil || o.until != nil {
            guard let t = WallTime.parse(rfc3339: e.time) else { return true }
            if let s = o.since, t < s { return false }
            if let u = o.until, u < t { return false }
        }
        return true
    }

    /// Splits a buffer into complete lines; returns the bytes of an unfinished last line.
    static func lines(_ buf: [UInt8], _ body: (ArraySlice<UInt8>) throws -> Void) rethrows -> [UInt8] {
        var start = 0
        var i = 0
        while let nl = buf[i...].firstIndex(of: 10) {
            if nl > start { try body(buf[start..<nl]) }
            start = nl + 1
            i = start
            if i >= buf.count { break }
        }
        return start < buf.count ? Array(buf[start...]) : []
    }

    /// Writes the selected entries through `emit`; with `follow`, keeps going until
    /// `isRunning` turns false and the file has no more, or `emit` throws (client gone).
    static func read(path: String, options o: LogOptions, isRunning: () -> Bool,
                     emit: (LogEntry) throws -> Void) throws {
        var entries: [LogEntry] = []
        let collecting = o.tail != nil
        func deliver(_ e: LogEntry) throws {
            guard selected(e, o) else { return }
            if collecting {
                // Only the last `tail` entries survive; trim in batches, not per entry.
                entries.append(e)
                if entries.count > (o.tail ?? 0) * 2 + 1024 { entries.removeFirst(entries.count - (o.tail ?? 0)) }
            } else {
                try emit(e)
            }
        }
        let all = files(path)
        var offset: Int64 = 0
        var ino: UInt64 = 0
        for f in all {
            guard let bytes = try? FileIO.read(path: f) else { continue }
            _ = try lines(bytes) { if let e = parse($0) { try deliver(e) } }
            if f == path {
                offset = Int64(bytes.count)
                var st = stat()
                if stat(f, &st) == 0 { ino = UInt64(st.st_ino) }
            }
        }
        if collecting, let n = o.tail {
            for e in entries.suffix(max(0, n)) { try emit(e) }
        }
        guard o.follow else { return }
        var pending: [UInt8] = []
        var quietRounds = 0
        while true {
            var st = stat()
            let exists = stat(path, &st) == 0
            if exists && (UInt64(st.st_ino) != ino || Int64(st.st_size) < offset) {
                // Rotated: the new file starts from zero.
                ino = UInt64(st.st_ino); offset = 0; pending = []
            }
            if exists && Int64(st.st_size) > offset {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    defer { close(fd) }
                    var chunk = [UInt8](repeating: 0, count: Int(Int64(st.st_size) - offset))
                    let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
                    if n > 0 {
                        offset += Int64(n)
                        pending += chunk[0..<n]
                        pending = try lines(pending) { if let e = parse($0), selected(e, o) { try emit(e) } }
                        quietRounds = 0
                        continue
                    }
                }
            }
            if let until = o.until, WallTime.now() > until { return }
            if !isRunning() {
                quietRounds += 1
                // The shim flushes the last lines just before it reports the exit.
                if quietRounds > 2 { return }
            }
            // Probe the client: a write of nothing is free, a dead peer throws.
            try emit(LogEntry(stream: "", time: "", bytes: []))
            usleep(50_000)
        }
    }
}
