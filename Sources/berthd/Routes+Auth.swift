import HTTP
import JSON
import Registry

extension Daemon {
    /// The pull/push options of a request: daemon.json's registry settings and the
    /// credentials of its X-Registry-Auth header.
    func registryOptions(_ req: HTTPRequest) -> PullOptions {
        var o = PullOptions(maxConcurrentDownloads: options.maxConcurrentDownloads,
                            credentials: AuthConfig.fromHeader(req.headers["X-Registry-Auth"])?.credentials,
                            insecureRegistries: options.insecureRegistries, mirrors: options.registryMirrors,
                            transports: registryTransports)
        o.uploadChunkSize = options.uploadChunkSize
        return o
    }

    private struct AuthResponse: Encodable {
        var Status: String
        var IdentityToken: String
    }

    /// `POST /auth` (docker login): checks the credentials against the registry; berthd
    /// stores nothing, the client keeps them in its config.json.
    func checkAuth(_ req: HTTPRequest) throws -> HTTPResponse {
        guard let config = try? JSON.decode(AuthConfig.self, from: req.body) else {
            throw HTTPError(status: 400, message: "invalid JSON body for /auth")
        }
        guard let credentials = config.credentials else {
            throw HTTPError(status: 400, message: "Error: Non-null Username Required")
        }
        let domain = AuthConfig.domain(ofServer: config.serveraddress)
        do {
            try RegistryClient(domain: domain, credentials: credentials, insecure: options.insecureRegistries,
                               transports: registryTransports).login()
        } catch {
            if case .unauthorized(let m) = error { throw HTTPError(status: 401, message: m) }
            throw HTTPError(status: error.httpStatus == 404 ? 500 : error.httpStatus, message: error.description)
        }
        return try Self.json(AuthResponse(Status: "Login Succeeded", IdentityToken: ""))
    }
}
