import Glibc
import LinuxSys

/// Daemon log lines on stderr. Writes are single `write(2)` calls, so lines from
/// different threads never interleave.
public final class Logger: Sendable {
    public let debugEnabled: Bool
    public init(debug: Bool) { debugEnabled = debug }

    public func info(_ message: @autoclosure () -> String) { emit("info", message()) }
    public func warn(_ message: @autoclosure () -> String) { emit("warning", message()) }
    public func error(_ message: @autoclosure () -> String) { emit("error", message()) }
    public func debug(_ message: @autoclosure () -> String) {
        if debugEnabled { emit("debug", message()) }
    }

    /// A raw line, used for --trace frame dumps.
    public func line(_ text: String) {
        try? FileIO.writeAll(fd: 2, text + "\n")
    }

    private func emit(_ level: String, _ message: String) {
        line("\(WallTime.now().rfc3339Nano) \(level) berth-supervisor: \(message)")
    }
}

/// Any JSON value: results the supervisor passes through from a shim unchanged,
/// so it does not need to know every shape the shim answers with.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let v = try? c.decode(Bool.self) { self = .bool(v); return }
        if let v = try? c.decode(Int64.self) { self = .int(v); return }
        // Cgroup limits ("max") come as UInt64.max, which Int64 cannot hold.
        if let v = try? c.decode(UInt64.self) { self = .uint(v); return }
        if let v = try? c.decode(Double.self) { self = .double(v); return }
        if let v = try? c.decode(String.self) { self = .string(v); return }
        if let v = try? c.decode([JSONValue].self) { self = .array(v); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .uint(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var int32: Int32? {
        switch self {
        case .int(let v): return Int32(exactly: v)
        case .uint(let v): return Int32(exactly: v)
        default: return nil
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// What /proc says about a process: enough to tell a live shim from a dead one
/// or from an unrelated process that reuses its pid.
public enum ProcessProbe {
    /// The start time (clock ticks since boot, field 22 of /proc/PID/stat), or nil
    /// when no such process exists or it is a zombie.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let stat = FileIO.readStringIfPresent("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        guard fields.count > 19 else { return nil }
        if fields[0] == "Z" || fields[0] == "X" { return nil }
        return UInt64(fields[19])
    }

    /// True while `pid` runs and is still the process that had `startTime` (0: unknown).
    public static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
        guard let now = self.startTime(of: pid) else { return false }
        return startTime == 0 || now == startTime
    }
}

