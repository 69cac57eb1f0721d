import Digest
import LinuxSys

extension RegistryClient {
    /// Sends the blob in PATCHes of `chunkSize` bytes (`Content-Range: <start>-<end>`), each
    /// to the Location the previous one answered with; returns the location for the closing
    /// PUT. A chunk that breaks on the connection is resumed where the registry says the
    /// upload stands (`GET` of the location: `Range: 0-<end>`); when it cannot say, the
    /// error goes up and the caller starts the upload over.
    func uploadChunks(repository: String, digest: Digest, size: Int64, chunkSize: Int64, at start: HTTPURL,
                      open: (Int64) throws(RegistryError) -> ByteSource, resumes: Int = 4) throws(RegistryError) -> HTTPURL {
        let scopes = [Self.scope(repository, push: true)]
        var location = start
        var offset: Int64 = 0
        var resumed = 0
        var delay = 0.5
        while offset < size {
            let n = min(chunkSize, size - offset)
            let from = offset
            do throws(RegistryError) {
                let resp = try request("PATCH", location.description,
                                       headers: [("Content-Type", "application/octet-stream"), ("Content-Range", "\(from)-\(from + n - 1)")],
                                       stream: { () throws(RegistryError) -> ByteSource? in LimitedSource(try open(from), n) },
                                       length: n, scopes: scopes)
                guard resp.status == 202 else { throw failure(resp, "upload blob \(digest) to \(domain)/\(repository)") }
                if let loc = resp.header("location") { location = try location.resolving(loc) }
                resp.close()
                offset += n
            } catch {
                guard case .transport = error, resumed < resumes else { throw error }
                resumed += 1
                sleepSeconds(delay)
                delay *= 2
                guard let (at, stored) = uploadProgress(location, scopes: scopes), stored <= size else { throw error }
                location = at
                offset = stored
            }
        }
        return location
    }

    /// Where an upload stands (`GET` of its location: 204 with `Range: 0-<last byte>`): the
    /// location to continue at and the bytes the registry holds. Nil when it cannot say, or
    /// says `0-0`, which is both nothing and one byte: starting over is the safe answer.
    func uploadProgress(_ location: HTTPURL, scopes: [String]) -> (HTTPURL, Int64)? {
        guard let resp = try? request("GET", location.description, scopes: scopes) else { return nil }
        defer { resp.close() }
        guard resp.status == 204 || resp.status == 202, let range = resp.header("range"),
              let end = Self.rangeEnd(range), end > 0 else { return nil }
        let next = resp.header("location").flatMap { try? location.resolving($0) } ?? location
        return (next, end + 1)
    }

    /// `0-1023` (or `bytes=0-1023`) → 1023; nil unless the range starts at 0.
    static func rangeEnd(_ range: String) -> Int64? {
        var r = Substring(range.filter { $0 != " " })
        if r.hasPrefix("bytes=") { r = r.dropFirst(6) }
        let parts = r.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "0", let end = Int64(parts[1]), end >= 0 else { return nil }
        return end
    }
}

/// The first `limit` bytes of a source: one chunk of a blob.
final class LimitedSource: ByteSource {
    private let source: ByteSource
    private var left: Int64

    init(_ source: ByteSource, _ limit: Int64) {
        self.source = source
        left = limit
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard left > 0, buffer.count > 0 else { return 0 }
        let want = Int(min(Int64(buffer.count), left))
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        left -= Int64(n)
        return n
    }
}

extension RegistryClient {
    /// Abandons an upload session (`DELETE` of its location), best effort: the registry
    /// purges forgotten ones anyway.
    func cancelUpload(_ location: HTTPURL, repository: String) {
        (try? request("DELETE", location.description, scopes: [Self.scope(repository, push: true)]))?.close()
    }
}
