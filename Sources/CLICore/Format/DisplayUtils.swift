import JSON

/// displayutils: ids and long strings shortened the way the docker CLI shows them.
enum Display {
    /// stringid.TruncateID: without a `sha256:` prefix, 12 characters.
    static func truncateID(_ id: String) -> String {
        var s = Substring(id)
        if let colon = s.firstIndex(of: ":") { s = s[s.index(after: colon)...] }
        return String(s.prefix(12))
    }

    /// Ellipsis: at most `max` display columns, the last one `…` when cut.
    static func ellipsis(_ s: String, _ max: Int) -> String {
        if max <= 0 { return "" }
        let chars = Array(s)
        if max == 1 { return chars.first.map(String.init) ?? "" }
        if displayWidth(s) <= max { return s }
        var out = ""
        var w = 0
        for c in chars {
            let cw = displayWidth(String(c))
            if w + cw > max - 1 { break }
            out.append(c)
            w += cw
        }
        return out + "…"
    }

    /// reference.FamiliarString: `docker.io/library/` dropped, as `docker ps` shows images.
    static func familiarImage(_ ref: String) -> String {
        var s = ref
        if s.hasPrefix("docker.io/library/") { s = String(s.dropFirst("docker.io/library/".count)) } else if s.hasPrefix("docker.io/") {
            s = String(s.dropFirst("docker.io/".count))
        } else if s.hasPrefix("index.docker.io/library/") { s = String(s.dropFirst("index.docker.io/library/".count)) }
        return s
    }

    /// The image column of `ps`: a digest-pinned reference without its digest (tag kept).
    static func imageForList(image: String, imageID: String, trunc: Bool) -> String {
        if image.isEmpty { return "<no image>" }
        if !trunc { return image }
        if truncateID(imageID) == truncateID(image) { return truncateID(image) }
        var ref = image
        if let at = ref.range(of: "@") {
            let digest = ref[at.upperBound...]
            // Only a valid digest is removed; an invalid reference is shown as it is.
            guard isDigest(String(digest)) else { return image }
            ref = String(ref[..<at.lowerBound])
        }
        return familiarImage(ref)
    }

    /// `sha256:` + 64 hex digits (or `sha512:` + 128), as distribution/reference accepts.
    static func isDigest(_ d: String) -> Bool {
        let (algo, hex) = d.cut(":")
        guard let hex else { return false }
        let want = algo == "sha256" ? 64 : algo == "sha512" ? 128 : 0
        return want > 0 && hex.count == want && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// DisplayablePorts: `0.0.0.0:8080->80/tcp, 443/tcp`, consecutive ports grouped into ranges.
    static func ports(_ ports: [JSONValue]) -> String {
        struct P { var ip: String; var priv: Int; var pub: Int; var type: String }
        var list = ports.map { P(ip: $0["IP"].stringValue, priv: $0["PrivatePort"].int, pub: $0["PublicPort"].int, type: $0["Type"].stringValue) }
        list.sort { a, b in
            if a.priv != b.priv { return a.priv < b.priv }
            if a.ip != b.ip { return ipLess(a.ip, b.ip) }
            if a.pub != b.pub { return a.pub < b.pub }
            return a.type < b.type
        }
        var groups: [String: (Int, Int)] = [:]
        var order: [String] = []
        var result: [String] = []
        var hostMappings: [String] = []
        for p in list {
            var key = p.type
            if !p.ip.isEmpty {
                if p.pub != p.priv {
                    hostMappings.append("\(joinHostPort(p.ip, String(p.pub)))->\(p.priv)/\(p.type)")
                    continue
                }
                key = p.ip + "/" + p.type
            }
            guard let g = groups[key] else {
                groups[key] = (p.priv, p.priv)
                order.append(key)
                continue
            }
            if p.priv == g.1 + 1 {
                groups[key] = (g.0, p.priv)
                continue
            }
            result.append(formGroup(key, g.0, g.1))
            groups[key] = (p.priv, p.priv)
        }
        for k in order { if let g = groups[k] { result.append(formGroup(k, g.0, g.1)) } }
        return (result + hostMappings).joined(separator: ", ")
    }

    private static func formGroup(_ key: String, _ start: Int, _ last: Int) -> String {
        // The key is `type` or `ip/type`; an IPv6 address has no `/`, so the last `/` splits.
        var ip = "", type = key
        if let slash = key.lastIndex(of: "/") {
            ip = String(key[..<slash])
            type = String(key[key.index(after: slash)...])
        }
        var group = String(start)
        if start != last { group += "-\(last)" }
        if !ip.isEmpty { group = "\(joinHostPort(ip, group))->\(group)" }
        return group + "/" + type
    }

    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// netip.Addr.Less: IPv4 before IPv6, then numerically.
    private static func ipLess(_ a: String, _ b: String) -> Bool {
        let a6 = a.contains(":"), b6 = b.contains(":")
        if a6 != b6 { return !a6 }
        if !a6 {
            let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
            return x.lexicographicallyPrecedes(y)
        }
        return a < b
    }
}
