// Coding paths as a linked list: a nested value costs one node instead of a
// copied array, and the [CodingKey] array is built only when asked for
// (errors, or a type that reads `codingPath`).

final class PathNode {
    let parent: PathNode?
    let key: any CodingKey

    init(_ key: any CodingKey, parent: PathNode?) {
        self.key = key
        self.parent = parent
    }
}

extension Optional where Wrapped == PathNode {
    func appending(_ key: any CodingKey) -> PathNode { PathNode(key, parent: self) }

    func keys(adding extra: (any CodingKey)? = nil) -> [any CodingKey] {
        var out: [any CodingKey] = []
        var node = self
        while let n = node {
            out.append(n.key)
            node = n.parent
        }
        out.reverse()
        if let extra { out.append(extra) }
        return out
    }
}

/// Array positions in coding paths, spelled as Foundation spells them ("Index 3").
struct IndexKey: CodingKey {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}

/// The key of `superDecoder()` / `superEncoder()`.
struct SuperKey: CodingKey {
    init() {}
    init?(stringValue: String) { guard stringValue == "super" else { return nil } }
    init?(intValue: Int) { nil }
    var stringValue: String { "super" }
    var intValue: Int? { nil }
}
