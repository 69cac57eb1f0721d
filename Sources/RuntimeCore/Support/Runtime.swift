import Glibc
import LinuxSys

/// Global settings of one runtime invocation (runc's global flags).
public struct Runtime {
    public var store: StateStore
    public var log: Logger
    public var systemdCgroup = false

    public init(root: String, log: Logger) {
        self.store = StateStore(root: root)
        self.log = log
    }
}

/// runc-compatible logging: text or JSON lines ({"level","msg","time"}) to
/// --log, which is where containerd and other callers look for the error.
public struct Logger {
    public enum Format: String { case text, json }
    public var fd: Int32 = -1
    public var format: Format = .text
    public var debugEnabled = false

    public init() {}

    public mutating func open(path: String) throws {
        fd = try sys("open", "log file \(path)") { Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
    }

    public func error(_ m: String) { write("error", m) }
    public func warn(_ m: String) { write("warning", m) }
    public func debug(_ m: String) { if debugEnabled { write("debug", m) } }

    private func write(_ level: String, _ msg: String) {
        guard fd >= 0 else {
            if level != "error" { FileHandleOut.stderr("berth-runtime: \(level): \(msg)\n") }
            return
        }
        let line: String
        switch format {
        case .json: line = "{\"level\":\"\(level)\",\"msg\":\(jsonQuote(msg)),\"time\":\"\(WallTime.now().rfc3339Nano)\"}\n"
        case .text: line = "time=\"\(WallTime.now().rfc3339Nano)\" level=\(level) msg=\(jsonQuote(msg))\n"
        }
        try? FileIO.writeAll(fd: fd, line)
    }
}

public enum FileHandleOut {
    public static func stdout(_ s: String) { try? FileIO.writeAll(fd: 1, s) }
    public static func stderr(_ s: String) { try? FileIO.writeAll(fd: 2, s) }
}

public func jsonQuote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { let h = String(u.value, radix: 16); out += "\\u" + String(repeating: "0", count: 4 - h.count) + h } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
