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
        var line = Array("\(WallTime.now().rfc3339Nano) \(level) \(message)".utf8)
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
