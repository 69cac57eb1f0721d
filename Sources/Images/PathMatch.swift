/// Go's path.Match, which Docker's `reference=` filter uses (through FamiliarMatch):
/// `*` any run of non-"/" characters, `?` one non-"/" character, `[...]` a class with
/// ranges and `^` negation, `\` escapes.
public enum PathMatch {
    public struct BadPattern: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String { "syntax error in pattern" }
    }

    public static func match(_ pattern: String, _ name: String) throws(BadPattern) -> Bool {
        var p = Array(pattern.unicodeScalars)[...]
        var n = Array(name.unicodeScalars)[...]
        patternLoop: while !p.isEmpty {
            let (star, chunk, rest) = scanChunk(p)
            p = rest
            if star && chunk.isEmpty { return !n.contains("/") }
            let (t, ok) = try matchChunk(chunk, n)
            if ok && (t.isEmpty || !p.isEmpty) {
                n = t
                continue
            }
            if star {
                var i = n.startIndex
                while i < n.endIndex && n[i] != "/" {
                    let (t, ok) = try matchChunk(chunk, n[(i + 1)...])
                    if ok {
                        if p.isEmpty && !t.isEmpty { i += 1; continue }
                        n = t
                        continue patternLoop
                    }
                    i += 1
                }
            }
            // No match; still report a malformed rest of the pattern.
            while !p.isEmpty {
                let (_, chunk, rest) = scanChunk(p)
                p = rest
                _ = try matchChunk(chunk, [])
            }
            return false
        }
        return n.isEmpty
    }

    private typealias Scalars = ArraySlice<Unicode.Scalar>

    private static func scanChunk(_ pattern: Scalars) -> (Bool, Scalars, Scalars) {
        var p = pattern
        var star = false
        while p.first == "*" { p = p.dropFirst(); star = true }
        var inRange = false
        var i = p.startIndex
        scan: while i < p.endIndex {
            switch p[i] {
            case "\\": if i + 1 < p.endIndex { i += 1 }
            case "[": inRange = true
            case "]": inRange = false
            case "*": if !inRange { break scan }
            default: break
            }
            i += 1
        }
        return (star, p[..<i], p[i...])
    }

    private static func matchChunk(_ chunk: Scalars, _ s: Scalars) throws(BadPattern) -> (Scalars, Bool) {
        var chunk = chunk
        var s = s
        var failed = false
        while let c = chunk.first {
            if !failed && s.isEmpty { failed = true }
            switch c {
            case "[":
                var r: Unicode.Scalar = "\0"
                if !failed { r = s.removeFirst() }
                chunk = chunk.dropFirst()
                var negated = false
                if chunk.first == "^" { negated = true; chunk = chunk.dropFirst() }
                var matched = false
                var ranges = 0
                while true {
                    if chunk.first == "]" && ranges > 0 { chunk = chunk.dropFirst(); break }
                    let lo = try escaped(&chunk)
                    var hi = lo
                    if chunk.first == "-" {
                        chunk = chunk.dropFirst()
                        hi = try escaped(&chunk)
                    }
                    if lo <= r && r <= hi { matched = true }
                    ranges += 1
                }
                if matched == negated { failed = true }
            case "?":
                if !failed {
                    if s.first == "/" { failed = true }
                    s = s.dropFirst()
                }
                chunk = chunk.dropFirst()
            default:
                var literal = c
                if c == "\\" {
                    chunk = chunk.dropFirst()
                    guard let e = chunk.first else { throw BadPattern() }
                    literal = e
                }
                if !failed {
                    if s.first != literal { failed = true }
                    s = s.dropFirst()
                }
                chunk = chunk.dropFirst()
            }
        }
        return failed ? ([], false) : (s, true)
    }

    private static func escaped(_ chunk: inout Scalars) throws(BadPattern) -> Unicode.Scalar {
        guard let first = chunk.first, first != "-", first != "]" else { throw BadPattern() }
        if first == "\\" {
            chunk = chunk.dropFirst()
            guard !chunk.isEmpty else { throw BadPattern() }
        }
        let r = chunk.removeFirst()
        if chunk.isEmpty { throw BadPattern() }
        return r
    }
}

extension Reference {
    /// Docker's FamiliarMatch: the pattern against the familiar string, then the familiar name.
    public func familiarMatch(_ pattern: String) throws(PathMatch.BadPattern) -> Bool {
        if try PathMatch.match(pattern, familiarString) { return true }
        return (try? PathMatch.match(pattern, familiarName)) ?? false
    }
}
