import Foundation
@testable import JSON
import XCTest

/// Decoding Decodable types, with Foundation's JSONDecoder as the reference.
final class DecoderTests: XCTestCase {
    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try JSON.decode(type, from: Array(text.utf8)) }

    func decodeError<T: Decodable>(_ type: T.Type, _ text: String, file: StaticString = #filePath, line: UInt = #line) -> Error? {
        do {
            let v = try decode(type, text)
            XCTFail("decoded \(v)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func foundationError<T: Decodable>(_ type: T.Type, _ text: String) -> Error? {
        do { _ = try JSONDecoder().decode(type, from: Data(text.utf8)); return nil } catch { return error }
    }

    func testRoundTripsEveryShape() throws {
        func check<T: Codable & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
            let ours = try JSON.encode(value)
            XCTAssertEqual(try JSON.decode(T.self, from: ours), value, "JSON → JSON", file: file, line: line)
            XCTAssertEqual(try JSONDecoder().decode(T.self, from: Data(ours)), value, "JSON → Foundation", file: file, line: line)
            let theirs = try foundationEncoder.encode(value)
            XCTAssertEqual(try JSON.decode(T.self, from: Array(theirs)), value, "Foundation → JSON", file: file, line: line)
        }
        try check(Primitives.extremes)
        try check(Primitives.plain)
        let leaf = Nested(name: "leaf", tags: [], map: [:], children: nil, note: "n")
        try check(Nested(name: "root", tags: ["a", "b"], map: ["x": 1, "y": -2], children: [leaf, leaf], note: nil))
        try check(Optionals())
        try check(Optionals(a: 1, b: "", c: [1, nil, 3], d: leaf, e: false, f: 0))
        try check(Optionals(c: [nil, nil]))
        try check([Shape.circle(radius: 1.5), .rect(w: 2, h: 3), .tagged(.green, "g"), .empty])
        try check(Maps(byInt: [1: "one", -7: "minus seven"], byString: ["e": [], "pi": [3.14159, -0.0]], colors: [.red, .green],
                       nested: ["a": ["t": true], "b": [:]], matrix: [[1, nil], [], [nil]]))
        try check([Celsius(-40), Celsius(36.6)])
        try check(Derived(id: 7, extra: "more") as Derived)
        try check([[String: Int]]())
        try check(["top-level", "array"])
        try check("top-level string")
        try check(42)
        try check(Optional<Int>.none)
        try check([UInt64.max, 0])
        try check([Int64.min, Int64.max])
    }

    func testHandmadeContainers() throws {
        let bytes = try JSON.encode(Handmade.sample)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       #"{"list":["a","b/c"],"pairs":[[1,2],[],[3]],"point":{"x":3,"y":-4},"sub":{"k":"v"},"super":42}"#)
        XCTAssertEqual(try JSON.decode(Handmade.self, from: bytes), Handmade.sample)
        XCTAssertEqual(Array(try foundationEncoder.encode(Handmade.sample)), bytes)
        // superDecoder() on a missing key reads null, as Foundation's does.
        let noBase = #"{"list":[],"pairs":[],"point":{"x":0,"y":0},"sub":{}}"#
        XCTAssertEqual(summary(decodeError(Handmade.self, noBase) ?? CocoaError(.coderInvalidValue)), "valueNotFound Int super")
        XCTAssertEqual(summary(foundationError(Handmade.self, noBase) ?? CocoaError(.coderInvalidValue)), "valueNotFound Int super")
    }

    func testDecodeIfPresentSemantics() throws {
        XCTAssertEqual(try decode(Optionals.self, "{}"), Optionals())
        XCTAssertEqual(try decode(Optionals.self, #"{"a":null,"b":null,"c":null,"d":null,"e":null,"f":null}"#), Optionals())
        XCTAssertEqual(try decode(Optionals.self, #"{"c":[null,2]}"#), Optionals(c: [nil, 2]))
        // Present but of the wrong type is still an error.
        XCTAssertEqual(summary(decodeError(Optionals.self, #"{"a":"1"}"#)!), "typeMismatch Int a")
        XCTAssertEqual(summary(decodeError(Optionals.self, #"{"d":{"name":"n"}}"#)!), "keyNotFound d.tags")
        XCTAssertEqual(try decode([Int?].self, "[null, 1, null]"), [nil, 1, nil])
        XCTAssertEqual(try decode(Int?.self, "null"), nil)
    }

    /// Each error case, with its coding path, matches Foundation's.
    func testErrorsMatchFoundation() throws {
        let cases: [(String, (String) -> (Error?, Error?))] = [
            (#"{"tags":[],"map":{}}"#, pair(Nested.self)),
            (#"{"name":"n","tags":["a",1],"map":{}}"#, pair(Nested.self)),
            (#"{"name":"n","tags":["a",null],"map":{}}"#, pair(Nested.self)),
            (#"{"name":"n","tags":{},"map":{}}"#, pair(Nested.self)),
            (#"{"name":"n","tags":[],"map":[]}"#, pair(Nested.self)),
            (#"{"name":"n","tags":[],"map":{"k":"v"}}"#, pair(Nested.self)),
            (#"{"name":"n","tags":[],"map":{},"children":[{"name":"c","tags":[],"map":{"x":true}}]}"#, pair(Nested.self)),
            (#"{"name":"n","tags":[],"map":{},"children":[{"name":"c","tags":[]}]}"#, pair(Nested.self)),
            (#"{"name":"n","tags":[],"map":{},"children":[null]}"#, pair(Nested.self)),
            (#"{"name":null,"tags":[],"map":{}}"#, pair(Nested.self)),
            ("[]", pair(Nested.self)),
            ("null", pair(Nested.self)),
            ("null", pair([Int].self)),
            ("{}", pair([Int].self)),
            (#"{"colors":["red","blue"]}"#, pair(Maps.self)),
            (#"{"byInt":{"x":"1"},"byString":{},"colors":[],"nested":{},"matrix":[]}"#, pair(Maps.self)),
            (#"{"byInt":{},"byString":{"a":[1,"2"]},"colors":[],"nested":{},"matrix":[]}"#, pair(Maps.self)),
            (#"{"byInt":{},"byString":{},"colors":[],"nested":{"a":{"b":1}},"matrix":[]}"#, pair(Maps.self)),
            (#"{"byInt":{},"byString":{},"colors":[],"nested":{},"matrix":[[1,"x"]]}"#, pair(Maps.self)),
            (#"{"circle":{}}"#, pair(Shape.self)),
            (#"{"rect":{"w":1,"h":"2"}}"#, pair(Shape.self)),
            (#"{"tagged":{"_0":"red"}}"#, pair(Shape.self)),
            (#"{"tagged":{"_0":"blue","_1":""}}"#, pair(Shape.self)),
            (#"{"point":{"x":1},"list":[],"pairs":[],"sub":{},"super":1}"#, pair(Handmade.self)),
            (#"{"point":{"x":1,"y":2},"list":[1],"pairs":[],"sub":{},"super":1}"#, pair(Handmade.self)),
            (#"{"point":{"x":1,"y":2},"list":[],"pairs":[[1],2],"sub":{},"super":1}"#, pair(Handmade.self)),
            (#"{"point":[],"list":[],"pairs":[],"sub":{},"super":1}"#, pair(Handmade.self)),
            (#"{"extra":"e"}"#, pair(Derived.self)),
            (#"{"extra":"e","super":{"id":"1"}}"#, pair(Derived.self)),
            (#""5""#, pair(Celsius.self)),
            (#"{"b":true}"#, pair(Primitives.self)),
            (#"[1,2]"#, pair([String: Int].self)),
            // [String: String] has its own fast path; its errors must not change.
            (#"{"a":"x","b":1}"#, pair([String: String].self)),
            (#"{"a":null}"#, pair([String: String].self)),
            ("[]", pair([String: String].self)),
            ("null", pair([String: String].self)),
            (#"{"m":{"k":"v","7":2}}"#, pair([String: [String: String]].self)),
        ]
        for (text, run) in cases {
            let (ours, theirs) = run(text)
            XCTAssertNotNil(ours, text)
            XCTAssertEqual(summary(ours ?? CocoaError(.coderInvalidValue)), summary(theirs ?? CocoaError(.coderInvalidValue)), text)
        }
    }

    func pair<T: Decodable>(_ type: T.Type) -> (String) -> (Error?, Error?) {
        { text in
            let ours: Error?
            do { _ = try JSON.decode(type, from: Array(text.utf8)); ours = nil } catch { ours = error }
            return (ours, self.foundationError(type, text))
        }
    }

    func testErrorWordingMatchesFoundation() throws {
        let texts = [#"{"name":1,"tags":[],"map":{}}"#, #"{"tags":[],"map":{}}"#, "null", #"{"name":"n","tags":"x","map":{}}"#]
        for text in texts {
            guard case let (ours?, theirs?) = pair(Nested.self)(text),
                  let a = ours as? DecodingError, let b = theirs as? DecodingError else { return XCTFail(text) }
            XCTAssertEqual(context(a)?.debugDescription, context(b)?.debugDescription, text)
        }
    }

    func context(_ e: DecodingError) -> DecodingError.Context? {
        switch e {
        case .keyNotFound(_, let c), .valueNotFound(_, let c), .typeMismatch(_, let c), .dataCorrupted(let c): return c
        @unknown default: return nil
        }
    }

    /// Foundation says typeMismatch for null where a Bool belongs; every other type says valueNotFound, and so do we.
    func testNullForBoolIsValueNotFound() {
        XCTAssertEqual(summary(decodeError([Bool].self, "[true, null]")!), "valueNotFound Bool Index 1")
    }

    func testUnkeyedContainerAtEnd() throws {
        struct Two: Decodable {
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                XCTAssertEqual(c.count, 1)
                _ = try c.decode(Int.self)
                XCTAssertTrue(c.isAtEnd)
                XCTAssertNil(try c.decodeIfPresent(Int.self))
                _ = try c.decode(Int.self)
            }
        }
        // Foundation moves the index on even when decodeIfPresent finds the end; so do we.
        XCTAssertEqual(summary(decodeError(Two.self, "[1]")!), "valueNotFound Int Index 2")
        XCTAssertEqual(summary(foundationError(Two.self, "[1]")!), "valueNotFound Int Index 2")
    }

    func testDecodeNilDoesNotAdvancePastValues() throws {
        struct Probe: Decodable {
            var seen: [String] = []
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                while !c.isAtEnd {
                    if try c.decodeNil() { seen.append("nil") } else { seen.append(try c.decode(String.self)) }
                }
                let k = try decoder.singleValueContainer()
                XCTAssertFalse(k.decodeNil())
            }
        }
        XCTAssertEqual(try decode(Probe.self, #"[null, "a", null]"#).seen, ["nil", "a", "nil"])
    }

    func testAllKeysAndContains() throws {
        struct Keys: Decodable {
            var keys: [String]
            var hasB: Bool
            var bIsNil: Bool
            struct K: CodingKey {
                var stringValue: String
                init(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { nil }
            }
            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: K.self)
                keys = c.allKeys.map(\.stringValue)
                hasB = c.contains(K(stringValue: "b"))
                bIsNil = try c.decodeNil(forKey: K(stringValue: "b"))
                XCTAssertThrowsError(try c.decodeNil(forKey: K(stringValue: "zz")))
            }
        }
        let k = try decode(Keys.self, #"{"a":1,"b":null,"c":[]}"#)
        XCTAssertEqual(k.keys, ["a", "b", "c"])
        XCTAssertTrue(k.hasB)
        XCTAssertTrue(k.bIsNil)
    }

    func testStringMaps() throws {
        let text = #"{"a":"1","b":"","a":"last","7":"seven","é":"\u00e9"}"#
        XCTAssertEqual(try decode([String: String].self, text), ["a": "last", "b": "", "7": "seven", "é": "é"])
        XCTAssertEqual(try decode([String: String]?.self, "null"), nil)
        XCTAssertEqual(try decode([[String: String]].self, #"[{}, {"k":"v"}]"#), [[:], ["k": "v"]])
    }

    func testLargeObjectsUseTheIndex() throws {
        var map: [String: Int] = [:]
        for i in 0..<500 { map["key\(i)"] = i * i }
        let bytes = try JSON.encode(map)
        XCTAssertEqual(try JSON.decode([String: Int].self, from: bytes), map)
        let text = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"name\":\"n\",\"tags\":[],\"map\":{}}"
        XCTAssertEqual(try decode(Nested.self, text).name, "n")
    }

    func testSyntaxErrorsAreDataCorrupted() {
        let error = decodeError(Nested.self, "{\"name\": }")
        guard case .dataCorrupted(let ctx)? = error as? DecodingError else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(ctx.codingPath.isEmpty)
        let syntax = ctx.underlyingError as? JSONSyntaxError
        XCTAssertEqual(syntax?.column, 10)
        XCTAssertEqual(ctx.debugDescription, "invalid JSON at line 1, column 10: unexpected '}', expected a value")
    }
}
