import Digest
import Glibc
import Images
import JSON
import LinuxSys

/// A manifest (or index) as the registry served it, its digest checked.
public struct FetchedManifest: Sendable {
    public var bytes: [UInt8]
    public var mediaType: String
    public var digest: Digest
}

/// The distribution API v2 of one registry (`127.0.0.1:5000`, `docker.io`, ...): manifests,
/// blobs and uploads, with authentication handled on the way. Registries are reached over
/// HTTPS, except loopback ones and those listed as insecure, which get plain HTTP (and
/// HTTPS after all when they answer that they speak only TLS).
public final class RegistryClient: @unchecked Sendable {
    /// The registry as references name it.
    public let domain: String
    let auth: Authenticator
    let transports: Transports
    private let lock = Lock()
    private var currentBase: HTTPURL

    /// Scheme, host and port of the registry's API (target "/").
    var base: HTTPURL { lock.with { currentBase } }

    public static let manifestAccept = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList,
                                        MediaType.dockerManifest].joined(separator: ", ")

    /// `insecure` lists registries (host or host:port) to reach over plain HTTP besides
    /// loopback ones, as daemon.json's `insecure-registries`; `transports.secure` is what
    /// reaches the others.
    public init(domain: String, credentials: RegistryCredentials? = nil, insecure: [String] = [],
                transports: Transports = Transports()) throws(RegistryError) {
        self.domain = domain
        self.transports = transports
        auth = Authenticator(credentials: credentials, transports: transports)
        if domain == Reference.defaultDomain {
            currentBase = transports.dockerIO.with(target: "/")
            return
        }
        let scheme = RegistryClient.isInsecure(domain: domain, host: (try? HTTPURL.splitHostPort(domain, defaultPort: 443))?.0 ?? domain,
                                               insecure: insecure) ? "http" : "https"
        let (host, port) = try HTTPURL.splitHostPort(domain, defaultPort: HTTPURL.defaultPort(scheme))
        currentBase = HTTPURL(scheme: scheme, host: host, port: port, target: "/")
    }

    static func isInsecure(domain: String, host: String, insecure: [String]) -> Bool {
        if host == "localhost" || host == "::1" || insecure.contains(domain) || insecure.contains(host) { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    static func scope(_ repository: String, push: Bool = false) -> String {
        "repository:\(repository):" + (push ? "pull,push" : "pull")
    }

    // MARK: requests

    /// Sends a request to the registry, answering auth challenges once and following
    /// redirects (blob storage behind a CDN, credentials not sent there); the caller reads
    /// and closes the response. `target` is a path or an absolute URL (upload locations).
    /// `stream` makes a streamed body afresh for each attempt (a 401 or a redirect sends the
    /// request again); `scopes` are the token scopes the request needs.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                 stream: () throws(RegistryError) -> ByteSource? = { nil }, length: Int64 = 0,
                 scopes: [String]) throws(RegistryError) -> any TransportResponse {
        var url = try base.resolving(target)
        var authorized = false
        var redirects = 0
        var upgraded = false
        while true {
            var h = headers
            let sameHost = url.host == base.host && url.port == base.port
            if sameHost, let a = auth.header(scopes: scopes) { h.append(("Authorization", a)) }
            let resp = try transports.send(HTTPClientRequest(method, url, headers: h, body: body), body: try stream(), length: length)
            if resp.status == 400 && !url.isSecure && sameHost && !upgraded && transports.secure != nil && speaksOnlyTLS(resp, url) {
                // An insecure registry that speaks only TLS: HTTPS from now on, as dockerd
                // falls back between the two for insecure registries.
                resp.close()
                upgraded = true
                let secure = HTTPURL(scheme: "https", host: url.host, port: url.port, target: "/")
                lock.with { currentBase = secure }
                url = secure.with(target: url.target)
                continue
            }
            if resp.status == 401 && sameHost && !authorized {
                resp.close()
                authorized = true
                guard let c = resp.header("www-authenticate").flatMap(AuthChallenge.parse) else {
                    throw .unauthorized("unauthorized: \(domain) answered 401 without an authentication challenge")
                }
                try auth.respond(to: c, scopes: scopes, registry: domain)
                continue
            }
            if [301, 302, 303, 307, 308].contains(resp.status), let loc = resp.header("location") {
                resp.close()
                redirects += 1
                guard redirects <= 5 else { throw .invalid("\(domain): too many redirects for \(target)") }
                url = try url.resolving(loc)
                continue
            }
            return resp
        }
    }

    /// Whether a 400 came from a TLS server that got plain HTTP (Go's servers answer "Client
    /// sent an HTTP request to an HTTPS server."). HEAD answers carry no text: ask /v2/.
    private func speaksOnlyTLS(_ resp: any TransportResponse, _ url: HTTPURL) -> Bool {
        let marker = "HTTP request to an HTTPS server"
        if let text = try? resp.readBody(limit: 4096), String(decoding: text, as: UTF8.self).contains(marker) { return true }
        guard let probe = try? transports.send(HTTPClientRequest("GET", url.with(target: "/v2/"))) else { return false }
        defer { probe.close() }
        return probe.status == 400 && (try? probe.readBody(limit: 4096)).map { String(decoding: $0, as: UTF8.self).contains(marker) } == true
    }

    /// The error a non-success answer stands for, with the registry's own error text.
    func failure(_ resp: any TransportResponse, _ what: String) -> RegistryError {
        let body = (try? resp.readBody(limit: 64 << 10)) ?? []
        resp.close()
        // A HEAD answer has no body: say what the status means, in the registry's words.
        let fallback = [401: "unauthorized: authentication required", 403: "denied: requested access to the resource is denied"]
        let detail = RegistryClient.errorText(body) ?? fallback[resp.status] ?? "status \(resp.status)"
        switch resp.status {
        case 401, 403: return .unauthorized("\(what): \(detail)")
        case 404: return .notFound("\(what) not found: \(detail)")
        default: return .status(resp.status, "\(what): received unexpected HTTP status: \(resp.status): \(detail)")
        }
    }

    private struct ErrorBody: Decodable {
        struct Item: Decodable { var code: String?; var message: String? }
        var errors: [Item]?
    }

    /// "manifest unknown: manifest unknown", as docker renders a distribution error.
    static func errorText(_ body: [UInt8]) -> String? {
        guard let e = try? JSON.decode(ErrorBody.self, from: body), let first = e.errors?.first else { return nil }
        let code = (first.code ?? "unknown").lowercased().replacingUnderscores
        return first.message.map { "\(code): \($0)" } ?? code
    }

    // MARK: manifests

    /// GET (or, with `head`, HEAD) a manifest by tag or digest. A digest reference must
    /// match the content; a tag's digest is the content's, checked against the
    /// Docker-Content-Digest header when the registry sends one.
    public func manifest(repository: String, reference: String, displayName: String) throws(RegistryError) -> FetchedManifest {
        try withRetries { () throws(RegistryError) -> FetchedManifest in
            let resp = try request("GET", "/v2/\(repository)/manifests/\(reference)", headers: [("Accept", Self.manifestAccept)],
                                   scopes: [Self.scope(repository)])
            guard resp.status == 200 else { throw failure(resp, "manifest for \(displayName)") }
            defer { resp.close() }
            let bytes = try resp.readBody(limit: 4 << 20)
            let digest = Digest.sha256(of: bytes)
            if let expected = try? Digest(parsing: reference), expected != digest {
                throw .invalid("manifest for \(displayName): the registry sent content with digest \(digest), not \(expected)")
            }
            if let h = resp.header("docker-content-digest"), let d = try? Digest(parsing: h), d != digest {
                throw .invalid("manifest for \(displayName): content digest \(digest) does not match the Docker-Content-Digest header \(d)")
            }
            var type = resp.header("content-type") ?? ""
            if let semi = type.firstIndex(of: ";") { type = String(type[..<semi]) }
            if let declared = try? JSON.decode(MediaTypeOnly.self, from: bytes).mediaType, !declared.isEmpty { type = declared }
            return FetchedManifest(bytes: bytes, mediaType: type, digest: digest)
        }
    }

    private struct MediaTypeOnly: Decodable { var mediaType: String? }

    // MARK: retries

    /// Runs `body` again after 0.5, 1, 2, 4 s while it fails with a retryable error.
    func withRetries<T>(attempts: Int = 5, _ body: () throws(RegistryError) -> T) throws(RegistryError) -> T {
        var delay = 0.5
        var attempt = 1
        while true {
            do { return try body() } catch {
                guard error.isRetryable, attempt < attempts else { throw error }
                attempt += 1
                sleepSeconds(delay)
                delay *= 2
            }
        }
    }
}

func sleepSeconds(_ s: Double) {
    var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - s.rounded(.down)) * 1e9))
    var left = timespec()
    while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
