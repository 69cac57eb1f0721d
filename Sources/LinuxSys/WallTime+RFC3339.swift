/// RFC 3339 text, the one implementation every module uses: Docker's API, image configs,
/// the shim and supervisor protocols and runc's state all carry times this way, and each
/// differs only in how it writes the fraction and the zone.
extension WallTime {
    /// How the fraction of a second is written.
    public enum Fraction: Sendable {
        /// Always nine digits: Docker's RFC3339NanoFixed (logs, events, container times).
        case nine
        /// Trailing zeros dropped, none for whole seconds: Go's time.RFC3339Nano (image configs).
        case trimmed
        /// No fraction: Go's time.RFC3339.
        case none
    }

    /// Go's zero time, which Docker writes for "never".
    public static let goZeroRFC3339 = "0001-01-01T00:00:00Z"

    /// `2024-05-01T12:00:00.123456789Z`, always nine digits, in UTC.
    public var rfc3339Nano: String { rfc3339(.nine) }

    /// `2024-05-01T12:00:00.5Z`; in the zone `utcOffset` seconds east of UTC
    /// (`2024-05-01T14:00:00.5+02:00`), `Z` when the offset is 0.
    public func rfc3339(_ fraction: Fraction, utcOffset: Int = 0) -> String {
        let local = seconds + Int64(utcOffset)
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secs = Int(local - days * 86400)
        let (y, m, d) = Self.civil(fromDays: Int(days))
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))"
        switch fraction {
        case .nine: out += "." + pad(Int(nanoseconds), 9)
        case .trimmed where nanoseconds > 0:
            var digits = pad(Int(nanoseconds), 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        case .trimmed, .none: break
        }
        if utcOffset == 0 { return out + "Z" }
        let a = abs(utcOffset)
        return out + (utcOffset < 0 ? "-" : "+") + pad(a / 3600, 2) + ":" + pad(a % 3600 / 60, 2)
    }

    /// Parses RFC 3339 (`T`, `t` or a space between date and time; seconds required; an
    /// optional fraction of any length; `Z`, `z` or `±hh:mm`); nil if malformed.
    public static func parse(rfc3339 s: String) -> WallTime? {
        guard let (reading, offset) = parseDateTime(s, rfc3339: true), let offset else { return nil }
        return WallTime(seconds: reading.seconds - Int64(offset), nanoseconds: reading.nanoseconds)
    }

    /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±hh[:]mm]`, the layouts the docker CLI
    /// accepts for `--since`/`--until`, or with `rfc3339` only RFC 3339 as `parse(rfc3339:)`
    /// takes it. Returns the reading as if it were UTC and the zone's offset east of UTC in
    /// seconds, nil when the text names no zone.
    public static func parseDateTime(_ s: String, rfc3339: Bool = false) -> (reading: WallTime, utcOffset: Int?)? {
        let u = Array(s.utf8)
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
        func expect(_ c: UInt8) -> Bool {
            guard i < u.count, u[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = num(4), expect(0x2d), let month = num(2), expect(0x2d), let day = num(2) else { return nil }
        var hour = 0, minute = 0, second = 0, nanos: Int64 = 0
        let lowercase = rfc3339 // RFC 3339 allows `t` and `z`; Go's layouts do not.
        if expect(0x54) || expect(0x20) || (lowercase && expect(0x74)) {
            guard let h = num(2), expect(0x3a), let m = num(2) else { return nil }
            hour = h; minute = m
            if expect(0x3a) {
                guard let sec = num(2) else { return nil }
                second = sec
                if expect(0x2e) {
                    var digits = 0
                    while i < u.count, u[i] >= 48 && u[i] <= 57 {
                        if digits < 9 { nanos = nanos * 10 + Int64(u[i] - 48) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in min(digits, 9)..<9 { nanos *= 10 }
                }
            } else if rfc3339 {
                return nil
            }
        } else if rfc3339 {
            return nil
        }
        var offset: Int?
        if expect(0x5a) || (lowercase && expect(0x7a)) {
            offset = 0
        } else if i < u.count, u[i] == 0x2b || u[i] == 0x2d {
            let sign = u[i] == 0x2d ? -1 : 1
            i += 1
            guard let oh = num(2) else { return nil }
            if !expect(0x3a) && rfc3339 { return nil }
            guard let om = num(2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == u.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
              offset != nil || !rfc3339 else { return nil }
        let secs = Int64(civilDays(year, month, day)) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return (WallTime(seconds: secs, nanoseconds: nanos), offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func civilDays(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `days` after 1970-01-01 (civil_from_days).
    static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

private func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
