import Images
import JSON

/// Docker's AuthConfig: the JSON of the X-Registry-Auth header (base64url-encoded) and of
/// `POST /auth`'s body.
public struct AuthConfig: Codable, Sendable, Equatable {
    public var username: String?
    public var password: String?
    /// `base64(user:password)`, as config.json stores it; some clients send only this.
    public var auth: String?
    public var serveraddress: String?
    public var identitytoken: String?

    public init(username: String? = nil, password: String? = nil, serveraddress: String? = nil) {
        self.username = username
        self.password = password
        self.serveraddress = serveraddress
    }

    /// Decodes an X-Registry-Auth value: base64url (or standard base64) JSON. Empty, `{}`
    /// or undecodable headers mean anonymous, as dockerd treats them.
    public static func fromHeader(_ value: String?) -> AuthConfig? {
        guard let value, !value.isEmpty, let bytes = Base64.decode(value),
              let config = try? JSON.decode(AuthConfig.self, from: bytes) else { return nil }
        return config
    }

    /// The credentials to answer challenges with; nil when there are none.
    public var credentials: RegistryCredentials? {
        if let u = username, !u.isEmpty { return RegistryCredentials(username: u, password: password ?? "") }
        if let a = auth, let raw = Base64.decode(a) {
            let text = String(decoding: raw, as: UTF8.self)
            if let colon = text.firstIndex(of: ":"), colon != text.startIndex {
                return RegistryCredentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
            }
        }
        return nil
    }

    /// The registry domain a server address names, as references spell it:
    /// `https://index.docker.io/v1/` is `docker.io`, `http://127.0.0.1:5000/` is `127.0.0.1:5000`.
    public static func domain(ofServer address: String?) -> String {
        var s = Substring(address ?? "")
        for scheme in ["https://", "http://"] where s.lowercased().hasPrefix(scheme) { s = s.dropFirst(scheme.count) }
        if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
        let host = String(s)
        switch host {
        case "", "index.docker.io", "registry-1.docker.io", "docker.io", "registry.hub.docker.com": return Reference.defaultDomain
        default: return host
        }
    }
}
