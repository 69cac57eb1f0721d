import Foundation
import XCTest

// Codable shapes the tests round-trip: every container kind, nesting,
// optionals, maps, enums with payloads, and classes using super coders.

struct Primitives: Codable, Equatable {
    var b: Bool
    var s: String
    var i: Int
    var i8: Int8
    var i16: Int16
    var i32: Int32
    var i64: Int64
    var u: UInt
    var u8: UInt8
    var u16: UInt16
    var u32: UInt32
    var u64: UInt64
    var f: Float
    var d: Double

    static let extremes = Primitives(b: true, s: "x/y \"q\" \\ \n\t\u{1} é 中 😀", i: .min, i8: .min, i16: .min, i32: .min, i64: .min,
                                     u: .max, u8: .max, u16: .max, u32: .max, u64: .max, f: .greatestFiniteMagnitude, d: -.leastNonzeroMagnitude)
    static let plain = Primitives(b: false, s: "", i: 0, i8: 1, i16: -2, i32: 3, i64: Int64.max, u: 4, u8: 5, u16: 6, u32: 7, u64: 8,
                                  f: 0.1, d: 1e100)
}

struct Nested: Codable, Equatable {
    var name: String
    var tags: [String]
    var map: [String: Int]
    var children: [Nested]?
    var note: String?
}

struct Optionals: Codable, Equatable {
    var a: Int?
    var b: String?
    var c: [Int?]?
    var d: Nested?
    var e: Bool?
    var f: Double?
}

enum Color: String, Codable { case red, green }

enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(w: Int, h: Int)
    case tagged(Color, String)
    case empty
}

struct Maps: Codable, Equatable {
    var byInt: [Int: String]
    var byString: [String: [Double]]
    var colors: [Color]
    var nested: [String: [String: Bool]]
    var matrix: [[Int?]]
}

/// A single-value wrapper.
struct Celsius: Codable, Equatable {
    var value: Double
    init(_ value: Double) { self.value = value }
    init(from decoder: Decoder) throws { value = try decoder.singleValueContainer().decode(Double.self) }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

class Base: Codable, Equatable {
    var id: Int
    init(id: Int) { self.id = id }
    static func == (a: Base, b: Base) -> Bool { a.id == b.id && type(of: a) == type(of: b) && a.isEqual(b) }
    func isEqual(_ other: Base) -> Bool { true }
}

final class Derived: Base {
    var extra: String
    enum K: String, CodingKey { case extra }

    init(id: Int, extra: String) {
        self.extra = extra
        super.init(id: id)
    }

    required init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: K.self)
        extra = try c.decode(String.self, forKey: .extra)
        try super.init(from: c.superDecoder())
    }

    override func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: K.self)
        try c.encode(extra, forKey: .extra)
        try super.encode(to: c.superEncoder())
    }

    override func isEqual(_ other: Base) -> Bool { (other as? Derived)?.extra == extra }
}

/// Hand-written coding through nested and super containers of every kind.
struct Handmade: Codable, Equatable {
    var point: (x: Int, y: Int)
    var list: [String]
    var pairs: [[Int]]
    var sub: [String: String]
    var base: Int

    init(point: (x: Int, y: Int), list: [String], pairs: [[Int]], sub: [String: String], base: Int) {
        self.point = point
        self.list = list
        self.pairs = pairs
        self.sub = sub
        self.base = base
    }

    enum K: String, CodingKey { case point, list, pairs, sub, base }
    enum P: String, CodingKey { case x, y }

    static func == (a: Handmade, b: Handmade) -> Bool {
        a.point == b.point && a.list == b.list && a.pairs == b.pairs && a.sub == b.sub && a.base == b.base
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: K.self)
        let p = try c.nestedContainer(keyedBy: P.self, forKey: .point)
        point = (try p.decode(Int.self, forKey: .x), try p.decode(Int.self, forKey: .y))
        var l = try c.nestedUnkeyedContainer(forKey: .list)
        list = []
        while !l.isAtEnd { list.append(try l.decode(String.self)) }
        var outer = try c.nestedUnkeyedContainer(forKey: .pairs)
        pairs = []
        while !outer.isAtEnd {
            var inner = try outer.nestedUnkeyedContainer()
            var row: [Int] = []
            while !inner.isAtEnd { row.append(try inner.decode(Int.self)) }
            pairs.append(row)
        }
        sub = try [String: String](from: c.superDecoder(forKey: .sub))
        base = try c.superDecoder().singleValueContainer().decode(Int.self)
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: K.self)
        var p = c.nestedContainer(keyedBy: P.self, forKey: .point)
        try p.encode(point.x, forKey: .x)
        try p.encode(point.y, forKey: .y)
        var l = c.nestedUnkeyedContainer(forKey: .list)
        for s in list { try l.encode(s) }
        var outer = c.nestedUnkeyedContainer(forKey: .pairs)
        for row in pairs {
            var inner = outer.nestedUnkeyedContainer()
            for v in row { try inner.encode(v) }
        }
        try sub.encode(to: c.superEncoder(forKey: .sub))
        var s = c.superEncoder().singleValueContainer()
        try s.encode(base)
    }

    static let sample = Handmade(point: (3, -4), list: ["a", "b/c"], pairs: [[1, 2], [], [3]], sub: ["k": "v"], base: 42)
}

/// Joins a coding path as "a.Index 1.b" for compact assertions.
func pathText(_ path: [CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }

/// The case of a DecodingError, its path (with the missing key for keyNotFound) and type.
func summary(_ error: Error) -> String {
    guard let e = error as? DecodingError else { return "not a DecodingError: \(error)" }
    switch e {
    case .keyNotFound(let key, let ctx): return "keyNotFound \(pathText(ctx.codingPath + [key]))"
    case .valueNotFound(let type, let ctx): return "valueNotFound \(type) \(pathText(ctx.codingPath))"
    case .typeMismatch(let type, let ctx): return "typeMismatch \(type) \(pathText(ctx.codingPath))"
    case .dataCorrupted(let ctx): return "dataCorrupted \(pathText(ctx.codingPath))"
    @unknown default: return "unknown"
    }
}

let foundationEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
}()
