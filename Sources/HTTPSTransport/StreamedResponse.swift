import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LinuxSys
import Registry

/// One URLSession exchange as a `TransportResponse`: the delegate queue appends what
/// arrives, the reader takes it. URLSession on Linux cannot pause a transfer, so a reader
/// slower than the network lets the buffer grow; registries are slower than the disk.
final class StreamedResponse: TransportResponse, @unchecked Sendable {
    let task: URLSessionDataTask
    let url: HTTPURL
    let method: String
    private weak var router: TaskRouter?
    private let cond = NSCondition()
    private var head: (status: Int, headers: [(String, String)])?
    private var chunks: [Data] = []
    private var offset = 0
    private var ended = false
    private var failure: RegistryError?
    private var closed = false

    init(task: URLSessionDataTask, url: HTTPURL, method: String, router: TaskRouter) {
        self.task = task
        self.url = url
        self.method = method
        self.router = router
    }

    var status: Int { cond.lock(); defer { cond.unlock() }; return head?.status ?? 0 }
    var headers: [(String, String)] { cond.lock(); defer { cond.unlock() }; return head?.headers ?? [] }

    func received(_ response: URLResponse) {
        guard let http = response as? HTTPURLResponse else { return }
        cond.lock()
        if head == nil {
            let fields = http.allHeaderFields.compactMap { k, v -> (String, String)? in
                guard let k = k as? String else { return nil }
                return (k, v as? String ?? "\(v)")
            }
            head = (http.statusCode, fields)
            cond.broadcast()
        }
        cond.unlock()
    }

    func received(_ data: Data) {
        cond.lock()
        if !closed { chunks.append(data) }
        cond.broadcast()
        cond.unlock()
    }

    func finished(_ error: Error?) {
        cond.lock()
        ended = true
        if let error, failure == nil { failure = TLSErrors.describe(error, method: method, url: url) }
        cond.broadcast()
        cond.unlock()
    }

    /// Blocks until the status and headers are known, or the exchange failed.
    func waitForHead() throws(RegistryError) {
        cond.lock()
        while head == nil && !ended { cond.wait() }
        let failed = head == nil ? (failure ?? .transport("\(method) \"\(url)\": no response")) : nil
        cond.unlock()
        if let failed { close(); throw failed }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 { return 0 }
        cond.lock()
        defer { cond.unlock() }
        while chunks.isEmpty && !ended { cond.wait() }
        if let first = chunks.first {
            let n = min(buffer.count, first.count - offset)
            first.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
            }
            offset += n
            if offset == first.count { chunks.removeFirst(); offset = 0 }
            return n
        }
        // A body cut short: libcurl reports it as an error (partial file), never as EOF.
        if let failure { throw failure }
        return 0
    }

    func close() {
        cond.lock()
        let wasOpen = !closed && !ended
        closed = true
        chunks = []
        cond.unlock()
        if wasOpen { task.cancel() }
    }
}

/// A request body streamed from a `ByteSource`: URLSession pulls it as it sends.
final class SourceInputStream: InputStream {
    private let source: ByteSource
    private var remaining: Int64
    private var failed = false

    init(_ source: ByteSource, length: Int64) {
        self.source = source
        remaining = length
        super.init(data: Data())
    }

    override var hasBytesAvailable: Bool { remaining > 0 && !failed }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength len: Int) -> Int {
        if remaining == 0 { return 0 }
        let want = Int(min(Int64(len), remaining))
        do {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: want))
            if n == 0 { failed = true; return -1 }
            remaining -= Int64(n)
            return n
        } catch {
            failed = true
            return -1
        }
    }
}
