import Digest
import Images
import LinuxSys

extension RegistryClient {
    /// Downloads a blob into a temp file of the content store, hashing it as it streams
    /// (a BlobStream: broken connections resume with `Range`). The file returned has the
    /// descriptor's size and digest; the caller adopts or discards it. `progress` gets the
    /// byte count so far and may throw to abandon the download.
    public func fetchBlob(repository: String, descriptor: Descriptor, into store: ContentStore, attempts: Int = 5,
                          progress: @escaping (Int64) throws -> Void = { _ in }) throws(RegistryError) -> SpooledFile {
        var stream: BlobStream?
        let file: SpooledFile
        do {
            file = try store.spool { sink in
                let s = BlobStream(client: self, repository: repository, descriptor: descriptor, sink: sink,
                                   attempts: attempts, progress: progress)
                stream = s
                try s.drain()
            }
        } catch {
            throw stream?.failure ?? .store(error)
        }
        try verify(file, descriptor, repository: repository)
        return file
    }

    /// Checks a downloaded blob against its descriptor; a mismatch discards it.
    func verify(_ file: SpooledFile, _ d: Descriptor, repository: String) throws(RegistryError) {
        guard file.size == d.size, file.digest == d.digest else {
            file.discard()
            throw .invalid("failed to verify blob \(d.digest) from \(domain)/\(repository): got \(file.size) bytes with digest \(file.digest), expected \(d.size) bytes")
        }
    }

    /// The size of a blob the registry has, nil when it has none (push skips those it has).
    public func blobSize(repository: String, digest: Digest, push: Bool = false) throws(RegistryError) -> Int64? {
        try withRetries { () throws(RegistryError) -> Int64? in
            let resp = try request("HEAD", "/v2/\(repository)/blobs/\(digest)", scopes: [Self.scope(repository, push: push)])
            defer { resp.close() }
            if resp.status == 404 { return nil }
            guard resp.status == 200 else { throw failure(resp, "blob \(digest) of \(domain)/\(repository)") }
            return resp.contentLength ?? 0
        }
    }
}
