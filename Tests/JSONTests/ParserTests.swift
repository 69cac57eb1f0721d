@testable import JSON
import XCTest

/// The parser: RFC 8259 text to JSONValue, and exactly where malformed text goes wrong.
final class ParserTests: XCTestCase {
    func parse(_ text: String) throws -> JSONValue { try JSON.parse(Array(text.utf8)) }

    func syntaxError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONSyntaxError? {
        syntaxError(bytes: Array(text.utf8), file: file, line: line)
    }

    func syntaxError(bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> JSONSyntaxError? {
        do {
            let v = try JSON.parse(bytes)
            XCTFail("parsed: \(v)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testScalarsAndStructure() throws {
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse(" true "), .bool(true))
        XCTAssertEqual(try parse("\n\tfalse\r\n"), .bool(false))
        XCTAssertEqual(try parse("\"hi\""), .string("hi"))
        XCTAssertEqual(try parse("[]"), .array([]))
        XCTAssertEqual(try parse("{}"), .object(JSONObject()))
        XCTAssertEqual(try parse("[1, [2, [3]], {\"a\": null}]"), .array([
            .number(JSONNumber(1)), .array([.number(JSONNumber(2)), .array([.number(JSONNumber(3))])]),
            .object(JSONObject([("a", .null)])),
        ]))
        // A UTF-8 byte order mark is skipped.
        XCTAssertEqual(try JSON.parse([0xEF, 0xBB, 0xBF] + Array("[true]".utf8)), .array([.bool(true)]))
    }

    func testObjectsKeepKeyOrderAndLastDuplicateWins() throws {
        guard case .object(let o) = try parse(#"{"z": 1, "a": 2, "m": 3, "a": 4}"#) else { return XCTFail("not an object") }
        XCTAssertEqual(o.keys, ["z", "a", "m"])
        XCTAssertEqual(o["a"], .number(JSONNumber(4)))
        XCTAssertEqual(o.map(\.key), ["z", "a", "m"])
        XCTAssertNil(o["missing"])

        // Past the size where the parser switches to an index, duplicates still collapse.
        let many = (0..<100).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        guard case .object(let big) = try parse("{\(many), \"k7\": \"again\", \"k99\": null}") else { return XCTFail("not an object") }
        XCTAssertEqual(big.count, 100)
        XCTAssertEqual(big.keys.first, "k0")
        XCTAssertEqual(big["k7"], .string("again"))
        XCTAssertEqual(big["k99"], .null)
        XCTAssertEqual(big.index(of: "k7"), 7)
    }

    func testObjectEqualityIgnoresOrder() throws {
        XCTAssertEqual(try parse(#"{"a":1,"b":[true]}"#), try parse(#"{"b":[true],"a":1}"#))
        XCTAssertNotEqual(try parse(#"{"a":1}"#), try parse(#"{"a":1,"b":2}"#))
        var o = JSONObject()
        o["x"] = .bool(true)
        o["y"] = .null
        o["x"] = .bool(false)
        XCTAssertEqual(o.keys, ["x", "y"])
        o["x"] = nil
        XCTAssertEqual(o.keys, ["y"])
    }

    func testStringEscapes() throws {
        XCTAssertEqual(try parse(#""\" \\ \/ \b \f \n \r \t""#), .string("\" \\ / \u{8} \u{C} \n \r \t"))
        XCTAssertEqual(try parse(#""\u0041\u00e9\u4E2D\u0000""#), .string("Aé中\u{0}"))
        // Surrogate pairs make one scalar.
        XCTAssertEqual(try parse(#""\ud83d\ude00 \uD834\uDD1E""#), .string("😀 𝄞"))
        // Raw UTF-8 passes through, before and after escapes.
        XCTAssertEqual(try parse(#""naïve \n 日本語 \t ok""#), .string("naïve \n 日本語 \t ok"))
        XCTAssertEqual(try parse(#""😀""#), .string("😀"))
    }

    func testBadStrings() {
        XCTAssertEqual(syntaxError(#""\ud83d""#)?.message, "unpaired UTF-16 surrogate \\uD83D in string")
        XCTAssertEqual(syntaxError(#""\ud83dx""#)?.message, "unpaired UTF-16 surrogate \\uD83D in string")
        XCTAssertEqual(syntaxError(#""\ude00""#)?.message, "unpaired UTF-16 surrogate \\uDE00 in string")
        XCTAssertEqual(syntaxError(#""\ud83d\u0041""#)?.message, "unpaired UTF-16 surrogate \\uD83D in string")
        XCTAssertEqual(syntaxError(#""\u12G4""#)?.message, "invalid \\u escape in string")
        XCTAssertEqual(syntaxError(#""\u12""#)?.message, "invalid \\u escape in string")
        XCTAssertEqual(syntaxError(#""\x""#)?.message, "invalid escape \\'x' in string")
        XCTAssertEqual(syntaxError("\"a\tb\"")?.message, "control character byte 0x9 in string")
        XCTAssertEqual(syntaxError("\"abc")?.message, "unterminated string")
        XCTAssertEqual(syntaxError("\"abc\\")?.message, "unterminated string")
        XCTAssertEqual(syntaxError("\"a\\n")?.message, "unterminated string")
        // Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong form, a surrogate.
        for bad: [UInt8] in [[0x80], [0xC3], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80]] {
            let e = syntaxError(bytes: [0x22, 0x61] + bad + [0x22])
            XCTAssertEqual(e?.column, 3, "\(bad)")
            XCTAssertTrue(e?.message.hasPrefix("invalid UTF-8") == true, "\(bad): \(e?.message ?? "")")
        }
        // Also in the part of a string after an escape.
        XCTAssertEqual(syntaxError(bytes: Array(#""\n"#.utf8) + [0xFF, 0x22])?.column, 4)
    }

    func testNumbers() throws {
        for text in ["0", "-0", "1", "-1", "123456789012345678901234567890", "1.5", "-0.25", "1e10", "1E+2", "2.5e-3", "0.0"] {
            XCTAssertEqual(try parse(text), .number(JSONNumber(validated: text)), text)
        }
        XCTAssertEqual(syntaxError("01")?.message, "number with a leading zero")
        XCTAssertEqual(syntaxError("-01")?.message, "number with a leading zero")
        XCTAssertEqual(syntaxError("-")?.message, "unexpected end of input")
        XCTAssertEqual(syntaxError("-a")?.message, "expected a digit in number")
        XCTAssertEqual(syntaxError("1.")?.message, "unexpected end of input")
        XCTAssertEqual(syntaxError("1.e5")?.message, "expected a digit after the decimal point")
        XCTAssertEqual(syntaxError("1e")?.message, "unexpected end of input")
        XCTAssertEqual(syntaxError("[1e+]")?.message, "expected a digit in the exponent")
        XCTAssertEqual(syntaxError("+1")?.message, "unexpected '+', expected a value")
        XCTAssertEqual(syntaxError(".5")?.message, "unexpected '.', expected a value")
        XCTAssertEqual(syntaxError("NaN")?.message, "unexpected 'N', expected a value")
        XCTAssertEqual(syntaxError("[1 2]")?.message, "expected ',' or ']' after array element")
    }

    func testJSONNumberAccessors() {
        XCTAssertEqual(JSONNumber(validated: "18446744073709551615").uint64Value, UInt64.max)
        XCTAssertNil(JSONNumber(validated: "18446744073709551615").int64Value)
        XCTAssertEqual(JSONNumber(validated: "-9223372036854775808").int64Value, Int64.min)
        XCTAssertNil(JSONNumber(validated: "-9223372036854775809").int64Value)
        XCTAssertEqual(JSONNumber(validated: "1e3").int64Value, 1000)
        XCTAssertEqual(JSONNumber(validated: "2.50e1").uint64Value, 25)
        XCTAssertNil(JSONNumber(validated: "2.5").int64Value)
        XCTAssertEqual(JSONNumber(validated: "2.5").doubleValue, 2.5)
        XCTAssertTrue(JSONNumber(validated: "-12").isIntegerLiteral)
        XCTAssertFalse(JSONNumber(validated: "1e2").isIntegerLiteral)
        XCTAssertNil(JSONNumber(text: "01"))
        XCTAssertNil(JSONNumber(text: "1."))
        XCTAssertNil(JSONNumber(text: " 1"))
        XCTAssertEqual(JSONNumber(text: "-1.5E-7")?.text, "-1.5E-7")
        XCTAssertEqual(JSONNumber(Int64.min).text, "-9223372036854775808")
        XCTAssertEqual(JSONNumber(2.0)?.text, "2")
        XCTAssertEqual(JSONNumber(0.1)?.text, "0.1")
        XCTAssertNil(JSONNumber(Double.infinity))
        XCTAssertNil(JSONNumber(Double.nan))
    }

    func testLiteralsAndStructureErrors() {
        XCTAssertEqual(syntaxError("tru")?.message, "unexpected end of input")
        XCTAssertEqual(syntaxError("trUe")?.message, "invalid literal, expected true")
        XCTAssertEqual(syntaxError("nul")?.message, "unexpected end of input")
        XCTAssertEqual(syntaxError("fals ")?.message, "invalid literal, expected false")
        XCTAssertEqual(syntaxError("")?.message, "unexpected end of input, expected a value")
        XCTAssertEqual(syntaxError("   ")?.message, "unexpected end of input, expected a value")
        XCTAssertEqual(syntaxError("[1,]")?.message, "unexpected ']', expected a value")
        XCTAssertEqual(syntaxError(#"{"a":1,}"#)?.message, "expected a string for an object key")
        XCTAssertEqual(syntaxError(#"{"a" 1}"#)?.message, "expected ':' after object key \"a\"")
        XCTAssertEqual(syntaxError(#"{"a":1 "b":2}"#)?.message, "expected ',' or '}' after the value of \"a\"")
        XCTAssertEqual(syntaxError(#"{'a':1}"#)?.message, "expected a string for an object key")
        XCTAssertEqual(syntaxError("[1] [2]")?.message, "unexpected '[' after the top-level value")
        XCTAssertEqual(syntaxError("[1]\0")?.message, "unexpected byte 0x0 after the top-level value")
        XCTAssertEqual(syntaxError("[")?.message, "unexpected end of input, expected a value")
        XCTAssertEqual(syntaxError("{")?.message, "unexpected end of input")
    }

    func testLineAndColumn() {
        let e = syntaxError("{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}")
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 14)
        XCTAssertEqual(e?.offset, 25)
        XCTAssertEqual(e?.description, "invalid JSON at line 3, column 14: unexpected ',', expected a value")
        // Columns count bytes: "é" is two.
        XCTAssertEqual(syntaxError("[\"é\" x]")?.column, 7)
        let end = syntaxError("[\n1,\n")
        XCTAssertEqual(end?.line, 3)
        XCTAssertEqual(end?.column, 1)
    }

    func testNestingLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try parse(ok))
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let e = syntaxError(deep)
        XCTAssertEqual(e?.message, "nesting deeper than 512 levels")
        XCTAssertEqual(e?.column, 513)
        let objects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        XCTAssertEqual(syntaxError(objects)?.message, "nesting deeper than 512 levels")
        // Far deeper input fails cleanly instead of exhausting the stack.
        XCTAssertEqual(syntaxError(String(repeating: "[", count: 1_000_000))?.message, "nesting deeper than 512 levels")
    }

    func testSerializeAndDescription() throws {
        let v = try parse(#"{"b": [1, 2.5, "x/y"], "a": {"c": null, "d": true}}"#)
        XCTAssertEqual(v.description, #"{"b":[1,2.5,"x/y"],"a":{"c":null,"d":true}}"#)
        XCTAssertEqual(String(decoding: JSON.serialize(v), as: UTF8.self), #"{"a":{"c":null,"d":true},"b":[1,2.5,"x/y"]}"#)
        XCTAssertEqual(try JSON.parse(JSON.serialize(v)), v)
    }
}
