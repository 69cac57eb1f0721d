import JSON
import LinuxSys

/// Docker's client config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
/// `auths` maps a registry to `{"auth": base64(user:password)}`; other keys are kept as they are.
struct DockerConfig {
    let path: String
    var object: JSONObject

    /// The key `auths` uses for a registry: docker.io is Docker's index URL.
    static func key(_ domain: String) -> String { domain == "docker.io" ? "https://index.docker.io/v1/" : domain }

    static func load(_ environment: [String: String]) throws -> DockerConfig {
        let dir = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "/root") + "/.docker")
        let path = dir + "/config.json"
        guard let bytes = try? FileIO.read(path: path), !bytes.isEmpty else { return DockerConfig(path: path, object: JSONObject()) }
        guard case .object(let o)? = try? JSON.parse(bytes) else {
            throw CLIError("loading config file: \(path): invalid JSON; fix or remove it")
        }
        return DockerConfig(path: path, object: o)
    }

    /// The helper keeping `domain`'s credentials: `credHelpers[server]`, else `credsStore`.
    func helper(_ domain: String) -> CredentialHelper? {
        if case .object(let helpers)? = object["credHelpers"], case .string(let name)? = helpers[Self.key(domain)] ?? helpers[domain],
           !name.isEmpty { return CredentialHelper(name: name) }
        if case .string(let name)? = object["credsStore"], !name.isEmpty { return CredentialHelper(name: name) }
        return nil
    }

    /// The stored user and password for `domain`, from its credential helper if it has one.
    func credentials(_ domain: String) throws -> (username: String, password: String)? {
        if let helper = helper(domain) { return try helper.get(Self.key(domain)) }
        guard case .object(let auths)? = object["auths"], case .object(let entry)? = auths[Self.key(domain)] ?? auths["https://" + domain],
              case .string(let auth)? = entry["auth"], let raw = Base64.decode(auth) else { return nil }
        let text = String(decoding: raw, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// Stores (or with nil erases) `domain`'s credentials. With a helper, `auths` keeps only
    /// an empty entry naming the server, as the docker CLI leaves it.
    mutating func set(_ domain: String, username: String?, password: String?) throws {
        var auths: JSONObject
        if case .object(let a)? = object["auths"] { auths = a } else { auths = JSONObject() }
        if let helper = helper(domain) {
            if let username, let password {
                try helper.store(Self.key(domain), username: username, password: password)
                auths[Self.key(domain)] = .object(JSONObject())
            } else {
                try helper.erase(Self.key(domain))
                auths[Self.key(domain)] = nil
            }
        } else if let username, let password {
            auths[Self.key(domain)] = .object(JSONObject([("auth", .string(Base64.encode(Array("\(username):\(password)".utf8))))]))
        } else {
            auths[Self.key(domain)] = nil
        }
        object["auths"] = .object(auths)
    }

    func save() throws {
        try FileIO.mkdirAll(FileIO.parent(of: path), mode: 0o700)
        var bytes = JSON.serialize(.object(object), options: JSONWriteOptions(sortedKeys: false, indent: .tab))
        bytes.append(UInt8(ascii: "\n"))
        do { try FileIO.writeAtomic(path, bytes, mode: 0o600, durable: true) } catch {
            throw CLIError("error saving credentials: \(error)")
        }
    }

    /// The X-Registry-Auth header for `domain`: base64url JSON, `{}` when nothing is stored.
    func registryAuthHeader(_ domain: String) throws -> String {
        guard let c = try credentials(domain) else { return "e30=" }
        let json = JSONValue.object(JSONObject([("username", .string(c.username)), ("password", .string(c.password)),
                                                ("serveraddress", .string(Self.key(domain)))]))
        return String(Base64.encode(JSON.serialize(json)).map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}

extension Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = bytes.count - i
            let v = UInt32(bytes[i]) << 16 | (n > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (n > 2 ? UInt32(bytes[i + 2]) : 0)
            out += [table[Int(v >> 18 & 63)], table[Int(v >> 12 & 63)], n > 1 ? table[Int(v >> 6 & 63)] : 61, n > 2 ? table[Int(v & 63)] : 61]
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
