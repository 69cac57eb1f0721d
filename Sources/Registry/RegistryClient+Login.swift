extension RegistryClient {
    /// Checks the credentials as `docker login` does: GET /v2/, answering the challenge
    /// (basic, or a token fetched with the credentials, no scope); a refusal is
    /// `.unauthorized` with dockerd's "login attempt ... failed" text.
    public func login() throws(RegistryError) {
        let endpoint = base.with(target: "/v2/").description
        let resp: any TransportResponse
        do { resp = try request("GET", "/v2/", scopes: []) } catch {
            if case .unauthorized(let m) = error { throw .unauthorized("login attempt to \(endpoint) failed: \(m)") }
            throw error
        }
        defer { resp.close() }
        switch resp.status {
        case 200: return
        case 401: throw .unauthorized("login attempt to \(endpoint) failed with status: 401 Unauthorized")
        case 403: throw .unauthorized("login attempt to \(endpoint) failed with status: 403 Forbidden")
        default: throw failure(resp, "login to \(endpoint)")
        }
    }
}
