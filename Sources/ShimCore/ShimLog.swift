import LinuxSys
import Glibc
import Wire

/// The shim's own log: lines on stderr, which `start` points at `--log FILE` (or /dev/null).
/// One write(2) per line so lines from several threads never interleave.
public final class ShimLog: @unchecked Sendable {
    public let debugEnabled: Bool
    private let lock = Lock()

    public init(debug: Bool) { debugEnabled = debug }

    public func info(_ message: @autoclosure () -> String) { emit("info", message()) }
    public func error(_ message: @autoclosure () -> String) { emit("error", message()) }
    public func debug(_ message: @autoclosure () -> String) {
        if debugEnabled { emit("debug", message()) }
    }
    /// Frames for --trace, always written when tracing is on.
    public func trace(_ line: String) { emit("trace", line) }

    private func emit(_ level: String, _ message: String) {
        var line = Array("\(Timestamp.now().rfc3339) \(level) \(message)".utf8)
        line.append(0x0a)
        lock.with {
            var off = 0
            while off < line.count {
                let n = line.withUnsafeBytes { write(2, $0.baseAddress! + off, line.count - off) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                off += n
            }
        }
    }
}

/// A wall-clock instant with nanoseconds, rendered as RFC 3339 in UTC with all nine digits
/// ("2024-05-01T12:00:00.123456789Z"), the form the protocol and Docker's json-file log use.
public struct Timestamp: Sendable, Equatable {
    public var seconds: Int
    public var nanoseconds: Int

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: ts.tv_sec, nanoseconds: ts.tv_nsec)
    }

    public var rfc3339: String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        let ns = String(nanoseconds)
        let frac = String(repeating: "0", count: max(0, 9 - ns.count)) + ns
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(frac)Z"
    }
}
