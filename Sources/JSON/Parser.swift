// A strict RFC 8259 parser over raw bytes. Errors carry the line and column
// (1-based, columns in bytes) of the offending byte, so a hand-edited
// config.json can be fixed without counting characters.

/// Malformed JSON text.
public struct JSONSyntaxError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Byte offset of the problem in the input.
    public var offset: Int
    public var line: Int
    /// 1-based, counted in bytes from the start of the line.
    public var column: Int
    public var message: String

    public init(offset: Int, line: Int, column: Int, message: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "invalid JSON at line \(line), column \(column): \(message)" }
}

struct Parser {
    static let maxDepth = 512

    let b: UnsafeBufferPointer<UInt8>
    var pos = 0

    init(_ b: UnsafeBufferPointer<UInt8>) {
        self.b = b
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { pos = 3 }
    }

    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        // withUnsafeBufferPointer's closure cannot throw a typed error through, so carry it out.
        let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(buffer)
            do throws(JSONSyntaxError) {
                return .success(try parser.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        skipSpace()
        let v = try value(depth: 0)
        skipSpace()
        if pos < b.count { throw fail("unexpected \(describe(b[pos])) after the top-level value") }
        return v
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
        guard pos < b.count else { throw fail("unexpected end of input, expected a value") }
        switch b[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected \(describe(b[pos])), expected a value")
        }
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        pos += 1
        skipSpace()
        var keys: [String] = []
        var values: [JSONValue] = []
        if peek(UInt8(ascii: "}")) { pos += 1; return .object(JSONObject()) }
        // Duplicate keys: the last one wins, as in Foundation and Go. Large objects get an index.
        var index: [String: Int]? = nil
        while true {
            guard peek(UInt8(ascii: "\"")) else { throw fail("expected a string for an object key") }
            let key = try string()
            skipSpace()
            guard peek(UInt8(ascii: ":")) else { throw fail("expected ':' after object key \"\(key)\"") }
            pos += 1
            skipSpace()
            let v = try value(depth: depth + 1)
            if let i = index?[key] ?? (index == nil ? keys.firstIndex(of: key) : nil) {
                values[i] = v
            } else {
                keys.append(key)
                values.append(v)
                if index != nil {
                    index?[key] = keys.count - 1
                } else if keys.count == 32 {
                    var made: [String: Int] = [:]
                    for (i, k) in keys.enumerated() { made[k] = i }
                    index = made
                }
            }
            skipSpace()
            if peek(UInt8(ascii: ",")) { pos += 1; skipSpace(); continue }
            if peek(UInt8(ascii: "}")) { pos += 1; break }
            throw fail("expected ',' or '}' after the value of \"\(key)\"")
        }
        return .object(JSONObject(uniqueKeys: keys, values: values))
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        pos += 1
        skipSpace()
        var items: [JSONValue] = []
        if peek(UInt8(ascii: "]")) { pos += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            if peek(UInt8(ascii: ",")) { pos += 1; skipSpace(); continue }
            if peek(UInt8(ascii: "]")) { pos += 1; return .array(items) }
            throw fail("expected ',' or ']' after array element")
        }
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        pos += 1
        let start = pos
        var seen: UInt8 = 0
        // Fast path: no escapes, so the content is a slice of the input.
        while pos < b.count {
            let c = b[pos]
            if c == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: b[start..<pos])
                if seen >= 0x80 { try validateUTF8(content, at: start) }
                pos += 1
                return String(decoding: content, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character \(describe(c)) in string") }
            seen |= c
            pos += 1
        }
        guard pos < b.count else { throw fail("unterminated string") }
        var out: [UInt8] = Array(b[start..<pos])
        if seen >= 0x80 { try validateUTF8(UnsafeBufferPointer(rebasing: b[start..<pos]), at: start) }
        var rawStart = pos
        while pos < b.count {
            let c = b[pos]
            switch c {
            case UInt8(ascii: "\""):
                try validateUTF8(UnsafeBufferPointer(rebasing: b[rawStart..<pos]), at: rawStart)
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try validateUTF8(UnsafeBufferPointer(rebasing: b[rawStart..<pos]), at: rawStart)
                try escape(into: &out)
                rawStart = pos
            case 0..<0x20:
                throw fail("control character \(describe(c)) in string")
            default:
                out.append(c)
                pos += 1
            }
        }
        throw fail("unterminated string")
    }

    /// Decodes the escape at `pos` (a backslash) and moves past it.
    mutating func escape(into out: inout [UInt8]) throws(JSONSyntaxError) {
        guard pos + 1 < b.count else { throw fail("unterminated string") }
        let e = b[pos + 1]
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: pos + 2) else { throw fail("invalid \\u escape in string") }
            var scalar = UInt32(unit)
            var length = 6
            if (0xD800...0xDBFF).contains(unit) {
                guard pos + 7 < b.count, b[pos + 6] == UInt8(ascii: "\\"), b[pos + 7] == UInt8(ascii: "u"),
                      let low = hex4(at: pos + 8), (0xDC00...0xDFFF).contains(low) else {
                    throw fail("unpaired UTF-16 surrogate \\u\(hexText(unit)) in string")
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                length = 12
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw fail("unpaired UTF-16 surrogate \\u\(hexText(unit)) in string")
            }
            appendUTF8(scalar, to: &out)
            pos += length
            return
        default:
            throw fail("invalid escape \\\(describe(e)) in string")
        }
        pos += 2
    }

    func hex4(at i: Int) -> UInt16? { JSONEscapes.hex4(UnsafeRawBufferPointer(b), at: i) }

    func hexText(_ v: UInt16) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    /// Rejects malformed UTF-8, overlong forms and encoded surrogates, naming the bad byte.
    func validateUTF8(_ s: UnsafeBufferPointer<UInt8>, at base: Int) throws(JSONSyntaxError) {
        var i = 0
        while i < s.count {
            let c = s[i]
            if c < 0x80 { i += 1; continue }
            let need: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: throw fail("invalid UTF-8 byte 0x\(String(c, radix: 16)) in string", at: base + i)
            }
            for k in 1...need {
                let ok = i + k < s.count && s[i + k] >= (k == 1 ? lower : 0x80) && s[i + k] <= (k == 1 ? upper : 0xBF)
                if !ok { throw fail("invalid UTF-8 sequence in string", at: base + i) }
            }
            i += need + 1
        }
    }

    mutating func number() throws(JSONSyntaxError) -> JSONNumber {
        let start = pos
        if peek(UInt8(ascii: "-")) { pos += 1 }
        if peek(UInt8(ascii: "0")) {
            pos += 1
            if pos < b.count, NumberText.digit(b[pos]) != nil { throw fail("number with a leading zero") }
        } else if !digits() {
            throw fail("expected a digit in number")
        }
        if peek(UInt8(ascii: ".")) {
            pos += 1
            guard digits() else { throw fail("expected a digit after the decimal point") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            pos += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { pos += 1 }
            guard digits() else { throw fail("expected a digit in the exponent") }
        }
        return JSONNumber(validated: String(decoding: UnsafeBufferPointer(rebasing: b[start..<pos]), as: UTF8.self))
    }

    mutating func digits() -> Bool {
        let start = pos
        while pos < b.count, NumberText.digit(b[pos]) != nil { pos += 1 }
        return pos > start
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for c in expected {
            guard pos < b.count, b[pos] == c else { throw fail("invalid literal, expected \(word)") }
            pos += 1
        }
    }

    mutating func skipSpace() {
        while pos < b.count {
            switch b[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    func peek(_ c: UInt8) -> Bool { pos < b.count && b[pos] == c }

    func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let at = offset ?? pos
        let atEnd = at >= b.count && !message.hasPrefix("unexpected end") && !message.hasPrefix("unterminated")
        let (line, column) = Self.lineAndColumn(of: at, in: b)
        return JSONSyntaxError(offset: at, line: line, column: column, message: atEnd ? "unexpected end of input" : message)
    }

    static func lineAndColumn(of offset: Int, in b: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, b.count) where b[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    func describe(_ c: UInt8) -> String {
        (0x21...0x7E).contains(c) ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x" + String(c, radix: 16)
    }
}

func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (scalar >> 6)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (scalar >> 12)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (scalar >> 18)))
        out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}

/// Pieces of JSON's string syntax that other fast paths (the json-file log reader) share.
public enum JSONEscapes {
    /// The four hex digits of a `\uXXXX` escape starting at `at`; nil when they are not.
    public static func hex4(_ b: UnsafeRawBufferPointer, at: Int) -> UInt16? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        var v: UInt16 = 0
        for k in at..<(at + 4) {
            let c = b[k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt16(d)
        }
        return v
    }
}
