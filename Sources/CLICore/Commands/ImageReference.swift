/// An image reference normalized as distribution/reference does: `busybox` is
/// `docker.io/library/busybox:latest`, shown back as `busybox:latest`.
struct ImageReference {
    var domain: String
    var path: String
    var tag: String?
    var digest: String?

    init(_ s: String) {
        var rest = s
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
        }
        // A tag is a `:` after the last `/` (a `:` before it is a registry port).
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        let first = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? rest
        if rest.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first) {
            domain = first
            path = String(rest.dropFirst(first.count + 1))
        } else {
            domain = "docker.io"
            path = rest
        }
        if domain == "index.docker.io" { domain = "docker.io" }
        if domain == "docker.io" && !path.contains("/") { path = "library/" + path }
        if tag == nil && digest == nil { tag = "latest" }
    }

    /// `docker.io/library/busybox`.
    var name: String { domain + "/" + path }

    /// reference.FamiliarName: `busybox`, `user/app`, `ghcr.io/x/y`.
    var familiarName: String {
        guard domain == "docker.io" else { return name }
        return path.hasPrefix("library/") ? String(path.dropFirst(8)) : path
    }

    /// reference.FamiliarString: `busybox:latest`, `busybox@sha256:...`.
    var familiarString: String {
        var s = familiarName
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest }
        return s
    }

    /// The `tag` query parameter of `POST /images/create`: the tag, or the digest.
    var apiTag: String { digest ?? tag ?? "latest" }
}
