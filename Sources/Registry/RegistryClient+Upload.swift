import Digest
import Images
import LinuxSys

extension RegistryClient {
    /// Uploads a blob in one PUT (POST to open the upload, PUT with the digest), its bytes
    /// streamed from `open()`; the registry checks the digest.
    public func uploadBlob(repository: String, digest: Digest, size: Int64,
                           open: () throws(RegistryError) -> ByteSource) throws(RegistryError) {
        try withRetries { () throws(RegistryError) in
            let start = try request("POST", "/v2/\(repository)/blobs/uploads/", scope: Self.scope(repository, push: true))
            guard start.status == 202, let location = start.header("location") else {
                throw failure(start, "start upload of blob \(digest) to \(domain)/\(repository)")
            }
            start.close()
            var url = try base.resolving(location)
            url.target += (url.target.contains("?") ? "&" : "?") + "digest=" + HTTPURL.escape(digest.encoded)
            let resp = try request("PUT", url.description, headers: [("Content-Type", "application/octet-stream")],
                                   stream: try open(), length: size, scope: Self.scope(repository, push: true))
            defer { resp.close() }
            guard resp.status == 201 else { throw failure(resp, "upload blob \(digest) to \(domain)/\(repository)") }
        }
    }

    /// PUTs a manifest under a tag (or digest); returns the digest the registry names it by.
    @discardableResult
    public func putManifest(repository: String, reference: String, mediaType: String, bytes: [UInt8]) throws(RegistryError) -> Digest {
        try withRetries { () throws(RegistryError) -> Digest in
            let resp = try request("PUT", "/v2/\(repository)/manifests/\(reference)", headers: [("Content-Type", mediaType)],
                                   body: bytes, scope: Self.scope(repository, push: true))
            defer { resp.close() }
            guard resp.status == 201 || resp.status == 200 else { throw failure(resp, "push manifest to \(domain)/\(repository)") }
            return Digest.sha256(of: bytes)
        }
    }
}
