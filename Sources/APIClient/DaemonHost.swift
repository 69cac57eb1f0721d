/// Where the daemon listens: `unix:///run/berth/berthd.sock` or `tcp://host:port`.
public struct DaemonHost: Equatable, Sendable, CustomStringConvertible {
    public enum Address: Equatable, Sendable {
        case unix(path: String)
        case tcp(host: String, port: UInt16)
    }

    public static let defaultAddress = "unix:///run/berth/berthd.sock"

    public let address: Address

    public init(_ address: Address) { self.address = address }

    /// Parses `unix:///path`, `tcp://host:port`, `http://host:port` (as tcp), `host:port` and
    /// a bare absolute path (as unix). An empty string is the default socket.
    public init(parsing spec: String) throws(APIError) {
        let s = spec.trimmingSpaces
        if s.isEmpty { self.init(.unix(path: "/run/berth/berthd.sock")); return }
        if s.hasPrefix("/") { self.init(.unix(path: s)); return }
        if let rest = s.dropPrefix("unix://") {
            guard !rest.isEmpty else { throw .invalidArgument("invalid bind address (\(spec)): empty unix socket path") }
            self.init(.unix(path: rest))
            return
        }
        var rest = s
        for scheme in ["tcp://", "http://"] { if let r = s.dropPrefix(scheme) { rest = r } }
        if rest.contains("://") {
            throw .invalidArgument("Invalid bind address format: \(spec)")
        }
        // A path after host:port (tcp://h:p/base) is not used by the Engine API.
        if let slash = rest.firstIndex(of: "/") { rest = String(rest[..<slash]) }
        var host = rest
        var port: UInt16 = 2375
        if rest.hasPrefix("[") {
            // [::1]:2375
            guard let close = rest.firstIndex(of: "]") else { throw .invalidArgument("Invalid bind address format: \(spec)") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = UInt16(after.dropFirst()) else { throw .invalidArgument("invalid bind address (\(spec)): invalid port") }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            let p = rest[rest.index(after: colon)...]
            guard let n = UInt16(p), n > 0 else { throw .invalidArgument("invalid bind address (\(spec)): invalid port \"\(p)\"") }
            port = n
        }
        if host.isEmpty { host = "127.0.0.1" }
        self.init(.tcp(host: host, port: port))
    }

    /// The host to use: `-H`, then `BERTH_HOST`, then `DOCKER_HOST`, then the default socket.
    public static func resolve(flag: String?, environment: [String: String]) throws(APIError) -> DaemonHost {
        for candidate in [flag, environment["BERTH_HOST"], environment["DOCKER_HOST"]] {
            if let c = candidate, !c.isEmpty { return try DaemonHost(parsing: c) }
        }
        return try DaemonHost(parsing: defaultAddress)
    }

    public var description: String {
        switch address {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port):
            return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }

    /// The Host header: dockerd ignores it, Go's client sends the daemon name for unix sockets.
    var hostHeader: String {
        switch address {
        case .unix: return "api.moby.localhost"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }

    func dropPrefix(_ p: String) -> String? {
        hasPrefix(p) ? String(dropFirst(p.count)) : nil
    }
}
