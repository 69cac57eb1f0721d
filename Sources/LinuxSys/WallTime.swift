import Glibc

/// A wall-clock instant with nanoseconds; Docker's API carries times as RFC 3339
/// text (inspect, logs) and as Unix seconds or nanoseconds (list, events).
public struct WallTime: Comparable, Sendable, Hashable {
    public var seconds: Int64
    public var nanoseconds: Int64

    public init(seconds: Int64, nanoseconds: Int64 = 0) { self.seconds = seconds; self.nanoseconds = nanoseconds }

    public static func now() -> WallTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallTime(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }

    public var unixNano: Int64 { seconds &* 1_000_000_000 &+ nanoseconds }
    public var asDouble: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    public static func < (a: WallTime, b: WallTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    public func adding(seconds s: Double) -> WallTime {
        let total = Double(unixNano) + s * 1e9
        let n = Int64(total)
        return WallTime(seconds: n / 1_000_000_000, nanoseconds: n % 1_000_000_000)
    }

    /// Docker's `--since`/`--until` values: Unix seconds with an optional fraction, an
    /// RFC 3339 time, or a duration like `10m` / `1h30m` before `now`.
    public static func parseTimestamp(_ s: String, now: WallTime = .now()) -> WallTime? {
        if s.isEmpty { return nil }
        if let t = parse(rfc3339: s) { return t }
        let parts = s.split(separator: ".", maxSplits: 1)
        if let secs = Int64(parts[0]), parts.count == 1 || Int64(parts[1]) != nil {
            var ns: Int64 = 0
            if parts.count == 2 {
                var frac = String(parts[1].prefix(9))
                while frac.count < 9 { frac += "0" }
                ns = Int64(frac) ?? 0
            }
            return WallTime(seconds: secs, nanoseconds: ns)
        }
        if let d = parseDuration(s) { return now.adding(seconds: -d) }
        return nil
    }

    /// Go's time.ParseDuration for the units Docker users type: h, m, s, ms, us, ns.
    public static func parseDuration(_ s: String) -> Double? {
        var total = 0.0
        var rest = Substring(s)
        if rest.isEmpty { return nil }
        if rest == "0" { return 0 }
        while !rest.isEmpty {
            let numEnd = rest.firstIndex { !($0.isNumber || $0 == ".") } ?? rest.endIndex
            guard numEnd != rest.startIndex, let v = Double(rest[rest.startIndex..<numEnd]) else { return nil }
            rest = rest[numEnd...]
            let unitEnd = rest.firstIndex { $0.isNumber || $0 == "." } ?? rest.endIndex
            let unit = rest[rest.startIndex..<unitEnd]
            rest = rest[unitEnd...]
            switch unit {
            case "h": total += v * 3600
            case "m": total += v * 60
            case "s": total += v
            case "ms": total += v / 1e3
            case "us", "µs": total += v / 1e6
            case "ns": total += v / 1e9
            default: return nil
            }
        }
        return total
    }
}
