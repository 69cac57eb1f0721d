/// fmt.Sprintf for the verbs templates use: %s %v %d %q %t %x %X %f %e %g %c %%,
/// with flags (-, +, 0, space, #), width and precision.
enum GoPrintf {
    static func format(_ f: String, _ args: [TValue]) -> String {
        var out = ""
        var argi = 0
        let chars = Array(f.unicodeScalars)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            if c != "%" { out.unicodeScalars.append(c); continue }
            var minus = false, plus = false, zero = false, space = false, sharp = false
            while i < chars.count, "-+0 #".unicodeScalars.contains(chars[i]) {
                switch chars[i] {
                case "-": minus = true
                case "+": plus = true
                case "0": zero = true
                case " ": space = true
                default: sharp = true
                }
                i += 1
            }
            var width: Int? = nil
            while i < chars.count, let d = Int(String(chars[i])), chars[i].isASCII { width = (width ?? 0) * 10 + d; i += 1 }
            var precision: Int? = nil
            if i < chars.count, chars[i] == "." {
                i += 1
                precision = 0
                while i < chars.count, let d = Int(String(chars[i])), chars[i].isASCII { precision = (precision ?? 0) * 10 + d; i += 1 }
            }
            guard i < chars.count else { out += "%!(NOVERB)"; break }
            let verb = chars[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            guard argi < args.count else { out += "%!\(verb)(MISSING)"; continue }
            let arg = args[argi]
            argi += 1
            var s: String
            switch verb {
            case "v", "s":
                s = goPrint(arg)
                if let p = precision, verb == "s" { s = String(s.prefix(p)) }
            case "q":
                s = goQuote(goPrint(arg))
            case "t":
                if case .bool(let b) = arg.normalized { s = b ? "true" : "false" } else { s = "%!t(\(arg.typeName)=\(goPrint(arg)))" }
            case "d":
                switch arg.normalized {
                case .int(let n): s = String(n)
                case .double(let d) where d == d.rounded(): s = "%!d(float64=\(goFloat(d)))"
                default: s = "%!d(\(arg.typeName)=\(goPrint(arg)))"
                }
                if plus, !s.hasPrefix("-"), !s.hasPrefix("%") { s = "+" + s } else if space, !s.hasPrefix("-") { s = " " + s }
            case "x", "X":
                switch arg.normalized {
                case .int(let n): s = String(n, radix: 16, uppercase: verb == "X")
                default: s = goPrint(arg).utf8.map { String($0, radix: 16, uppercase: verb == "X").leftPad(2, "0") }.joined()
                }
                if sharp { s = (verb == "X" ? "0X" : "0x") + s }
            case "c":
                if case .int(let n) = arg.normalized, let u = Unicode.Scalar(UInt32(max(0, n))) { s = String(u) } else { s = "%!c(\(arg.typeName))" }
            case "f", "F", "e", "E", "g", "G":
                let d: Double
                switch arg.normalized {
                case .int(let n): d = Double(n)
                case .double(let x): d = x
                default: out += "%!\(verb)(\(arg.typeName)=\(goPrint(arg)))"; continue
                }
                var spec = "%"
                if plus { spec += "+" }
                if space { spec += " " }
                if sharp { spec += "#" }
                if let p = precision { spec += ".\(p)" }
                spec += String(verb == "F" ? "f" : verb)
                s = HumanUnits.cFormat(spec, d)
                if verb == "g" && precision == nil { s = goFloat(d) }
            default:
                s = "%!\(verb)(\(arg.typeName)=\(goPrint(arg)))"
            }
            if let w = width, displayWidth(s) < w {
                let pad = w - displayWidth(s)
                if minus {
                    s += String(repeating: " ", count: pad)
                } else if zero && "dfeEgGxX".unicodeScalars.contains(verb) {
                    let neg = s.hasPrefix("-") || s.hasPrefix("+")
                    let sign = neg ? String(s.prefix(1)) : ""
                    s = sign + String(repeating: "0", count: pad) + (neg ? String(s.dropFirst()) : s)
                } else {
                    s = String(repeating: " ", count: pad) + s
                }
            }
            out += s
        }
        if argi < args.count {
            out += "%!(EXTRA " + args[argi...].map { "\($0.typeName)=\(goPrint($0))" }.joined(separator: ", ") + ")"
        }
        return out
    }
}

/// strconv.Quote: a double-quoted Go string literal.
func goQuote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\u{0B}": out += "\\v"
        default:
            if u.value < 0x20 || u.value == 0x7f {
                out += "\\x" + String(u.value, radix: 16).leftPad(2, "0")
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
