/// Header fields in arrival order. Lookup ignores case; a name may repeat.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (n, v) in elements { add(n, v) }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// The first value of `name` (as Go's Header.Get), nil when absent.
    public subscript(name: String) -> String? {
        get { fields.first { equalsIgnoringCase($0.name, name) }?.value }
        set {
            if let newValue { set(name, newValue) } else { remove(name) }
        }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { fields.contains { equalsIgnoringCase($0.name, name) } }

    /// True when a comma-separated list header (Connection, Upgrade, ...) holds `token`.
    public func hasToken(_ name: String, _ token: String) -> Bool {
        values(name).contains { v in
            v.split(separator: ",").contains { equalsIgnoringCase(trimmed(Substring($0)), token) }
        }
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name, value))
    }

    public mutating func remove(_ name: String) { fields.removeAll { equalsIgnoringCase($0.name, name) } }

    mutating func appendToLast(_ more: String) {
        guard let last = fields.popLast() else { return }
        fields.append((last.name, last.value.isEmpty ? more : last.value + " " + more))
    }
}

func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    return zip(x, y).allSatisfy { lower($0) == lower($1) }
}

func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }

func trimmed(_ s: Substring) -> String {
    let u = s.utf8
    guard let start = u.firstIndex(where: { $0 != 32 && $0 != 9 }),
          let end = u.lastIndex(where: { $0 != 32 && $0 != 9 }) else { return "" }
    return String(s[start...end])
}
