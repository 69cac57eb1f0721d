import LinuxSys

/// berthd's log on stderr, in dockerd's `time="..." level=info msg="..."` shape.
public final class EngineLog: Sendable {
    public let debugEnabled: Bool
    public init(debug: Bool) { debugEnabled = debug }

    public func info(_ m: @autoclosure () -> String) { emit("info", m()) }
    public func warn(_ m: @autoclosure () -> String) { emit("warning", m()) }
    public func error(_ m: @autoclosure () -> String) { emit("error", m()) }
    public func debug(_ m: @autoclosure () -> String) { if debugEnabled { emit("debug", m()) } }

    private func emit(_ level: String, _ message: String) {
        let escaped = message.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"")
        try? FileIO.writeAll(fd: 2, "time=\"\(WallTime.now().rfc3339Nano)\" level=\(level) msg=\"\(escaped)\"\n")
    }
}

extension String {
    /// Foundation-free replaceOccurrences.
    func replacingAll(_ target: String, _ with: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += with
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
