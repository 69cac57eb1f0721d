import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LinuxSys
import Registry

/// HTTPS to registries through Foundation's URLSession (libcurl and the system's CA store
/// on Linux). Bodies stream: each response is read as its bytes arrive, so a blob is
/// hashed and written while it downloads. Redirects come back to the caller, which decides
/// whether credentials go along (they must not go to a blob CDN).
///
/// URLSession on Linux offers no per-request trust settings: certificates are checked
/// against the system's CA bundle only (add a private registry's CA with
/// update-ca-certificates), and a TLS error is never skipped.
public final class URLSessionTransport: NSObject, HTTPTransport, @unchecked Sendable {
    private let router = TaskRouter()
    private var session: URLSession!

    /// `idleTimeout`: seconds without a byte before a request fails (and is retried).
    public init(idleTimeout: TimeInterval = 60) {
        super.init()
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = idleTimeout
        config.timeoutIntervalForResource = 7 * 24 * 3600
        config.httpMaximumConnectionsPerHost = 8
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: config, delegate: router, delegateQueue: queue)
    }

    deinit { session.invalidateAndCancel() }

    public func send(_ req: HTTPClientRequest, body: ByteSource?, length: Int64) throws(RegistryError) -> any TransportResponse {
        guard let url = URL(string: req.url.description) else { throw .invalid("invalid URL \(req.url)") }
        var request = URLRequest(url: url)
        request.httpMethod = req.method
        request.setValue(HTTPClient.userAgent, forHTTPHeaderField: "User-Agent")
        // Blobs are gzip themselves: no transparent decompression, byte counts stay exact.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        for (k, v) in req.headers { request.setValue(v, forHTTPHeaderField: k) }
        if let body {
            request.setValue(String(length), forHTTPHeaderField: "Content-Length")
            request.httpBodyStream = SourceInputStream(body, length: length)
        } else if let bytes = req.body {
            request.httpBody = Data(bytes)
        } else if ["POST", "PUT", "PATCH"].contains(req.method) {
            request.httpBody = Data()
        }
        let task = session.dataTask(with: request)
        let response = StreamedResponse(task: task, url: req.url, method: req.method, router: router)
        router.add(task.taskIdentifier, response)
        task.resume()
        try response.waitForHead()
        return response
    }
}

/// The session delegate: hands each task's events to its response.
final class TaskRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var responses: [Int: StreamedResponse] = [:]

    func add(_ id: Int, _ r: StreamedResponse) { lock.lock(); responses[id] = r; lock.unlock() }
    func remove(_ id: Int) { lock.lock(); responses[id] = nil; lock.unlock() }
    private func find(_ id: Int) -> StreamedResponse? { lock.lock(); defer { lock.unlock() }; return responses[id] }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        find(dataTask.taskIdentifier)?.received(response)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        find(dataTask.taskIdentifier)?.received(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        // A redirect answered with nil arrives here without a didReceive(response).
        if let r = find(task.taskIdentifier) {
            if error == nil, let resp = task.response { r.received(resp) }
            r.finished(error)
        }
        remove(task.taskIdentifier)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
