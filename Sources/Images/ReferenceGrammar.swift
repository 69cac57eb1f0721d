/// distribution/reference's regular expressions as hand-written matchers over UTF-8:
///
///     reference  := name [ ":" tag ] [ "@" digest ]
///     name       := [domain "/"] remote-name
///     domain     := host [":" port]          host := domain-name | "[" ipv6 "]"
///     remote-name:= component ("/" component)*
///     component  := [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)*
///     tag        := [\w][\w.-]{0,127}
///     digest     := [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,}
enum ReferenceGrammar {
    typealias Bytes = ArraySlice<UInt8>

    struct Parts {
        var name: Bytes
        var tag: Bytes?
        var digest: Bytes?
    }

    /// The anchored ReferenceRegexp; nil when the text does not match.
    static func match(_ s: Bytes) -> Parts? {
        var rest = s
        var digest: Bytes?
        // Neither a name nor a tag holds "@", so the first one starts the digest.
        if let at = rest.firstIndex(of: UInt8(ascii: "@")) {
            let d = rest[(at + 1)...]
            guard isDigest(d) else { return nil }
            digest = d
            rest = rest[..<at]
        }
        // A ":" after the last "/" can only start the tag (a domain's port is followed by "/").
        let lastSlash = rest.lastIndex(of: UInt8(ascii: "/")) ?? rest.startIndex
        var tag: Bytes?
        if let colon = rest[lastSlash...].firstIndex(of: UInt8(ascii: ":")) {
            let t = rest[(colon + 1)...]
            guard isTag(t) else { return nil }
            tag = t
            rest = rest[..<colon]
        }
        guard isName(rest) else { return nil }
        return Parts(name: rest, tag: tag, digest: digest)
    }

    /// Splits a valid name the way the anchored name regexp captures it: the first
    /// component is the domain whenever it can be one.
    static func splitName(_ name: Bytes) -> (domain: Bytes, path: Bytes) {
        if let slash = name.firstIndex(of: UInt8(ascii: "/")), isDomainAndPort(name[..<slash]),
           isRemoteName(name[(slash + 1)...]) {
            return (name[..<slash], name[(slash + 1)...])
        }
        return (name[name.startIndex..<name.startIndex], name)
    }

    static func isName(_ s: Bytes) -> Bool {
        if isRemoteName(s) { return true }
        guard let slash = s.firstIndex(of: UInt8(ascii: "/")) else { return false }
        return isDomainAndPort(s[..<slash]) && isRemoteName(s[(slash + 1)...])
    }

    static func isRemoteName(_ s: Bytes) -> Bool {
        guard !s.isEmpty else { return false }
        return s.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy(isPathComponent)
    }

    static func isPathComponent(_ s: Bytes) -> Bool {
        var i = s.startIndex
        func alnumRun() -> Bool {
            let start = i
            while i < s.endIndex, isLowerAlnum(s[i]) { i += 1 }
            return i > start
        }
        guard alnumRun() else { return false }
        while i < s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: ".") {
                i += 1
            } else if c == UInt8(ascii: "_") {
                i += 1
                if i < s.endIndex, s[i] == UInt8(ascii: "_") { i += 1 }
            } else if c == UInt8(ascii: "-") {
                while i < s.endIndex, s[i] == UInt8(ascii: "-") { i += 1 }
            } else {
                return false
            }
            guard alnumRun() else { return false }
        }
        return true
    }

    static func isDomainAndPort(_ s: Bytes) -> Bool {
        var host = s
        // An optional ":port" ends it; an IPv6 host has its colons inside brackets.
        let searchFrom = s.first == UInt8(ascii: "[") ? (s.firstIndex(of: UInt8(ascii: "]")) ?? s.endIndex) : s.startIndex
        if let colon = s[searchFrom...].firstIndex(of: UInt8(ascii: ":")) {
            let port = s[(colon + 1)...]
            guard !port.isEmpty, port.allSatisfy(isDigit) else { return false }
            host = s[..<colon]
        }
        if host.first == UInt8(ascii: "[") {
            guard host.count > 2, host.last == UInt8(ascii: "]") else { return false }
            return host.dropFirst().dropLast().allSatisfy { isHex($0) || $0 == UInt8(ascii: ":") }
        }
        guard !host.isEmpty else { return false }
        return host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { c in
            guard let first = c.first, let last = c.last, isAlnum(first), isAlnum(last) else { return false }
            return c.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isTag(_ s: Bytes) -> Bool {
        guard let first = s.first, isWord(first), s.count <= 128 else { return false }
        return s.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isDigest(_ s: Bytes) -> Bool {
        guard let colon = s.firstIndex(of: UInt8(ascii: ":")) else { return false }
        let algorithm = s[..<colon], hex = s[(colon + 1)...]
        guard hex.count >= 32, hex.allSatisfy(isHex) else { return false }
        let parts = algorithm.split(omittingEmptySubsequences: false) { "-_+.".utf8.contains($0) }
        return parts.allSatisfy { p in
            guard let first = p.first, isAlpha(first) else { return false }
            return p.allSatisfy { isAlpha($0) || isDigit($0) }
        }
    }

    /// 64 lowercase hex digits: an image ID, never a repository name.
    static func isIdentifier(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { isDigit($0) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    static func isAlpha(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }
    static func isAlnum(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) }
    static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || isDigit(c) }
    static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") }
    static func isHex(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }
}
