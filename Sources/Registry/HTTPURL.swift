/// An absolute http or https URL split into what a request needs.
public struct HTTPURL: Sendable, Equatable, CustomStringConvertible {
    /// "http" or "https".
    public var scheme: String
    public var host: String
    public var port: UInt16
    /// Path and query, starting with "/".
    public var target: String

    public init(scheme: String = "http", host: String, port: UInt16, target: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = target
    }

    public var isSecure: Bool { scheme == "https" }

    static func defaultPort(_ scheme: String) -> UInt16 { scheme == "https" ? 443 : 80 }

    /// `http[s]://host[:port]/path?query`.
    public init(parsing text: String) throws(RegistryError) {
        var rest = Substring(text)
        let lower = rest.lowercased()
        if lower.hasPrefix("https://") {
            scheme = "https"
            rest = rest.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            scheme = "http"
            rest = rest.dropFirst(7)
        } else {
            throw .invalid("invalid URL \"\(text)\": only http:// and https:// are supported")
        }
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        var t = String(rest[slash...])
        if t.isEmpty { t = "/" } else if t.hasPrefix("?") { t = "/" + t }
        let (h, p) = try HTTPURL.splitHostPort(String(authority), defaultPort: HTTPURL.defaultPort(scheme))
        host = h
        port = p
        target = t
    }

    /// `host`, `host:port`, `[v6]:port`.
    static func splitHostPort(_ s: String, defaultPort: UInt16) throws(RegistryError) -> (String, UInt16) {
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw .invalid("invalid host \"\(s)\"") }
            let host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            if after.isEmpty { return (host, defaultPort) }
            guard after.hasPrefix(":"), let p = UInt16(after.dropFirst()) else { throw .invalid("invalid port in \"\(s)\"") }
            return (host, p)
        }
        guard let colon = s.lastIndex(of: ":") else {
            guard !s.isEmpty else { throw .invalid("empty host in URL") }
            return (s, defaultPort)
        }
        guard let p = UInt16(s[s.index(after: colon)...]) else { throw .invalid("invalid port in \"\(s)\"") }
        return (String(s[..<colon]), p)
    }

    /// The Host header value: the port only when it is not the scheme's default.
    public var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == HTTPURL.defaultPort(scheme) ? h : "\(h):\(port)"
    }

    public var description: String { "\(scheme)://\(authority)\(target)" }

    /// Same scheme, host and port: credentials for the registry may be sent.
    public func sameOrigin(_ other: HTTPURL) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }

    /// This URL with another path and query.
    public func with(target: String) -> HTTPURL { HTTPURL(scheme: scheme, host: host, port: port, target: target) }

    /// A Location header resolved against this URL: absolute, scheme-relative (`//host/x`),
    /// absolute-path or relative to this URL's path.
    public func resolving(_ location: String) throws(RegistryError) -> HTTPURL {
        if location.hasPrefix("//") { return try HTTPURL(parsing: scheme + ":" + location) }
        if location.hasPrefix("/") { return with(target: location) }
        let lower = location.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return try HTTPURL(parsing: location) }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let dir = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return with(target: dir + location)
    }

    /// `%`-escapes a query value (RFC 3986 unreserved characters pass).
    public static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
