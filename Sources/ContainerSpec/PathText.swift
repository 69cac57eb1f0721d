/// Lexical path handling (Go's path.Clean semantics), for container-side paths that must
/// not touch the host's filesystem.
enum PathText {
    /// Go's path.Clean: no "." or "..", no double or trailing slash; "" becomes ".".
    static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() } else if !rooted { parts.append(part) }
                continue
            }
            parts.append(part)
        }
        let body = parts.joined(separator: "/")
        if rooted { return "/" + body }
        return body.isEmpty ? "." : body
    }

    /// Number of "/" in the cleaned path: moby sorts mounts by it, so parents mount first.
    static func depth(_ path: String) -> Int {
        clean(path).utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
    }

    static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }
}
