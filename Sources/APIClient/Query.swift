import JSON

/// Query parameters in order, percent-encoded as Go's url.Values.Encode does.
public struct Query: Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var items: [(String, String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) { items = elements }

    public mutating func add(_ name: String, _ value: String) { items.append((name, value)) }
    public mutating func add(_ name: String, _ value: Bool) { items.append((name, value ? "1" : "0")) }
    /// Adds `name=1` only when the flag is set, as the docker client does for booleans.
    public mutating func flag(_ name: String, _ on: Bool) { if on { items.append((name, "1")) } }
    public mutating func addIfNotEmpty(_ name: String, _ value: String?) {
        if let value, !value.isEmpty { items.append((name, value)) }
    }
    /// `filters={"key":{"value":true}}`, the shape the docker CLI sends; nothing when empty.
    public mutating func filters(_ f: Filters) { if !f.isEmpty { items.append(("filters", f.json)) } }

    /// Sorted by name (values of one name in order), as Go's url.Values.Encode writes it.
    public var encoded: String {
        items.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
            .map { Query.escape($0.element.0) + "=" + Query.escape($0.element.1) }.joined(separator: "&")
    }

    /// url.QueryEscape: unreserved bytes as they are, space as `+`, the rest `%XX`.
    public static func escape(_ s: String) -> String { percentEncode(s, keep: "-_.~", spaceAsPlus: true) }

    /// Path segments (ids, names, image references with `/` and `:`): url.PathEscape, except
    /// that `/` stays, as the daemon routes `/images/{name:.*}/json`.
    public static func pathEscape(_ s: String) -> String { percentEncode(s, keep: "-_.~:@&=+$/", spaceAsPlus: false) }

    private static func percentEncode(_ s: String, keep: String, spaceAsPlus: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        let kept = Set(keep.utf8)
        var out = ""
        for b in s.utf8 {
            if (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || kept.contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else if b == 32 && spaceAsPlus {
                out += "+"
            } else {
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b & 15)]))
            }
        }
        return out
    }
}

/// Docker's filters.Args: key → set of values, from `--filter key=value` flags.
public struct Filters: Sendable, Equatable {
    public private(set) var entries: [(key: String, values: [String])] = []
    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    public mutating func add(_ key: String, _ value: String) {
        if let i = entries.firstIndex(where: { $0.key == key }) {
            if !entries[i].values.contains(value) { entries[i].values.append(value) }
        } else {
            entries.append((key, [value]))
        }
    }

    public func values(_ key: String) -> [String] { entries.first { $0.key == key }?.values ?? [] }

    /// Parses `key=value` the way opts.FilterOpt does.
    public mutating func add(parsing arg: String) throws(APIError) {
        let s = arg.trimmingSpaces
        guard let eq = s.firstIndex(of: "=") else { throw .invalidArgument("bad format of filter (expected name=value)") }
        let key = String(s[..<eq]).trimmingSpaces.lowercased()
        let value = String(s[s.index(after: eq)...]).trimmingSpaces
        add(key, value)
    }

    /// `{"key":{"value":true}}`, keys and values sorted as Go's encoder writes the map.
    public var json: String {
        var o = JSONObject()
        for e in entries.sorted(by: { $0.key < $1.key }) {
            var inner = JSONObject()
            for v in e.values.sorted() { inner[v] = .bool(true) }
            o[e.key] = .object(inner)
        }
        return JSON.serialize(.object(o), options: JSONWriteOptions(sortedKeys: true)).string
    }

    public static func == (a: Filters, b: Filters) -> Bool { a.json == b.json }
}

extension Array where Element == UInt8 {
    var string: String { String(decoding: self, as: UTF8.self) }
}
