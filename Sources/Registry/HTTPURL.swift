/// An absolute http URL split into what a request needs. https is refused for now: this
/// client speaks plain HTTP only (loopback and insecure registries).
public struct HTTPURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    /// Path and query, starting with "/".
    public var target: String

    public init(host: String, port: UInt16, target: String) {
        self.host = host
        self.port = port
        self.target = target
    }

    /// `http://host[:port]/path?query`; https gives the "not supported yet" error.
    public init(parsing text: String) throws(RegistryError) {
        var rest = Substring(text)
        if rest.lowercased().hasPrefix("https://") {
            throw .unsupported("https registries are not supported yet (\(text)); use a plain-HTTP registry on 127.0.0.0/8 or one listed in insecure-registries")
        }
        guard rest.lowercased().hasPrefix("http://") else { throw .invalid("invalid URL \"\(text)\": only http:// is supported") }
        rest = rest.dropFirst(7)
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        var t = String(rest[slash...])
        if t.isEmpty { t = "/" } else if t.hasPrefix("?") { t = "/" + t }
        let (h, p) = try HTTPURL.splitHostPort(String(authority), defaultPort: 80)
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

    /// The Host header value.
    public var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? h : "\(h):\(port)"
    }

    public var description: String { "http://\(authority)\(target)" }

    /// A Location header resolved against this URL.
    public func resolving(_ location: String) throws(RegistryError) -> HTTPURL {
        if location.hasPrefix("/") { return HTTPURL(host: host, port: port, target: location) }
        return try HTTPURL(parsing: location)
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
