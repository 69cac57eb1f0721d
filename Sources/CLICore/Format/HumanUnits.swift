import Glibc

struct UnitError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// docker/go-units: sizes and durations printed and parsed the way the docker CLI does.
enum HumanUnits {
    static let decimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
    static let binaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]

    /// HumanSizeWithPrecision: powers of 1000, `%.*g` — `1.23MB`, `0B`, `1e+03kB` (sic, as Go prints 999.5 kB at 3 digits).
    static func humanSize(_ size: Double, precision: Int = 4) -> String {
        let (v, unit) = scaled(size, 1000, decimalUnits)
        return formatG(v, precision) + unit
    }

    /// BytesSize: powers of 1024, 4 significant digits — `1.5GiB`.
    static func bytesSize(_ size: Double) -> String {
        let (v, unit) = scaled(size, 1024, binaryUnits)
        return formatG(v, 4) + unit
    }

    private static func scaled(_ size: Double, _ base: Double, _ units: [String]) -> (Double, String) {
        var v = size
        var i = 0
        while v >= base && i < units.count - 1 {
            v /= base
            i += 1
        }
        return (v, units[i])
    }

    /// C's (and Go's) `%.*g`.
    static func formatG(_ v: Double, _ precision: Int) -> String {
        cFormat("%.*g", precision, v)
    }

    static func cFormat(_ format: String, _ args: CVarArg...) -> String {
        var buf = [CChar](repeating: 0, count: 128)
        let n = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
        if n >= buf.count {
            buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
        }
        let len = buf.firstIndex(of: 0) ?? buf.count
        return String(decoding: buf[..<len].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// HumanDuration: `Less than a second`, `5 seconds`, `About a minute`, `3 hours`, `2 weeks`.
    static func humanDuration(seconds d: Double) -> String {
        let seconds = Int(d)
        if seconds < 1 { return "Less than a second" }
        if seconds == 1 { return "1 second" }
        if seconds < 60 { return "\(seconds) seconds" }
        let minutes = Int(d / 60)
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        // time.Duration.Round(time.Hour): halves away from zero.
        let hours = Int((d / 3600).rounded(.toNearestOrAwayFromZero))
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(d / 3600) / 24 / 365) years"
    }

    /// RAMInBytes: a number with an optional k/m/g/t/p suffix (binary multiples), `b`, `kb`, `kib` alike.
    static func ramInBytes(_ text: String) throws(UnitError) -> Int64 {
        let u = Array(text.utf8)
        guard let sep = u.lastIndex(where: { ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 32 }) else {
            throw UnitError("invalid size: '\(text)'")
        }
        let num: String, sfx: String
        if u[sep] != 32 {
            num = String(decoding: u[...sep], as: UTF8.self)
            sfx = String(decoding: u[(sep + 1)...], as: UTF8.self)
        } else {
            num = String(decoding: u[..<sep], as: UTF8.self)
            sfx = String(decoding: u[(sep + 1)...], as: UTF8.self)
        }
        guard let size = Double(num), !num.hasPrefix("+"), !num.contains("e"), !num.contains("E") else {
            throw UnitError("strconv.ParseFloat: parsing \"\(num)\": invalid syntax")
        }
        if size < 0 { throw UnitError("invalid size: '\(text)'") }
        if sfx.isEmpty { return Int64(size) }
        let s = Array(sfx.lowercased().utf8)
        let bad = UnitError("invalid suffix: '\(sfx.lowercased())'")
        if s.count > 3 { throw UnitError("invalid suffix: '\(sfx)'") }
        if s[0] == UInt8(ascii: "b") {
            if s.count > 1 { throw bad }
            return Int64(size)
        }
        let mul: Double
        switch s[0] {
        case UInt8(ascii: "k"): mul = 1024
        case UInt8(ascii: "m"): mul = 1024 * 1024
        case UInt8(ascii: "g"): mul = 1024 * 1024 * 1024
        case UInt8(ascii: "t"): mul = 1024 * 1024 * 1024 * 1024
        case UInt8(ascii: "p"): mul = 1024 * 1024 * 1024 * 1024 * 1024
        default: throw bad
        }
        if s.count == 2 && s[1] != UInt8(ascii: "b") { throw bad }
        if s.count == 3 && (s[1] != UInt8(ascii: "i") || s[2] != UInt8(ascii: "b")) { throw bad }
        return Int64(size * mul)
    }

    /// opts.ParseCPUs: a decimal (or a/b) number of CPUs as an integer count of nano-CPUs.
    static func nanoCPUs(_ text: String) throws(UnitError) -> Int64 {
        let parseError = UnitError("failed to parse \(text) as a rational number")
        if let slash = text.firstIndex(of: "/") {
            guard let a = Int64(text[..<slash]), let b = Int64(text[text.index(after: slash)...]), b != 0 else { throw parseError }
            let (q, r) = (a * 1_000_000_000).quotientAndRemainder(dividingBy: b)
            if r != 0 { throw UnitError("value is too precise") }
            return q
        }
        var t = Substring(text)
        var negative = false
        if t.hasPrefix("-") { negative = true; t = t.dropFirst() } else if t.hasPrefix("+") { t = t.dropFirst() }
        let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !t.isEmpty, parts.count <= 2,
              parts.allSatisfy({ $0.allSatisfy { $0 >= "0" && $0 <= "9" } }),
              !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)) else { throw parseError }
        var frac = parts.count == 2 ? String(parts[1]) : ""
        while frac.hasSuffix("0") { frac.removeLast() }
        if frac.count > 9 { throw UnitError("value is too precise") }
        frac += String(repeating: "0", count: 9 - frac.count)
        guard let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])), let f = Int64(frac) else { throw parseError }
        let v = whole * 1_000_000_000 + f
        return negative ? -v : v
    }
}

/// Go's time.Duration text: parsing (`1m30s`, `500ms`) and String() (`1m30s`, `0s`).
enum GoDuration {
    /// Nanoseconds.
    static func parse(_ s: String) throws(UnitError) -> Int64 {
        let invalid = UnitError("time: invalid duration \"\(s)\"")
        var u = Substring(s)
        var neg = false
        if let c = u.first, c == "-" || c == "+" { neg = c == "-"; u = u.dropFirst() }
        if u == "0" { return 0 }
        if u.isEmpty { throw invalid }
        var total: Double = 0
        while !u.isEmpty {
            let numText = u.prefix { ($0 >= "0" && $0 <= "9") || $0 == "." }
            guard !numText.isEmpty, numText != ".", let value = Double(numText) else { throw invalid }
            u = u.dropFirst(numText.count)
            let unit = u.prefix { !(($0 >= "0" && $0 <= "9") || $0 == ".") }
            if unit.isEmpty { throw UnitError("time: missing unit in duration \"\(s)\"") }
            u = u.dropFirst(unit.count)
            let mul: Double
            switch unit {
            case "ns": mul = 1
            case "us", "µs", "μs": mul = 1e3
            case "ms": mul = 1e6
            case "s": mul = 1e9
            case "m": mul = 60e9
            case "h": mul = 3600e9
            default: throw UnitError("time: unknown unit \"\(unit)\" in duration \"\(s)\"")
            }
            total += value * mul
        }
        if total > 9.2e18 { throw invalid }
        return Int64(neg ? -total : total)
    }

    static func format(_ ns: Int64) -> String {
        if ns == 0 { return "0s" }
        let neg = ns < 0
        var u = ns.magnitude
        var out: String
        if u < 1_000_000_000 {
            // Sub-second: the largest unit that keeps a leading digit.
            let (unit, div): (String, UInt64) = u < 1000 ? ("ns", 1) : u < 1_000_000 ? ("µs", 1000) : ("ms", 1_000_000)
            out = fraction(u, div) + unit
        } else {
            out = fraction(u % 60_000_000_000, 1_000_000_000) + "s"
            u /= 60_000_000_000
            if u > 0 {
                out = "\(u % 60)m" + out
                u /= 60
                if u > 0 { out = "\(u)h" + out }
            }
        }
        return neg ? "-" + out : out
    }

    private static func fraction(_ v: UInt64, _ div: UInt64) -> String {
        let whole = v / div
        var frac = v % div
        if frac == 0 { return String(whole) }
        var digits = String(div).count - 1
        var s = String(frac)
        s = String(repeating: "0", count: digits - s.count) + s
        while s.hasSuffix("0") { s.removeLast(); frac /= 10; digits -= 1 }
        return "\(whole).\(s)"
    }
}
