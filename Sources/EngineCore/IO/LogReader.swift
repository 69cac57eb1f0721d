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
        // Files are read in chunks: a log of hundreds of MB costs one chunk of memory. The
        // live file stays open, so follow continues from where the first pass stopped.
        var scanner = LogLineScanner()
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        var offset: Int64 = 0
        var ino: UInt64 = 0
        for f in files(path) {
            let rfd = open(f, O_RDONLY | O_CLOEXEC)
            guard rfd >= 0 else { continue }
            scanner.reset()
            let n: Int64
            do { n = try scanner.scan(fd: rfd) { if let e = parse($0) { try deliver(e) } } } catch {
                close(rfd)
                throw error
            }
            if f == path {
                fd = rfd
                offset = n
                var st = stat()
                if fstat(rfd, &st) == 0 { ino = UInt64(st.st_ino) }
            } else {
                close(rfd)
            }
        }
        if collecting, let n = o.tail {
            for e in entries.suffix(max(0, n)) { try emit(e) }
        }
        guard o.follow else { return }
        // What the open file has past `offset`, read whatever its name now points at: the
        // last lines may land just before the file is rotated away or the container (and
        // its log) removed, as the SDK's `containers.run(remove=True)` does right after the
        // exit, before it reads the stream.
        func drain() throws -> Bool {
            guard fd >= 0, lseek(fd, off_t(offset), SEEK_SET) >= 0 else { return false }
            let n = try scanner.scan(fd: fd) { if let e = parse($0), selected(e, o) { try emit(e) } }
            offset += n
            return n > 0
        }
        var quietRounds = 0
        while true {
            if try drain() {
                quietRounds = 0
                continue
            }
            var st = stat()
            if stat(path, &st) == 0 && (fd < 0 || UInt64(st.st_ino) != ino || Int64(st.st_size) < offset) {
                // Rotated (or created, or truncated): the new file starts from zero, once the
                // old one has given what it got between the drain above and the rotation.
                if try drain() {
                    quietRounds = 0
                    continue
                }
                if fd >= 0 { close(fd) }
                fd = open(path, O_RDONLY | O_CLOEXEC)
                ino = UInt64(st.st_ino); offset = 0; scanner.reset()
                if fd >= 0 { continue }
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
