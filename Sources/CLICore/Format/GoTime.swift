import Glibc
import LinuxSys

/// The layouts and parsing the docker CLI uses on top of WallTime's RFC 3339: times are
/// shown in the local zone (Go's time.Local), and `--since`/`--until` accept shorter layouts.
extension WallTime {
    /// RFC 3339 as the daemon writes it; nil for anything else, including Go's zero time
    /// `0001-01-01T00:00:00Z` (and the day after it, as the CLI treats both as "never").
    static func parseRFC3339(_ s: String) -> WallTime? {
        guard let t = parse(rfc3339: s), t.seconds >= -62135596800 + 86400 else { return nil }
        return t
    }

    private func localTM() -> tm {
        var t = time_t(seconds)
        var out = tm()
        localtime_r(&t, &out)
        return out
    }

    /// RFC 3339 in the local zone: `.none` is time.RFC3339, `.nine` jsonmessage's
    /// RFC3339NanoFixed (events and logs), `.trimmed` time.RFC3339Nano.
    func localRFC3339(_ fraction: Fraction) -> String { rfc3339(fraction, utcOffset: Int(localTM().tm_gmtoff)) }

    /// time.Time.String() without the monotonic part: `2024-05-01 10:20:30 +0000 UTC`
    /// (nanoseconds shown only when non-zero).
    var goString: String {
        var t = localTM()
        let off = Int(t.tm_gmtoff)
        // `2024-05-01T10:20:30.5+02:00` (or `...Z`) less its zone, with a space for the `T`.
        var text = Array(rfc3339(.trimmed, utcOffset: off).utf8)
        text.removeLast(off == 0 ? 1 : 6)
        text[10] = 0x20
        var zone = [CChar](repeating: 0, count: 64)
        let n = strftime(&zone, zone.count, "%Z", &t)
        let a = abs(off)
        return String(decoding: text, as: UTF8.self) + " " + (off < 0 ? "-" : "+") + pad2(a / 3600) + pad2(a % 3600 / 60)
            + " " + String(decoding: zone.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// timetypes.GetTimestamp: what `--since`/`--until` send — a Go duration counts back
    /// from `now`, unix seconds pass through, dates and times (RFC 3339 and the shorter
    /// layouts, local time without a zone) become `seconds.nanoseconds`.
    static func apiTimestamp(_ value: String, now: WallTime = .now()) throws(UnitError) -> String {
        if let d = try? GoDuration.parse(value) {
            let ns = now.seconds * 1_000_000_000 + now.nanoseconds - d
            let (s, n) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
            return "\(s).\(String(repeating: "0", count: 9 - String(n).count) + String(n))"
        }
        if !value.contains("-") || value.hasPrefix("-") {
            // Unix seconds with an optional fraction: passed on as they are.
            let parts = value.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isNumber } }) { return value }
        }
        guard let (t, offset) = parseDateTime(value) else {
            throw UnitError("parsing time \"\(value)\": cannot parse \"\(value)\" as a timestamp")
        }
        var r = t
        if let offset {
            r.seconds -= Int64(offset)
        } else {
            // No zone: local time, as Go's ParseInLocation(time.Local) reads it.
            var tmv = tm()
            var tt = time_t(t.seconds)
            gmtime_r(&tt, &tmv)
            tmv.tm_isdst = -1
            r.seconds = Int64(mktime(&tmv))
        }
        return "\(r.seconds).\(String(repeating: "0", count: 9 - String(r.nanoseconds).count) + String(r.nanoseconds))"
    }
}

func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
