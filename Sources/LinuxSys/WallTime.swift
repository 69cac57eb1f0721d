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

    /// `2024-05-01T12:00:00.123456789Z`, always nine digits.
    public var rfc3339Nano: String {
        var t = time_t(seconds)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        let ns = String(nanoseconds)
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))."
            + String(repeating: "0", count: 9 - ns.count) + ns + "Z"
    }

    /// Parses RFC 3339 (`Z` or `±hh:mm`, optional fraction).
    public static func parse(rfc3339 s: String) -> WallTime? {
        let b = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for c in b[from..<from + len] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard b.count >= 20, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2),
              b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116 || b[10] == 32, b[13] == 58, b[16] == 58 else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int64(b[i] - 48); digits += 1 }
                i += 1
            }
            while digits < 9 { nanos *= 10; digits += 1 }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        var tm = Glibc.tm()
        tm.tm_year = Int32(y - 1900); tm.tm_mon = Int32(mo - 1); tm.tm_mday = Int32(d)
        tm.tm_hour = Int32(h); tm.tm_min = Int32(mi); tm.tm_sec = Int32(se)
        let t = timegm(&tm)
        return WallTime(seconds: Int64(t) - Int64(offset), nanoseconds: nanos)
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
