import Foundation
@testable import JSON
import XCTest

/// Encoding: byte-for-byte what Foundation's JSONEncoder writes with
/// [.sortedKeys, .withoutEscapingSlashes], plus the pretty and unsorted forms.
final class EncoderTests: XCTestCase {
    func text<T: Encodable>(_ value: T, sortedKeys: Bool = true, pretty: Bool = false) throws -> String {
        String(decoding: try JSON.encode(value, sortedKeys: sortedKeys, pretty: pretty), as: UTF8.self)
    }

    func testCompactOutputMatchesFoundation() throws {
        func same<T: Encodable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
            XCTAssertEqual(try text(value), String(decoding: try foundationEncoder.encode(value), as: UTF8.self), file: file, line: line)
        }
        try same(Primitives.extremes)
        try same(Primitives.plain)
        try same(Nested(name: "n", tags: ["t"], map: ["b": 2, "a": 1, "B": 3, "é": 4, "_": 5], children: [], note: nil))
        try same(Optionals(a: 1, c: [nil, 2]))
        try same([Shape.circle(radius: 0.5), .rect(w: 1, h: 2), .tagged(.red, "x"), .empty])
        try same(Maps(byInt: [3: "c", 1: "a"], byString: ["z": [1e-7, 1e21, 123456789.125, -0.0]], colors: [.green],
                      nested: ["x": [:]], matrix: [[nil]]))
        try same(Derived(id: 1, extra: "e"))
        try same(Celsius(21.5))
        try same([Float(0.1), 1.5, -3, 1e-10, 3.4e38])
        try same([0.1, 0.2, 0.30000000000000004, 1.0, 100, 1e16, 12345678901234567890.0, 5e-324])
        try same("\u{0}\u{1f}\u{7f} \u{2028} / \\ \" \n\r\t\u{8}\u{c}")
    }

    func testNilOptionalsAreOmitted() throws {
        XCTAssertEqual(try text(Optionals()), "{}")
        XCTAssertEqual(try text(Optionals(b: "x", e: false)), #"{"b":"x","e":false}"#)
        // In arrays, nil is null.
        XCTAssertEqual(try text([1, nil, 3] as [Int?]), "[1,null,3]")
        XCTAssertEqual(try text(Optional<Int>.none), "null")
    }

    func testKeyOrder() throws {
        struct Ordered: Encodable {
            var zebra = 1
            var apple = 2
            var mango = 3
        }
        XCTAssertEqual(try text(Ordered()), #"{"apple":2,"mango":3,"zebra":1}"#)
        XCTAssertEqual(try text(Ordered(), sortedKeys: false), #"{"zebra":1,"apple":2,"mango":3}"#)
        // Byte order: upper case before lower case, non-ASCII last.
        XCTAssertEqual(try text(["b": 1, "a": 2, "B": 3, "é": 4, "aa": 5]), #"{"B":3,"a":2,"aa":5,"b":1,"é":4}"#)
    }

    /// Struct fields keep their order without sortedKeys; a dictionary's keys are sorted
    /// regardless (as Go writes a map), since Swift iterates each instance in its own order.
    func testDictionaryKeysSortedInDocumentOrder() throws {
        struct Holder: Encodable {
            var zebra = 1
            var labels: [String: String] = [:]
        }
        let keys = (0..<40).map { "k\($0)" }
        let labels = Dictionary(uniqueKeysWithValues: keys.shuffled().map { ($0, "v") })
        let expected = "{\"zebra\":1,\"labels\":{" + keys.sorted().map { "\"\($0)\":\"v\"" }.joined(separator: ",") + "}}"
        XCTAssertEqual(try text(Holder(labels: labels), sortedKeys: false), expected)
        XCTAssertEqual(try text(["b": 1, "a": 2], sortedKeys: false), #"{"a":2,"b":1}"#)
    }

    func testPrettyPrinting() throws {
        let v = Nested(name: "n", tags: ["a", "b"], map: [:], children: [Nested(name: "c", tags: [], map: ["k": 1])], note: nil)
        XCTAssertEqual(try text(v, pretty: true), """
        {
          "children": [
            {
              "map": {
                "k": 1
              },
              "name": "c",
              "tags": []
            }
          ],
          "map": {},
          "name": "n",
          "tags": [
            "a",
            "b"
          ]
        }
        """)
        let tabs = String(decoding: try JSON.encode(["k": [1]], options: JSONWriteOptions(indent: .tab)), as: UTF8.self)
        XCTAssertEqual(tabs, "{\n\t\"k\": [\n\t\t1\n\t]\n}")
        let four = String(decoding: try JSON.encode([true], options: JSONWriteOptions(indent: .spaces(4))), as: UTF8.self)
        XCTAssertEqual(four, "[\n    true\n]")
        // Pretty output parses back to the same value.
        XCTAssertEqual(try JSON.decode(Nested.self, from: JSON.encode(v, pretty: true)), v)
    }

    func testEscaping() throws {
        XCTAssertEqual(try text("a/b"), #""a/b""#)
        XCTAssertEqual(try text("\"\\"), #""\"\\""#)
        XCTAssertEqual(try text("\n\r\t\u{8}\u{c}"), #""\n\r\t\b\f""#)
        XCTAssertEqual(try text("\u{0}\u{1}\u{1f}"), #""\u0000\u0001\u001f""#)
        XCTAssertEqual(try text("\u{7f}é中😀"), "\"\u{7f}é中😀\"")
        XCTAssertEqual(Array(try JSON.encode("é")), [0x22, 0xC3, 0xA9, 0x22])
        // Keys are escaped the same way.
        XCTAssertEqual(try text(["a\"b\n": 1]), #"{"a\"b\n":1}"#)
    }

    func testNumbers() throws {
        XCTAssertEqual(try text([UInt64.max]), "[18446744073709551615]")
        XCTAssertEqual(try text([Int64.min]), "[-9223372036854775808]")
        XCTAssertEqual(try text([1.0, -0.0, 0.5, 1e-7, 1e300]), "[1,-0,0.5,1e-07,1e+300]")
        XCTAssertEqual(try text([Float(1.0), Float(0.1)]), "[1,0.1]")
    }

    func testNonFiniteFloatsAreRefused() {
        struct Bad: Encodable {
            var values: [Double]
        }
        XCTAssertThrowsError(try JSON.encode(Bad(values: [1, .infinity]))) { error in
            guard case .invalidValue(_, let ctx)? = error as? EncodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(pathText(ctx.codingPath), "values.Index 1")
            XCTAssertEqual(ctx.debugDescription, "Unable to encode Double.inf directly in JSON.")
        }
        XCTAssertThrowsError(try JSON.encode(["k": Float.nan])) { error in
            guard case .invalidValue(_, let ctx)? = error as? EncodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(pathText(ctx.codingPath), "k")
        }
        XCTAssertThrowsError(try JSON.encode(Celsius(-.infinity))) { error in
            guard case .invalidValue(_, let ctx)? = error as? EncodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(pathText(ctx.codingPath), "")
        }
    }

    func testTopLevelValueThatEncodesNothing() {
        struct Silent: Encodable {
            func encode(to encoder: Encoder) throws {}
        }
        XCTAssertThrowsError(try JSON.encode(Silent())) { error in
            guard case .invalidValue? = error as? EncodingError else { return XCTFail("\(error)") }
        }
        // Nested, it is an empty object (as Foundation writes it).
        XCTAssertEqual(try text(["s": Silent()]), #"{"s":{}}"#)
        XCTAssertEqual(try text(["s": Silent()]), String(decoding: try foundationEncoder.encode(["s": Silent()]), as: UTF8.self))
    }

    func testCodingPathsSeenByEncodableTypes() throws {
        final class Recorder: Encodable {
            nonisolated(unsafe) static var paths: [String] = []
            func encode(to encoder: Encoder) throws {
                Recorder.paths.append(pathText(encoder.codingPath))
                var c = encoder.singleValueContainer()
                try c.encode(pathText(c.codingPath))
            }
        }
        struct Holder: Encodable {
            var a = Recorder()
            var list = [Recorder(), Recorder()]
            var map = ["m": Recorder()]
        }
        Recorder.paths = []
        let out = try text(Holder())
        XCTAssertEqual(Recorder.paths, ["a", "list.Index 0", "list.Index 1", "map.m"])
        XCTAssertEqual(out, #"{"a":"a","list":["list.Index 0","list.Index 1"],"map":{"m":"map.m"}}"#)
    }

    func testContainersFilledAfterTheyAreNested() throws {
        struct Late: Encodable {
            enum K: String, CodingKey { case first, second, later, third }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: K.self)
                var inner = c.nestedContainer(keyedBy: K.self, forKey: .first)
                var list = c.nestedUnkeyedContainer(forKey: .second)
                let sup = c.superEncoder(forKey: .later)
                try c.encode(1, forKey: .first)          // replaces the nested container
                try inner.encode(2, forKey: .second)      // lands in the replaced container: invisible
                try list.encode("x")
                var sv = sup.singleValueContainer()
                try sv.encode(true)
                var again = encoder.container(keyedBy: K.self)  // the same object
                try again.encodeNil(forKey: .third)
            }
        }
        XCTAssertEqual(try text(Late()), #"{"first":1,"later":true,"second":["x"],"third":null}"#)
        XCTAssertEqual(try text(Late()), String(decoding: try foundationEncoder.encode(Late()), as: UTF8.self))
    }

    func testEncodeValue() throws {
        let v = try JSON.encodeValue(Nested(name: "n", tags: [], map: ["a": 1]))
        guard case .object(let o) = v else { return XCTFail("\(v)") }
        XCTAssertEqual(o.keys, ["name", "tags", "map"])
        XCTAssertEqual(o["map"], .object(JSONObject([("a", .number(JSONNumber(1)))])))
        XCTAssertEqual(try JSON.decode(Nested.self, from: v), Nested(name: "n", tags: [], map: ["a": 1]))
    }
}
