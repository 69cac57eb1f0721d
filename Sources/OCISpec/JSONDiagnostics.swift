// On Linux, swift-foundation's JSONDecoder drops the scanner's error
// (JSONDecoder.swift: `underlyingError = nil` outside FOUNDATION_FRAMEWORK),
// so a syntax error or a number that does not fit its field (uid 4294967296,
// hostID -1) surfaces as a bare "The given data was not valid JSON." with no
// location. This pass runs only after such a failure and recovers where it is.

import FoundationEssentials

enum JSONDiagnostics {
    /// A JSON number literal: where it sits in the input and which field holds it.
    struct NumberLiteral {
        var range: Range<Int>
        var path: String
    }

    struct SyntaxError: Error {
        var offset: Int
        var message: String
    }

    /// Explains a decode failure that JSONDecoder reported without a location,
    /// or returns nil when this pass cannot say more than the decoder did.
    static func explain<T: Decodable>(_ type: T.Type, bytes: [UInt8], file: String) -> SpecError? {
        var scanner = JSONSyntaxScanner(bytes: bytes)
        let numbers: [NumberLiteral]
        do {
            numbers = try scanner.scanDocument()
        } catch let error as SyntaxError {
            let (line, column) = lineAndColumn(of: error.offset, in: bytes)
            return SpecError(file: file, reason: "invalid JSON at line \(line), column \(column): \(error.message)")
        } catch {
            return nil
        }
        guard let culprit = findUnrepresentableNumber(type, bytes: bytes, numbers: numbers) else { return nil }
        let text = String(decoding: bytes[culprit.range], as: UTF8.self)
        let whole = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        return SpecError(file: file, field: culprit.path.isEmpty ? nil : culprit.path,
                         reason: whole ? "number \(text) is out of range" : "number \(text) is not a whole number")
    }

    /// Zeroes every unusual number so the document decodes, then puts them back one
    /// by one: the first whose return brings the failure back is the culprit.
    static func findUnrepresentableNumber<T: Decodable>(_ type: T.Type, bytes: [UInt8], numbers: [NumberLiteral]) -> NumberLiteral? {
        let candidates = numbers.filter { !isSmallNatural(bytes[$0.range]) }
        guard !candidates.isEmpty, candidates.count <= 4096 else { return nil }
        guard failsWithoutLocation(type, substituting(candidates, in: bytes)) == false else { return nil }
        for k in candidates.indices {
            let zeroed = Array(candidates[(k + 1)...])
            if failsWithoutLocation(type, substituting(zeroed, in: bytes)) {
                return candidates[k]
            }
        }
        return nil
    }

    static func failsWithoutLocation<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> Bool {
        do {
            _ = try JSONDecoder().decode(type, from: Data(bytes))
            return false
        } catch DecodingError.dataCorrupted(let ctx) {
            return ctx.codingPath.isEmpty
        } catch {
            return false
        }
    }

    /// Replaces each literal with `0`; `literals` must be in input order.
    static func substituting(_ literals: [NumberLiteral], in bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        for literal in literals {
            out.append(contentsOf: bytes[cursor..<literal.range.lowerBound])
            out.append(UInt8(ascii: "0"))
            cursor = literal.range.upperBound
        }
        out.append(contentsOf: bytes[cursor...])
        return out
    }

    /// Fits every integer type the spec uses, so it cannot be the culprit.
    static func isSmallNatural(_ text: ArraySlice<UInt8>) -> Bool {
        text.count <= 9 && text.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }
}

/// A strict RFC 8259 recogniser that records each number's field path.
struct JSONSyntaxScanner {
    let bytes: [UInt8]
    var pos = 0
    var path: [String] = []
    var numbers: [JSONDiagnostics.NumberLiteral] = []
    static let maxDepth = 512

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    mutating func scanDocument() throws -> [JSONDiagnostics.NumberLiteral] {
        skipSpace()
        try value(depth: 0)
        skipSpace()
        if pos < bytes.count { throw fail("unexpected \(describe(bytes[pos])) after the top-level value") }
        return numbers
    }

    mutating func value(depth: Int) throws {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
        guard pos < bytes.count else { throw fail("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail("unexpected \(describe(bytes[pos])), expected a value")
        }
    }

    mutating func object(depth: Int) throws {
        pos += 1
        skipSpace()
        if peek(UInt8(ascii: "}")) { pos += 1; return }
        while true {
            guard peek(UInt8(ascii: "\"")) else { throw fail("expected a string for an object key") }
            let key = try string()
            skipSpace()
            guard peek(UInt8(ascii: ":")) else { throw fail("expected ':' after object key \"\(key)\"") }
            pos += 1
            skipSpace()
            path.append(key)
            try value(depth: depth + 1)
            path.removeLast()
            skipSpace()
            if peek(UInt8(ascii: ",")) { pos += 1; skipSpace(); continue }
            if peek(UInt8(ascii: "}")) { pos += 1; return }
            throw fail("expected ',' or '}' after the value of \"\(key)\"")
        }
    }

    mutating func array(depth: Int) throws {
        pos += 1
        skipSpace()
        if peek(UInt8(ascii: "]")) { pos += 1; return }
        var index = 0
        while true {
            path.append("[\(index)]")
            try value(depth: depth + 1)
            path.removeLast()
            skipSpace()
            if peek(UInt8(ascii: ",")) { pos += 1; skipSpace(); index += 1; continue }
            if peek(UInt8(ascii: "]")) { pos += 1; return }
            throw fail("expected ',' or ']' after array element")
        }
    }

    /// Returns the string's content with simple escapes resolved (enough for key paths).
    mutating func string() throws -> String {
        pos += 1
        var out: [UInt8] = []
        while pos < bytes.count {
            let b = bytes[pos]
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard pos + 1 < bytes.count else { throw fail("unterminated string") }
                let e = bytes[pos + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): out.append(UInt8(ascii: " "))
                case UInt8(ascii: "u"):
                    guard pos + 5 < bytes.count, bytes[(pos + 2)...(pos + 5)].allSatisfy(\.isHexDigit) else {
                        throw fail("invalid \\u escape in string")
                    }
                    out.append(UInt8(ascii: "?"))
                    pos += 4
                default:
                    throw fail("invalid escape \\\(describe(e)) in string")
                }
                pos += 2
            case 0..<0x20:
                throw fail("control character \(describe(b)) in string")
            default:
                out.append(b)
                pos += 1
            }
        }
        throw fail("unterminated string")
    }

    mutating func number() throws {
        let start = pos
        if peek(UInt8(ascii: "-")) { pos += 1 }
        if peek(UInt8(ascii: "0")) {
            pos += 1
            if pos < bytes.count, bytes[pos].isDigit { throw fail("number with a leading zero") }
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
        numbers.append(.init(range: start..<pos, path: Self.join(path)))
    }

    mutating func digits() -> Bool {
        let start = pos
        while pos < bytes.count, bytes[pos].isDigit { pos += 1 }
        return pos > start
    }

    mutating func literal(_ word: String) throws {
        for expected in word.utf8 {
            guard pos < bytes.count, bytes[pos] == expected else { throw fail("invalid literal, expected \(word)") }
            pos += 1
        }
    }

    mutating func skipSpace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    func peek(_ b: UInt8) -> Bool { pos < bytes.count && bytes[pos] == b }

    func fail(_ message: String) -> JSONDiagnostics.SyntaxError {
        JSONDiagnostics.SyntaxError(offset: pos, message: pos >= bytes.count && !message.hasPrefix("unexpected end") && !message.hasPrefix("unterminated")
            ? "unexpected end of input" : message)
    }

    func describe(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
    }

    static func join(_ parts: [String]) -> String {
        var out = ""
        for part in parts {
            if part.hasPrefix("[") || out.isEmpty { out += part } else { out += "." + part }
        }
        return out
    }
}

private extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
