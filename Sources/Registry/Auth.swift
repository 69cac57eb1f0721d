import JSON
import LinuxSys

/// Credentials for one registry: a user and password (or identity token).
public struct RegistryCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `Basic base64(user:password)`.
    var basicHeader: String { "Basic " + Base64.encode(Array("\(username):\(password)".utf8)) }
}

/// A `WWW-Authenticate` challenge: its scheme and parameters (realm, service, scope, ...).
public struct AuthChallenge: Sendable, Equatable {
    public var scheme: String
    public var parameters: [String: String]

    /// Parses `Bearer realm="...",service="...",scope="..."` (quoted or token values).
    public static func parse(_ header: String) -> AuthChallenge? {
        let trimmed = header.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " ") else {
            return trimmed.isEmpty ? nil : AuthChallenge(scheme: trimmed.lowercased(), parameters: [:])
        }
        let scheme = trimmed[..<space].lowercased()
        var params: [String: String] = [:]
        var rest = Array(trimmed[trimmed.index(after: space)...].utf8)[...]
        while !rest.isEmpty {
            while let c = rest.first, c == UInt8(ascii: " ") || c == UInt8(ascii: ",") { rest = rest.dropFirst() }
            guard let eq = rest.firstIndex(of: UInt8(ascii: "=")) else { break }
            let key = String(decoding: rest[..<eq], as: UTF8.self).lowercased().filter { $0 != " " }
            rest = rest[(eq + 1)...]
            var value: [UInt8] = []
            if rest.first == UInt8(ascii: "\"") {
                rest = rest.dropFirst()
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == UInt8(ascii: "\\"), let n = rest.first { value.append(n); rest = rest.dropFirst(); continue }
                    if c == UInt8(ascii: "\"") { break }
                    value.append(c)
                }
            } else {
                while let c = rest.first, c != UInt8(ascii: ",") { value.append(c); rest = rest.dropFirst() }
                while value.last == UInt8(ascii: " ") { value.removeLast() }
            }
            params[key] = String(decoding: value, as: UTF8.self)
        }
        return AuthChallenge(scheme: scheme, parameters: params)
    }
}

/// Answers a registry's 401 challenges: Basic with the credentials, Bearer by fetching a
/// token from the realm (anonymously or with the credentials) for the scopes a request
/// needs (a cross-repository mount needs pull on the source besides push on the target),
/// cached per set of scopes until it expires.
final class Authenticator: @unchecked Sendable {
    let credentials: RegistryCredentials?
    let transports: Transports
    private let lock = Lock()
    private var tokens: [String: (header: String, expires: Double)] = [:]
    private var basic = false

    init(credentials: RegistryCredentials?, transports: Transports) {
        self.credentials = credentials
        self.transports = transports
    }

    /// The Authorization header to send for `scopes`, if one is known.
    func header(scopes: [String]) -> String? {
        lock.with {
            if basic, let c = credentials { return c.basicHeader }
            guard let t = tokens[scopes.joined(separator: " ")], t.expires > monotonicSeconds() else { return nil }
            return t.header
        }
    }

    /// Handles a challenge for `scopes`; after it, `header(scopes:)` has what to send.
    func respond(to challenge: AuthChallenge, scopes: [String], registry: String) throws(RegistryError) {
        switch challenge.scheme {
        case "basic":
            guard credentials != nil else {
                throw .unauthorized("no basic auth credentials for \(registry); run 'docker login \(registry)'")
            }
            lock.with { basic = true }
        case "bearer":
            guard let realm = challenge.parameters["realm"], !realm.isEmpty else {
                throw .invalid("the registry \(registry) asks for a bearer token but names no realm")
            }
            let named = (challenge.parameters["scope"] ?? "").split(separator: " ").map(String.init)
            let token = try fetchToken(realm: realm, service: challenge.parameters["service"],
                                       scopes: Self.tokenScopes(needed: scopes, named: named))
            lock.with { tokens[scopes.joined(separator: " ")] = token }
        default:
            throw .unsupported("unsupported authentication scheme \"\(challenge.scheme)\" of registry \(registry)")
        }
    }

    private struct TokenResponse: Decodable {
        var token: String?
        var access_token: String?
        var expires_in: Int?
    }

    /// What the request needs and what the registry's challenge names (space-separated), as
    /// dockerd adds `repository:<from>:pull` for a mount whatever the challenge says. The
    /// request's own scopes come first so the token asked for does not depend on which request
    /// met the challenge (distribution names `push,pull` for an upload, `pull` for a HEAD).
    static func tokenScopes(needed: [String], named: [String]) -> [String] {
        merge(needed + named)
    }

    /// `type:name:actions` scopes with one entry per resource, its actions united, in the
    /// order they first appear: `repository:a:pull` and `repository:a:push` make
    /// `repository:a:pull,push`.
    static func merge(_ scopes: [String]) -> [String] {
        var order: [String] = []
        var actions: [String: [String]] = [:]
        for s in scopes where !s.isEmpty {
            guard let colon = s.lastIndex(of: ":"), s.firstIndex(of: ":") != colon else {
                if actions[s] == nil { order.append(s); actions[s] = [] }
                continue
            }
            let resource = String(s[..<colon])
            if actions[resource] == nil { order.append(resource); actions[resource] = [] }
            for a in s[s.index(after: colon)...].split(separator: ",") where !(actions[resource] ?? []).contains(String(a)) {
                actions[resource, default: []].append(String(a))
            }
        }
        return order.map { r in actions[r].map { $0.isEmpty ? r : r + ":" + $0.joined(separator: ",") } ?? r }
    }

    /// One `scope=` parameter per scope, as the distribution token spec wants several.
    private func fetchToken(realm: String, service: String?, scopes: [String]) throws(RegistryError) -> (header: String, expires: Double) {
        var url = try HTTPURL(parsing: realm)
        var query: [String] = []
        if let service, !service.isEmpty { query.append("service=" + HTTPURL.escape(service)) }
        for scope in scopes { query.append("scope=" + HTTPURL.escape(scope)) }
        if !query.isEmpty { url.target += (url.target.contains("?") ? "&" : "?") + query.joined(separator: "&") }
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let c = credentials { headers.append(("Authorization", c.basicHeader)) }
        let resp = try transports.send(HTTPClientRequest("GET", url, headers: headers))
        defer { resp.close() }
        let body = try resp.readBody(limit: 1 << 20)
        if resp.status == 401 || resp.status == 403 {
            throw .unauthorized("unauthorized: the token server \(url.authority) refused the credentials (\(resp.status))")
        }
        guard resp.status == 200 else {
            throw .status(resp.status, "fetch token from \(url.authority): status \(resp.status): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        guard let t = try? JSON.decode(TokenResponse.self, from: body), let token = t.token ?? t.access_token, !token.isEmpty else {
            throw .invalid("the token server \(url.authority) answered without a token")
        }
        // Refresh a little early; 60 s is the distribution spec's default lifetime.
        let life = Double(max(t.expires_in ?? 60, 60))
        return ("Bearer " + token, monotonicSeconds() + life - 10)
    }
}

enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i]), b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(v >> 18 & 63)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(i + 1 < bytes.count ? table[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard or URL-safe base64, padding optional (Go's URLEncoding, as X-Registry-Auth
    /// uses, and StdEncoding, as config.json's `auth`); nil when it is neither.
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): padding += 1; continue
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return bits >= 6 || padding > 2 ? nil : out
    }
}
