/// Tokens of Go's text/template: text between actions, and the words inside `{{ }}`.
enum Token: Equatable {
    case text(String)
    case leftDelim, rightDelim
    case identifier(String)     // function name or keyword
    case field(String)          // .Name (without the dot); "" is dot itself
    case variable(String)       // $x, $
    case string(String)         // "..." or `...`, already unquoted
    case char(Int)
    case number(String)
    case bool(Bool)
    case nilValue
    case pipe, leftParen, rightParen, declare, assign, comma
    case space
    case eof
}

struct PositionedToken {
    let token: Token
    /// Byte offset in the template source, for error messages (`:1:2`).
    let pos: Int
}

struct TemplateError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Splits template text into tokens. Trim markers (`{{- ` and ` -}}`) remove the
/// whitespace next to them; comments (`{{/* */}}`) disappear.
struct Lexer {
    let src: [UInt8]
    var i = 0
    var out: [PositionedToken] = []

    init(_ text: String) { src = Array(text.utf8) }

    static func tokenize(_ text: String) throws(TemplateError) -> [PositionedToken] {
        var l = Lexer(text)
        try l.run()
        return l.out
    }

    func lineOf(_ pos: Int) -> Int { 1 + src[..<min(pos, src.count)].filter { $0 == 10 }.count }

    private func at(_ s: String, _ p: Int) -> Bool {
        let u = Array(s.utf8)
        return p + u.count <= src.count && Array(src[p..<(p + u.count)]) == u
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    mutating func run() throws(TemplateError) {
        var textStart = 0
        while true {
            guard let open = findOpen(from: i) else {
                emitText(textStart, src.count, trimRight: false)
                out.append(PositionedToken(token: .eof, pos: src.count))
                return
            }
            let trimLeft = at("{{- ", open) || at("{{-\t", open) || at("{{-\n", open) || at("{{-\r", open)
            emitText(textStart, open, trimRight: trimLeft)
            i = open + 2 + (trimLeft ? 2 : 0)
            // Comment action.
            var j = i
            while j < src.count, Lexer.isSpace(src[j]) { j += 1 }
            if at("/*", j) {
                guard let end = find("*/", from: j + 2) else { throw TemplateError("template: :\(lineOf(open)): unclosed comment") }
                i = end + 2
                while i < src.count, Lexer.isSpace(src[i]) { i += 1 }
                let trimAfter = at("-}}", i)
                if trimAfter { i += 3 } else if at("}}", i) { i += 2 } else {
                    throw TemplateError("template: :\(lineOf(open)): comment ends before closing delimiter")
                }
                if trimAfter { while i < src.count, Lexer.isSpace(src[i]) { i += 1 } }
                textStart = i
                continue
            }
            out.append(PositionedToken(token: .leftDelim, pos: open))
            let trimAfter = try lexInsideAction(open)
            if trimAfter { while i < src.count, Lexer.isSpace(src[i]) { i += 1 } }
            textStart = i
        }
    }

    private func findOpen(from p: Int) -> Int? { find("{{", from: p) }

    private func find(_ s: String, from p: Int) -> Int? {
        let u = Array(s.utf8)
        var k = p
        while k + u.count <= src.count {
            if src[k] == u[0] && Array(src[k..<(k + u.count)]) == u { return k }
            k += 1
        }
        return nil
    }

    private mutating func emitText(_ a: Int, _ b: Int, trimRight: Bool) {
        var end = b
        if trimRight { while end > a, Lexer.isSpace(src[end - 1]) { end -= 1 } }
        if end > a { out.append(PositionedToken(token: .text(String(decoding: src[a..<end], as: UTF8.self)), pos: a)) }
    }

    /// Lexes up to and including `}}`; returns whether it was ` -}}`.
    private mutating func lexInsideAction(_ open: Int) throws(TemplateError) -> Bool {
        var parenDepth = 0
        while true {
            guard i < src.count else { throw TemplateError("template: :\(lineOf(open)): unclosed action") }
            let c = src[i]
            let start = i
            if Lexer.isSpace(c) {
                while i < src.count, Lexer.isSpace(src[i]) { i += 1 }
                if at("-}}", i) && i > start {
                    i += 3
                    out.append(PositionedToken(token: .rightDelim, pos: i - 3))
                    return true
                }
                out.append(PositionedToken(token: .space, pos: start))
                continue
            }
            if at("}}", i) {
                if parenDepth > 0 { throw TemplateError("template: :\(lineOf(open)): unclosed left paren") }
                i += 2
                out.append(PositionedToken(token: .rightDelim, pos: start))
                return false
            }
            switch c {
            case UInt8(ascii: "|"): i += 1; out.append(PositionedToken(token: .pipe, pos: start))
            case UInt8(ascii: "("): i += 1; parenDepth += 1; out.append(PositionedToken(token: .leftParen, pos: start))
            case UInt8(ascii: ")"):
                i += 1
                parenDepth -= 1
                if parenDepth < 0 { throw TemplateError("template: :\(lineOf(open)): unexpected right paren") }
                out.append(PositionedToken(token: .rightParen, pos: start))
            case UInt8(ascii: ","): i += 1; out.append(PositionedToken(token: .comma, pos: start))
            case UInt8(ascii: ":"):
                guard i + 1 < src.count, src[i + 1] == UInt8(ascii: "=") else {
                    throw TemplateError("template: :\(lineOf(open)): expected :=")
                }
                i += 2
                out.append(PositionedToken(token: .declare, pos: start))
            case UInt8(ascii: "="): i += 1; out.append(PositionedToken(token: .assign, pos: start))
            case UInt8(ascii: "\""): out.append(PositionedToken(token: .string(try lexQuoted(open)), pos: start))
            case UInt8(ascii: "`"):
                guard let end = find("`", from: i + 1) else { throw TemplateError("template: :\(lineOf(open)): unterminated raw quoted string") }
                out.append(PositionedToken(token: .string(String(decoding: src[(i + 1)..<end], as: UTF8.self)), pos: start))
                i = end + 1
            case UInt8(ascii: "'"):
                i += 1
                let s = try lexEscapedUntil(UInt8(ascii: "'"), open)
                guard let u = s.unicodeScalars.first, s.unicodeScalars.count == 1 else {
                    throw TemplateError("template: :\(lineOf(open)): malformed character constant")
                }
                out.append(PositionedToken(token: .char(Int(u.value)), pos: start))
            case UInt8(ascii: "$"):
                i += 1
                let name = lexWord()
                out.append(PositionedToken(token: .variable(name), pos: start))
            case UInt8(ascii: "."):
                if i + 1 < src.count, src[i + 1] >= 48 && src[i + 1] <= 57 {
                    out.append(PositionedToken(token: .number(lexNumber()), pos: start))
                } else {
                    i += 1
                    out.append(PositionedToken(token: .field(lexWord()), pos: start))
                }
            case UInt8(ascii: "-"), UInt8(ascii: "+"), 48...57:
                out.append(PositionedToken(token: .number(lexNumber()), pos: start))
            default:
                if Lexer.isWordByte(c) {
                    let w = lexWord()
                    switch w {
                    case "true": out.append(PositionedToken(token: .bool(true), pos: start))
                    case "false": out.append(PositionedToken(token: .bool(false), pos: start))
                    case "nil": out.append(PositionedToken(token: .nilValue, pos: start))
                    default: out.append(PositionedToken(token: .identifier(w), pos: start))
                    }
                } else {
                    let ch = String(decoding: [c], as: UTF8.self)
                    throw TemplateError("template: :\(lineOf(open)): unexpected \"\(ch)\" in command")
                }
            }
        }
    }

    static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 || c >= 0x80
    }

    private mutating func lexWord() -> String {
        let s = i
        while i < src.count, Lexer.isWordByte(src[i]) { i += 1 }
        return String(decoding: src[s..<i], as: UTF8.self)
    }

    private mutating func lexNumber() -> String {
        let s = i
        if src[i] == UInt8(ascii: "-") || src[i] == UInt8(ascii: "+") { i += 1 }
        while i < src.count, Lexer.isWordByte(src[i]) || src[i] == UInt8(ascii: ".")
            || ((src[i] == UInt8(ascii: "-") || src[i] == UInt8(ascii: "+")) && (src[i - 1] | 0x20) == UInt8(ascii: "e")) {
            i += 1
        }
        return String(decoding: src[s..<i], as: UTF8.self)
    }

    private mutating func lexQuoted(_ open: Int) throws(TemplateError) -> String {
        i += 1
        return try lexEscapedUntil(UInt8(ascii: "\""), open)
    }

    /// Go string-literal escapes: \n \t \\ \" \' \xNN \uNNNN.
    private mutating func lexEscapedUntil(_ end: UInt8, _ open: Int) throws(TemplateError) -> String {
        var bytes: [UInt8] = []
        while true {
            guard i < src.count, src[i] != 10 else { throw TemplateError("template: :\(lineOf(open)): unterminated quoted string") }
            let c = src[i]
            i += 1
            if c == end { return String(decoding: bytes, as: UTF8.self) }
            if c != UInt8(ascii: "\\") { bytes.append(c); continue }
            guard i < src.count else { throw TemplateError("template: :\(lineOf(open)): unterminated quoted string") }
            let e = src[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): bytes.append(10)
            case UInt8(ascii: "t"): bytes.append(9)
            case UInt8(ascii: "r"): bytes.append(13)
            case UInt8(ascii: "a"): bytes.append(7)
            case UInt8(ascii: "b"): bytes.append(8)
            case UInt8(ascii: "f"): bytes.append(12)
            case UInt8(ascii: "v"): bytes.append(11)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
                guard i + n <= src.count, let v = UInt32(String(decoding: src[i..<(i + n)], as: UTF8.self), radix: 16) else {
                    throw TemplateError("template: :\(lineOf(open)): invalid syntax")
                }
                i += n
                if e == UInt8(ascii: "x") { bytes.append(UInt8(v)) } else if let s = Unicode.Scalar(v) {
                    bytes.append(contentsOf: Array(String(s).utf8))
                }
            default: bytes.append(e)
            }
        }
    }
}
