import Digest
import Images
import LinuxSys

/// How an upload begins: the registry mounted the blob from another repository (nothing to
/// send), or an upload session to send it to.
public enum UploadStart: Sendable, Equatable {
    case mounted
    case session(HTTPURL)
}

extension RegistryClient {
    /// Opens an upload (`POST /v2/<name>/blobs/uploads/`). With `mountFrom`, another
    /// repository of this registry that has the blob, it asks for a cross-repository mount
    /// (`?mount=<digest>&from=<repo>`, with pull on that repository in the token): 201 is a
    /// mount, 202 an ordinary session to upload to.
    public func startUpload(repository: String, digest: Digest, mountFrom: String? = nil) throws(RegistryError) -> UploadStart {
        var target = "/v2/\(repository)/blobs/uploads/"
        var scopes = [Self.scope(repository, push: true)]
        if let from = mountFrom {
            target += "?mount=" + HTTPURL.escape(digest.encoded) + "&from=" + HTTPURL.escape(from)
            scopes.append(Self.scope(from))
        }
        let resp = try request("POST", target, scopes: scopes)
        if mountFrom != nil && resp.status == 201 {
            resp.close()
            return .mounted
        }
        guard resp.status == 202, let location = resp.header("location") else {
            throw failure(resp, "start upload of blob \(digest) to \(domain)/\(repository)")
        }
        resp.close()
        return .session(try base.with(target: target).resolving(location))
    }

    /// Uploads a blob whose bytes `open(offset)` streams from `offset` on; the registry
    /// checks the digest. In one PUT when `chunkSize` is 0 or the blob is no larger, else in
    /// PATCHes of `chunkSize` bytes and a closing PUT. `session` continues an upload already
    /// opened (a mount the registry declined); a failed attempt starts over with a new one.
    public func uploadBlob(repository: String, digest: Digest, size: Int64, chunkSize: Int64 = 0, session: HTTPURL? = nil,
                           open: (Int64) throws(RegistryError) -> ByteSource) throws(RegistryError) {
        var given = session
        try withRetries { () throws(RegistryError) in
            var location: HTTPURL
            if let g = given {
                location = g
                given = nil
            } else {
                guard case .session(let url) = try startUpload(repository: repository, digest: digest) else {
                    throw .invalid("\(domain): the registry answered an upload request with a mount")
                }
                location = url
            }
            var length = size
            if chunkSize > 0 && size > chunkSize {
                location = try uploadChunks(repository: repository, digest: digest, size: size, chunkSize: chunkSize,
                                            at: location, open: open)
                length = 0
            }
            location.target += (location.target.contains("?") ? "&" : "?") + "digest=" + HTTPURL.escape(digest.encoded)
            let resp = try request("PUT", location.description, headers: [("Content-Type", "application/octet-stream")],
                                   stream: { () throws(RegistryError) -> ByteSource? in length > 0 ? try open(0) : nil },
                                   length: length, scopes: [Self.scope(repository, push: true)])
            defer { resp.close() }
            guard resp.status == 201 else { throw failure(resp, "upload blob \(digest) to \(domain)/\(repository)") }
        }
    }

    /// PUTs a manifest under a tag (or digest); returns the digest the registry names it by.
    @discardableResult
    public func putManifest(repository: String, reference: String, mediaType: String, bytes: [UInt8]) throws(RegistryError) -> Digest {
        try withRetries { () throws(RegistryError) -> Digest in
            let resp = try request("PUT", "/v2/\(repository)/manifests/\(reference)", headers: [("Content-Type", mediaType)],
                                   body: bytes, scopes: [Self.scope(repository, push: true)])
            defer { resp.close() }
            guard resp.status == 201 || resp.status == 200 else { throw failure(resp, "push manifest to \(domain)/\(repository)") }
            return Digest.sha256(of: bytes)
        }
    }
}
