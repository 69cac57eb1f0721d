import Glibc

/// A point in time as seconds + nanoseconds since the epoch, with the parsing and the
/// layouts the docker CLI uses (Go's time package is not available, so only those).
struct Timestamp: Comparable {
    var seconds: Int64
    var nanos: Int64 = 0

    static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanos: Int64(ts.tv_nsec))
    }

    static func < (a: Timestamp, b: Timestamp) -> Bool { (a.seconds, a.nanos) < (b.seconds, b.nanos) }

    var asDouble: Double { Double(seconds) + Double(nanos) / 1e9 }

    /// RFC 3339 with optional fraction (`2024-05-01T10:20:30.123456789Z`, `...+02:00`);
    /// nil for anything else, including Go's zero time `0001-01-01T00:00:00Z`.
    static func parseRFC3339(_ s: String) -> Timestamp? {
        guard let (t, offset) = parseDateTime(Array(s.utf8), requireZone: true) else { return nil }
        guard let offset else { return nil }
        var r = t
        r.seconds -= Int64(offset)
        if r.seconds < -62135596800 + 86400 { return nil }
        return r
    }

    /// Go's zero time as the daemon writes it for "never".
    static func isZero(_ s: String) -> Bool { s.hasPrefix("0001-01-01T00:00:00") }

    /// Parses `YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|±hh:mm]`; the zone offset (seconds) is nil when absent.
    static func parseDateTime(_ u: [UInt8], requireZone: Bool) -> (Timestamp, Int?)? {
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard u[k] >= 48 && u[k] <= 57 else { return nil }
                v = v * 10 + Int(u[k] - 48)
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < u.count, u[i] == c.asciiValue else { return false }
            i += 1
            return true
        }
        guard let year = num(4), expect("-"), let month = num(2), expect("-"), let day = num(2) else { return nil }
        var hour = 0, minute = 0, second = 0, nanos: Int64 = 0
        if i < u.count, u[i] == UInt8(ascii: "T") || u[i] == UInt8(ascii: " ") {
            i += 1
            guard let h = num(2), expect(":"), let m = num(2) else { return nil }
            hour = h; minute = m
            if expect(":") {
                guard let s = num(2) else { return nil }
                second = s
                if expect(".") {
                    var digits = 0
                    while i < u.count, u[i] >= 48 && u[i] <= 57 {
                        if digits < 9 { nanos = nanos * 10 + Int64(u[i] - 48) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in min(digits, 9)..<9 { nanos *= 10 }
                }
            }
        }
        var offset: Int?
        if i < u.count {
            if u[i] == UInt8(ascii: "Z") { offset = 0; i += 1 } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
                let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = num(2) else { return nil }
                _ = expect(":")
                guard let om = num(2) else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == u.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        if requireZone && offset == nil { return nil }
        let days = daysFromCivil(year, month, day)
        let secs = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return (Timestamp(seconds: secs, nanos: nanos), offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    private func localTM() -> tm {
        var t = time_t(seconds)
        var out = tm()
        localtime_r(&t, &out)
        return out
    }

    private func strftime(_ format: String) -> String {
        var t = localTM()
        var buf = [CChar](repeating: 0, count: 128)
        let n = Glibc.strftime(&buf, buf.count, format, &t)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The `-0700` / `Z07:00` parts from the local zone.
    private func zone(colon: Bool, zulu: Bool) -> String {
        let off = Int(localTM().tm_gmtoff)
        if off == 0 && zulu { return "Z" }
        let sign = off < 0 ? "-" : "+"
        let a = abs(off)
        let hh = a / 3600, mm = a % 3600 / 60
        return sign + pad2(hh) + (colon ? ":" : "") + pad2(mm)
    }

    /// time.Time.String() without the monotonic part: `2024-05-01 10:20:30 +0000 UTC`
    /// (nanoseconds shown only when non-zero).
    var goString: String {
        strftime("%Y-%m-%d %H:%M:%S") + fraction(trimmed: true) + " " + zone(colon: false, zulu: false) + " " + strftime("%Z")
    }

    /// `.123456789`; trimmed of trailing zeros (and empty for whole seconds) as Go's `.999999999`.
    private func fraction(trimmed: Bool) -> String {
        var f = String(nanos)
        f = String(repeating: "0", count: 9 - f.count) + f
        if !trimmed { return "." + f }
        while f.hasSuffix("0") { f.removeLast() }
        return f.isEmpty ? "" : "." + f
    }

    /// `2006-01-02T15:04:05Z07:00` (time.RFC3339).
    var rfc3339: String { strftime("%Y-%m-%dT%H:%M:%S") + zone(colon: true, zulu: true) }

    /// `2006-01-02T15:04:05.000000000Z07:00`: the events and logs timestamps (jsonmessage's RFC3339NanoFixed).
    var rfc3339NanoFixed: String { strftime("%Y-%m-%dT%H:%M:%S") + fraction(trimmed: false) + zone(colon: true, zulu: true) }

    /// Go's time.RFC3339Nano: the fraction without trailing zeros.
    var rfc3339Nano: String { strftime("%Y-%m-%dT%H:%M:%S") + fraction(trimmed: true) + zone(colon: true, zulu: true) }

    /// timetypes.GetTimestamp: what `--since`/`--until` send — a Go duration counts back
    /// from `now`, unix seconds pass through, dates and times (RFC 3339 and the shorter
    /// layouts, local time without a zone) become `seconds.nanoseconds`.
    static func apiTimestamp(_ value: String, now: Timestamp = .now()) throws(UnitError) -> String {
        if let d = try? GoDuration.parse(value) {
            let ns = now.seconds * 1_000_000_000 + now.nanos - d
            let (s, n) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
            return "\(s).\(String(repeating: "0", count: 9 - String(n).count) + String(n))"
        }
        if !value.contains("-") || value.hasPrefix("-") {
            // Unix seconds with an optional fraction: passed on as they are.
            let parts = value.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isNumber } }) { return value }
        }
        guard let (t, offset) = parseDateTime(Array(value.utf8), requireZone: false) else {
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
        return "\(r.seconds).\(String(repeating: "0", count: 9 - String(r.nanos).count) + String(r.nanos))"
    }
}

func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
