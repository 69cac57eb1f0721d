import Digest
import Images
import LinuxSys

/// A blob's bytes as the registry sends them, each also written to `sink` (a spool file of
/// the content store) before it is handed on, so a layer unpacks from the download itself
/// and the stored blob is exactly what was unpacked. A broken connection is retried with
/// back-off, resuming with `Range` from the bytes already passed on (or skipping them again
/// when the registry ignores ranges): the reader sees one seamless stream. More bytes than
/// the descriptor's size is an error, and so is a body that stays short.
final class BlobStream: ByteSource {
    private let client: RegistryClient
    private let repository: String
    private let descriptor: Descriptor
    private let sink: ByteSink
    private let progress: (Int64) throws -> Void
    private let attempts: Int
    private var response: (any TransportResponse)?
    private var skip: Int64 = 0
    private var attempt = 1
    private var delay = 0.5
    private var ended = false
    /// Bytes passed on (and written to the sink).
    private(set) var received: Int64 = 0
    /// The registry error this stream failed with: what the pull reports, rather than the
    /// unpack error it surfaces as further down the chain.
    private(set) var failure: RegistryError?

    init(client: RegistryClient, repository: String, descriptor: Descriptor, sink: ByteSink, attempts: Int = 5,
         progress: @escaping (Int64) throws -> Void) {
        self.client = client
        self.repository = repository
        self.descriptor = descriptor
        self.sink = sink
        self.attempts = attempts
        self.progress = progress
    }

    deinit { response?.close() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failure { throw failure }
        if buffer.isEmpty || ended { return 0 }
        while true {
            do {
                guard let n = try next(into: buffer) else { continue }
                if n > 0 {
                    try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    received += Int64(n)
                    try progress(received)
                }
                return n
            } catch let e as RegistryError {
                response?.close()
                response = nil
                guard e.isRetryable, attempt < attempts else { failure = e; throw e }
                attempt += 1
                sleepSeconds(delay)
                delay *= 2
            }
        }
    }

    /// Reads the rest into the sink: a blob is stored whole even when its consumer stopped
    /// early (or failed: a corrupt download is then told apart from a bad layer).
    func drain() throws {
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buf.deallocate() }
        while try read(into: buf) > 0 {}
    }

    /// Bytes of the body in `buffer` (moved to its front when some had to be skipped);
    /// nil when there is nothing yet to return; 0 at the end of the blob.
    private func next(into buffer: UnsafeMutableRawBufferPointer) throws(RegistryError) -> Int? {
        let resp: any TransportResponse
        if let r = response { resp = r } else { resp = try open() }
        let n: Int
        do { n = try resp.read(into: buffer) } catch let e as RegistryError { throw e } catch {
            throw .transport("read blob \(descriptor.digest): \(error)")
        }
        if n == 0 {
            resp.close()
            response = nil
            if received < descriptor.size {
                // A body that ended cleanly but short (Content-Length lied, or a proxy cut it).
                throw .transport("blob \(descriptor.digest): the connection ended after \(received) of \(descriptor.size) bytes")
            }
            ended = true
            return 0
        }
        var start = 0
        if skip > 0 {
            start = Int(min(skip, Int64(n)))
            skip -= Int64(start)
            if start == n { return nil }
            if let base = buffer.baseAddress { base.copyMemory(from: base + start, byteCount: n - start) }
        }
        let count = n - start
        if received + Int64(count) > descriptor.size {
            throw .invalid("blob \(descriptor.digest): the registry sent more than its \(descriptor.size) bytes")
        }
        return count
    }

    /// A GET of the blob from what was already passed on.
    private func open() throws(RegistryError) -> any TransportResponse {
        let headers: [(String, String)] = received > 0 ? [("Range", "bytes=\(received)-")] : []
        let resp = try client.request("GET", "/v2/\(repository)/blobs/\(descriptor.digest)", headers: headers,
                                      scopes: [RegistryClient.scope(repository)])
        switch resp.status {
        case 200: skip = received
        case 206:
            guard let range = resp.header("content-range"), range.hasPrefix("bytes \(received)-") else {
                resp.close()
                throw .invalid("blob \(descriptor.digest): the registry answered a range request with \(resp.header("content-range") ?? "no Content-Range")")
            }
            skip = 0
        default: throw client.failure(resp, "blob \(descriptor.digest) of \(client.domain)/\(repository)")
        }
        response = resp
        return resp
    }
}
