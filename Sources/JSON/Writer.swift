// Serialises a JSONValue. Output escapes only what JSON requires ('"', '\\'
// and control characters); '/' and non-ASCII text pass through as UTF-8.

public struct JSONWriteOptions: Sendable, Equatable {
    public enum Indent: Sendable, Equatable {
        /// Compact: no whitespace at all.
        case none
        case spaces(Int)
        case tab
    }

    /// Object keys in UTF-8 byte order (as Go and Foundation sort them), for stable output.
    public var sortedKeys: Bool
    /// With an indent, one member per line and `"key": value`.
    public var indent: Indent

    public init(sortedKeys: Bool = true, indent: Indent = .none) {
        self.sortedKeys = sortedKeys
        self.indent = indent
    }
}

struct Writer {
    var out: [UInt8] = []
    let sortedKeys: Bool
    let indentUnit: [UInt8]

    init(options: JSONWriteOptions) {
        sortedKeys = options.sortedKeys
        switch options.indent {
        case .none: indentUnit = []
        case .spaces(let n): indentUnit = [UInt8](repeating: 0x20, count: max(1, n))
        case .tab: indentUnit = [0x09]
        }
        out.reserveCapacity(1024)
    }

    var pretty: Bool { !indentUnit.isEmpty }

    mutating func newline(_ depth: Int) {
        out.append(0x0A)
        for _ in 0..<depth { out.append(contentsOf: indentUnit) }
    }

    mutating func write(_ value: JSONValue, depth: Int = 0) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): appendText(n.text)
        case .string(let s): writeString(s)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            if items.isEmpty { out.append(UInt8(ascii: "]")); return }
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(depth + 1) }
                write(item, depth: depth + 1)
            }
            if pretty { newline(depth) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            if object.isEmpty { out.append(UInt8(ascii: "}")); return }
            var order = Array(object.keys.indices)
            if sortedKeys {
                order.sort { object.keys[$0].utf8.lexicographicallyPrecedes(object.keys[$1].utf8) }
            }
            for (n, i) in order.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(depth + 1) }
                writeString(object.keys[i])
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(0x20) }
                write(object.values[i], depth: depth + 1)
            }
            if pretty { newline(depth) }
            out.append(UInt8(ascii: "}"))
        }
    }

    mutating func append(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func appendText(_ s: String) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    mutating func writeString(_ s: String) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var mark = 0
            for (i, c) in bytes.enumerated() where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark..<i]))
                mark = i + 1
                out.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(c)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hexDigit(c >> 4))
                    out.append(hexDigit(c & 0xF))
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

@inline(__always)
func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }
