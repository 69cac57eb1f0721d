import Digest
import Images
import LinuxSys

extension RegistryClient {
    /// Downloads a blob into a temp file of the content store, hashing it as it streams.
    /// A broken connection is retried with back-off, resuming with `Range` from the bytes
    /// already written (or skipping them again when the registry ignores ranges). The file
    /// returned has the descriptor's size and digest; the caller adopts or discards it.
    /// `progress` gets the byte count so far and may throw to abandon the download.
    public func fetchBlob(repository: String, descriptor: Descriptor, into store: ContentStore, attempts: Int = 5,
                          progress: (Int64) throws -> Void = { _ in }) throws(RegistryError) -> SpooledFile {
        var received: Int64 = 0
        var captured: RegistryError?
        let file: SpooledFile
        do {
            file = try store.spool { sink in
                var delay = 0.5
                var attempt = 1
                while true {
                    do {
                        try transfer(repository, descriptor, from: received, to: sink) { n in
                            received += n
                            try progress(received)
                        }
                        return
                    } catch let e as RegistryError {
                        guard e.isRetryable, attempt < attempts else { captured = e; throw e }
                        attempt += 1
                        sleepSeconds(delay)
                        delay *= 2
                    }
                }
            }
        } catch {
            throw captured ?? .store(error)
        }
        guard file.size == descriptor.size, file.digest == descriptor.digest else {
            file.discard()
            throw .invalid("failed to verify blob \(descriptor.digest) from \(domain)/\(repository): got \(file.size) bytes with digest \(file.digest), expected \(descriptor.size) bytes")
        }
        return file
    }

    /// One GET of the blob from `offset` on, its bytes written to `sink`.
    private func transfer(_ repository: String, _ d: Descriptor, from offset: Int64, to sink: ByteSink,
                          wrote: (Int64) throws -> Void) throws {
        let headers: [(String, String)] = offset > 0 ? [("Range", "bytes=\(offset)-")] : []
        let resp = try request("GET", "/v2/\(repository)/blobs/\(d.digest)", headers: headers, scopes: [Self.scope(repository)])
        defer { resp.close() }
        var skip: Int64 = 0
        switch resp.status {
        case 200: skip = offset
        case 206:
            guard let range = resp.header("content-range"), range.hasPrefix("bytes \(offset)-") else {
                throw RegistryError.invalid("blob \(d.digest): the registry answered a range request with \(resp.header("content-range") ?? "no Content-Range")")
            }
        default: throw failure(resp, "blob \(d.digest) of \(domain)/\(repository)")
        }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buf.deallocate() }
        var total = offset
        while true {
            let n: Int
            do { n = try resp.read(into: buf) } catch let e as RegistryError { throw e } catch {
                throw RegistryError.transport("read blob \(d.digest): \(error)")
            }
            if n == 0 { break }
            var start = 0
            if skip > 0 {
                start = Int(min(skip, Int64(n)))
                skip -= Int64(start)
                if start == n { continue }
            }
            total += Int64(n - start)
            if total > d.size {
                throw RegistryError.invalid("blob \(d.digest): the registry sent more than its \(d.size) bytes")
            }
            try sink.write(UnsafeRawBufferPointer(rebasing: buf[start..<n]))
            try wrote(Int64(n - start))
        }
        if total < d.size {
            // A body that ended cleanly but short (Content-Length lied, or a proxy cut it).
            throw RegistryError.transport("blob \(d.digest): the connection ended after \(total) of \(d.size) bytes")
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
