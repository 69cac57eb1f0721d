/// Go's json.Indent and json.Compact over raw bytes: the daemon's text (its field order
/// and string escapes) is kept, only the whitespace between tokens changes.
enum JSONText {
    static func indent(_ src: [UInt8], prefix: String = "", indent: String = "    ") -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(src.count * 2)
        let ind = Array(indent.utf8), pre = Array(prefix.utf8)
        var depth = 0
        var needIndent = false
        var i = 0
        func newline() {
            out.append(10)
            out += pre
            for _ in 0..<depth { out += ind }
        }
        while i < src.count {
            let c = src[i]
            i += 1
            if c == 32 || c == 9 || c == 10 || c == 13 { continue }
            if needIndent && c != UInt8(ascii: "]") && c != UInt8(ascii: "}") {
                needIndent = false
                depth += 1
                newline()
            }
            switch c {
            case UInt8(ascii: "\""):
                out.append(c)
                copyString(src, &i, &out)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(c)
                needIndent = true
            case UInt8(ascii: ","):
                out.append(c)
                newline()
            case UInt8(ascii: ":"):
                out.append(c)
                out.append(32)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if needIndent {
                    // An empty object or array stays `{}` / `[]`.
                    needIndent = false
                } else {
                    depth -= 1
                    newline()
                }
                out.append(c)
            default:
                out.append(c)
            }
        }
        return out
    }

    static func compact(_ src: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(src.count)
        var i = 0
        while i < src.count {
            let c = src[i]
            i += 1
            if c == 32 || c == 9 || c == 10 || c == 13 { continue }
            out.append(c)
            if c == UInt8(ascii: "\"") {
                copyString(src, &i, &out)
            }
        }
        return out
    }

    /// Copies the rest of a string literal (after its opening quote) as it is.
    private static func copyString(_ src: [UInt8], _ i: inout Int, _ out: inout [UInt8]) {
        while i < src.count {
            let d = src[i]
            out.append(d)
            i += 1
            if d == UInt8(ascii: "\\"), i < src.count { out.append(src[i]); i += 1; continue }
            if d == UInt8(ascii: "\"") { break }
        }
    }
}
