import JSON

/// Go's template builtins plus the docker CLI's `templates.basicFunctions`.
enum TemplateFunctions {
    static let names = ["and", "or", "not", "len", "index", "slice", "print", "printf", "println",
                        "eq", "ne", "lt", "le", "gt", "ge", "urlquery",
                        "json", "split", "join", "title", "lower", "upper", "pad", "truncate"]

    /// Functions that show their first argument unchanged in table headers (HeaderFunctions).
    static let headerPassThrough: Set<String> = ["json", "split", "join", "title", "lower", "upper", "truncate"]

    static func call(_ name: String, _ args: [TValue], header: Bool) throws(TemplateError) -> TValue {
        if header && headerPassThrough.contains(name) {
            guard let first = args.first else { throw TemplateError("wrong number of args for \(name)") }
            return first
        }
        switch name {
        case "not":
            try arity(name, args, 1)
            return .bool(!args[0].isTrue)
        case "len":
            try arity(name, args, 1)
            switch args[0].normalized {
            case .string(let s): return .int(s.utf8.count)
            case .list(let l): return .int(l.count)
            case .json(.array(let a)): return .int(a.count)
            case .json(.object(let o)): return .int(o.count)
            case .object(let o) where o.mapEntries != nil: return .int(o.mapEntries?.count ?? 0)
            default: throw TemplateError("len of type \(args[0].typeName)")
            }
        case "index": return try index(args)
        case "slice": return try slice(args)
        case "print": return .string(goSprint(args))
        case "println": return .string(args.map(goPrint).joined(separator: " ") + "\n")
        case "printf":
            guard case .string(let f)? = args.first?.normalized else { throw TemplateError("wrong type for value; expected string") }
            return .string(GoPrintf.format(f, Array(args.dropFirst())))
        case "eq":
            guard args.count >= 2 else { throw TemplateError("missing argument for comparison") }
            for b in args.dropFirst() where try compare(args[0], b) == 0 { return .bool(true) }
            return .bool(false)
        case "ne":
            try arity(name, args, 2)
            return .bool(try compare(args[0], args[1]) != 0)
        case "lt", "le", "gt", "ge":
            try arity(name, args, 2)
            let c = try compare(args[0], args[1], ordered: true)
            switch name {
            case "lt": return .bool(c < 0)
            case "le": return .bool(c <= 0)
            case "gt": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "urlquery": return .string(goSprint(args).utf8.map { b -> String in
            let c = Character(Unicode.Scalar(b))
            if c.isLetter && b < 128 || c.isNumber && b < 128 || "-_.~".contains(c) { return String(c) }
            return b == 32 ? "+" : "%" + String(b, radix: 16, uppercase: true).leftPad(2, "0")
        }.joined())
        case "json":
            try arity(name, args, 1)
            var bytes: [UInt8]
            if case .object(let o) = args[0], o.jsonIsOrdered {
                bytes = JSON.serialize(o.jsonValue, options: JSONWriteOptions(sortedKeys: false))
            } else {
                bytes = JSON.serialize(goJSONOrder(args[0].jsonValue), options: JSONWriteOptions(sortedKeys: args[0].isContext))
                // A formatter context marshals itself with json.Marshal, which escapes HTML characters.
                if args[0].isContext { bytes = escapeHTML(bytes) }
            }
            bytes = escapeLineSeparators(bytes)
            return .string(String(decoding: bytes, as: UTF8.self))
        case "split":
            try arity(name, args, 2)
            let s = try str(args[0], name), sep = try str(args[1], name)
            return .list(goSplit(s, sep).map { .string($0) })
        case "join":
            try arity(name, args, 2)
            let sep = try str(args[1], name)
            switch args[0] {
            case .missing, .null: return .string("")
            default:
                guard let els = args[0].elements else { throw TemplateError("expected slice, got \(args[0].typeName)") }
                var parts = els.map { goPrint($0.value) }
                if args[0].isMap { parts.sort(by: goLess) }
                return .string(parts.joined(separator: sep))
            }
        case "title":
            try arity(name, args, 1)
            return .string(goTitle(try str(args[0], name)))
        case "lower":
            try arity(name, args, 1)
            return .string(try str(args[0], name).lowercased())
        case "upper":
            try arity(name, args, 1)
            return .string(try str(args[0], name).uppercased())
        case "pad":
            try arity(name, args, 3)
            let s = try str(args[0], name)
            guard case .int(let pre) = args[1].normalized, case .int(let suf) = args[2].normalized else {
                throw TemplateError("wrong type for value; expected int")
            }
            if s.isEmpty { return .string(s) }
            return .string(String(repeating: " ", count: max(0, pre)) + s + String(repeating: " ", count: max(0, suf)))
        case "truncate":
            try arity(name, args, 2)
            let s = try str(args[0], name)
            guard case .int(let n) = args[1].normalized else { throw TemplateError("wrong type for value; expected int") }
            let u = Array(s.utf8)
            if u.count < n { return .string(s) }
            return .string(String(decoding: u.prefix(max(0, n)), as: UTF8.self))
        default:
            throw TemplateError("function \"\(name)\" not defined")
        }
    }

    private static func arity(_ name: String, _ args: [TValue], _ n: Int) throws(TemplateError) {
        if args.count != n { throw TemplateError("wrong number of args for \(name): want \(n) got \(args.count)") }
    }

    /// Strings as they are; other values (a JSON number, a bool) the way Go would refuse
    /// them is unhelpful in a CLI, so they are printed instead.
    private static func str(_ v: TValue, _ name: String) throws(TemplateError) -> String {
        switch v.normalized {
        case .string(let s): return s
        case .missing: throw TemplateError("invalid value; expected string")
        default: return goPrint(v)
        }
    }

    private static func index(_ args: [TValue]) throws(TemplateError) -> TValue {
        guard var v = args.first else { throw TemplateError("wrong number of args for index: want at least 1 got 0") }
        for key in args.dropFirst() {
            switch (v, key.normalized) {
            case (.json(.object(let o)), .string(let k)):
                // A missing key gives the element type's zero value: "" for string maps (labels).
                if let c = o[k] { v = TValue.from(c) } else {
                    v = o.values.allSatisfy({ if case .string = $0 { return true }; return false }) ? .string("") : .missing
                }
            case (.object(let obj), .string(let k)) where obj.mapEntries != nil:
                v = obj.mapEntries?.first { $0.0 == k }?.1 ?? .string("")
            case (.json(.array(let a)), .int(let i)):
                guard i >= 0 && i < a.count else { throw TemplateError("index out of range: \(i)") }
                v = TValue.from(a[i])
            case (.list(let l), .int(let i)):
                guard i >= 0 && i < l.count else { throw TemplateError("index out of range: \(i)") }
                v = l[i]
            case (.missing, _), (.null, _):
                throw TemplateError("index of untyped nil")
            default:
                throw TemplateError("can't index item of type \(v.typeName)")
            }
        }
        return v
    }

    private static func slice(_ args: [TValue]) throws(TemplateError) -> TValue {
        guard let base = args.first else { throw TemplateError("wrong number of args for slice") }
        var idx: [Int] = []
        for a in args.dropFirst() {
            guard case .int(let i) = a.normalized else { throw TemplateError("cannot index slice/array with type \(a.typeName)") }
            idx.append(i)
        }
        func bounds(_ n: Int) throws(TemplateError) -> (Int, Int) {
            let lo = idx.count > 0 ? idx[0] : 0, hi = idx.count > 1 ? idx[1] : n
            guard lo >= 0, hi <= n, lo <= hi else { throw TemplateError("index out of range: \(hi)") }
            return (lo, hi)
        }
        switch base.normalized {
        case .string(let s):
            let u = Array(s.utf8)
            let (lo, hi) = try bounds(u.count)
            return .string(String(decoding: u[lo..<hi], as: UTF8.self))
        case .list(let l):
            let (lo, hi) = try bounds(l.count)
            return .list(Array(l[lo..<hi]))
        case .json(.array(let a)):
            let (lo, hi) = try bounds(a.count)
            return .json(.array(Array(a[lo..<hi])))
        default:
            throw TemplateError("can't slice item of type \(base.typeName)")
        }
    }

    /// Go's eq/lt on basic kinds: numbers with numbers, strings with strings, bools with bools.
    static func compare(_ a: TValue, _ b: TValue, ordered: Bool = false) throws(TemplateError) -> Int {
        switch (a.normalized, b.normalized) {
        case (.int(let x), .int(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.double(let x), .double(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.string(let x), .string(let y)): return x == y ? 0 : goLess(x, y) ? -1 : 1
        case (.bool(let x), .bool(let y)):
            if ordered { throw TemplateError("invalid type for comparison") }
            return x == y ? 0 : 1
        case (.null, .null), (.missing, .missing), (.null, .missing), (.missing, .null): return 0
        case (.null, _), (_, .null), (.missing, _), (_, .missing):
            if ordered { throw TemplateError("invalid type for comparison") }
            return 1
        default:
            throw TemplateError("incompatible types for comparison")
        }
    }
}

/// Go marshals a struct in field order (the daemon's order) and a map by sorted keys.
func goJSONOrder(_ v: JSONValue) -> JSONValue {
    switch v {
    case .array(let a): return .array(a.map(goJSONOrder))
    case .object(let o):
        let keys = isStructLike(o) ? o.keys : o.keys.sorted(by: goLess)
        return .object(JSONObject(keys.map { ($0, goJSONOrder(o[$0] ?? .null)) }))
    default: return v
    }
}

/// `<`, `>` and `&` as Go's json.Marshal writes them (they only occur inside strings).
func escapeHTML(_ b: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(b.count)
    for c in b {
        switch c {
        case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
        case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
        case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
        default: out.append(c)
        }
    }
    return out
}

/// U+2028 and U+2029 as `\\u2028`/`\\u2029`: Go's encoder always escapes them.
func escapeLineSeparators(_ b: [UInt8]) -> [UInt8] {
    guard b.count >= 3 else { return b }
    var out: [UInt8] = []
    out.reserveCapacity(b.count)
    var i = 0
    while i < b.count {
        if b[i] == 0xE2, i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 {
            out += Array((b[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
            i += 3
            continue
        }
        out.append(b[i])
        i += 1
    }
    return out
}

extension TValue {
    var isContext: Bool {
        if case .object = self { return true }
        return false
    }

    var isMap: Bool {
        switch self {
        case .json(.object): return true
        case .object(let o): return o.mapEntries != nil
        default: return false
        }
    }
}

/// fmt.Sprint: a space between operands when neither side is a string.
func goSprint(_ args: [TValue]) -> String {
    var out = ""
    for (i, a) in args.enumerated() {
        if i > 0 {
            let prevString: Bool
            if case .string = args[i - 1].normalized { prevString = true } else { prevString = false }
            let thisString: Bool
            if case .string = a.normalized { thisString = true } else { thisString = false }
            if !prevString && !thisString { out += " " }
        }
        out += goPrint(a)
    }
    return out
}

/// strings.Split: an empty separator splits into UTF-8 characters.
func goSplit(_ s: String, _ sep: String) -> [String] {
    if sep.isEmpty { return s.map { String($0) } }
    var parts: [String] = []
    var rest = Substring(s)
    while let r = rest.range(of: sep) {
        parts.append(String(rest[..<r.lowerBound]))
        rest = rest[r.upperBound...]
    }
    parts.append(String(rest))
    return parts
}

/// strings.Title: the first letter of each word upper-cased; words break at anything
/// that is not a letter, digit, underscore or apostrophe... as Go's isSeparator.
func goTitle(_ s: String) -> String {
    var out = ""
    var prevSep = true
    for ch in s {
        if prevSep { out += ch.uppercased() } else { out.append(ch) }
        let isWord = ch.isLetter || ch.isNumber || ch == "_"
        prevSep = !isWord && (ch.isWhitespace || ch.isPunctuation || ch.isSymbol || ch.unicodeScalars.first.map { $0.value < 0x80 } == true)
    }
    return out
}

extension StringProtocol {
    func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) {
                return i..<index(i, offsetBy: needle.count)
            }
            i = index(after: i)
        }
        return nil
    }
}

extension String {
    func leftPad(_ n: Int, _ c: Character) -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
}
