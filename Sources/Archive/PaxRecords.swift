/// PAX extended header records: "LEN KEY=VALUE\n", LEN counting the whole record.
enum PaxRecords {
    static let xattrPrefix = "SCHILY.xattr."

    static func parse(_ data: [UInt8], entry: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        var i = 0
        while i < data.count {
            // Some writers pad the extended header with NULs.
            if data[i] == 0 { break }
            var len = 0
            var j = i
            while j < data.count, data[j] >= 0x30, data[j] <= 0x39, len < 1 << 24 {
                len = len * 10 + Int(data[j] - 0x30)
                j += 1
            }
            guard j < data.count, data[j] == 0x20, len > j - i + 1, i + len <= data.count, data[i + len - 1] == 0x0a,
                  let eq = data[(j + 1)..<(i + len - 1)].firstIndex(of: UInt8(ascii: "="))
            else {
                throw ArchiveError(.invalidHeader, "invalid tar archive: malformed PAX extended header record before \(entry.isEmpty ? "the next entry" : "\"\(entry)\"")")
            }
            let key = String(decoding: data[(j + 1)..<eq], as: UTF8.self)
            out[key] = Array(data[(eq + 1)..<(i + len - 1)])
            i += len
        }
        return out
    }

    static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
        // The length counts its own digits: settle it by iterating once the width is stable.
        let body = key.utf8.count + value.count + 3 // " ", "=", "\n"
        var len = body + 1
        while len != body + String(len).utf8.count { len = body + String(len).utf8.count }
        var out = Array(String(len).utf8)
        out.append(0x20)
        out.append(contentsOf: key.utf8)
        out.append(UInt8(ascii: "="))
        out.append(contentsOf: value)
        out.append(0x0a)
        return out
    }

    static func decimal(_ v: [UInt8]) -> Int64? {
        guard !v.isEmpty, v.count <= 18 else { return nil }
        var x: Int64 = 0
        for c in v {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            x = x * 10 + Int64(c - 0x30)
        }
        return x
    }

    /// PAX times: decimal seconds with an optional fraction, possibly negative.
    static func time(_ v: [UInt8]) -> TarTime? {
        var s = v[...]
        let negative = s.first == UInt8(ascii: "-")
        if negative { s = s.dropFirst() }
        let dot = s.firstIndex(of: UInt8(ascii: "."))
        guard let whole = decimal(Array(s[..<(dot ?? s.endIndex)])) else { return nil }
        var nanos: Int64 = 0
        if let dot {
            var digits = 0
            for c in s[(dot + 1)...] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                if digits < 9 { nanos = nanos * 10 + Int64(c - 0x30); digits += 1 }
            }
            while digits < 9 { nanos *= 10; digits += 1 }
        }
        if !negative { return TarTime(seconds: whole, nanoseconds: Int32(nanos)) }
        // -1.25 is 1.25 s before the epoch: seconds -2, nanoseconds 750_000_000.
        if nanos == 0 { return TarTime(seconds: -whole) }
        return TarTime(seconds: -whole - 1, nanoseconds: Int32(1_000_000_000 - nanos))
    }

    static func timeText(_ t: TarTime) -> String {
        guard t.nanoseconds != 0 else { return String(t.seconds) }
        var secs = t.seconds
        var nanos = Int64(t.nanoseconds)
        var sign = ""
        if secs < 0 {
            sign = "-"
            secs = -secs - 1
            nanos = 1_000_000_000 - nanos
        }
        var frac = String(nanos)
        frac = String(repeating: "0", count: 9 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return "\(sign)\(secs).\(frac)"
    }
}
