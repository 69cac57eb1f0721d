import LinuxSys
import Glibc
import CLinux

/// HTTP/1.1 over Unix and TCP sockets: a thread per connection, blocking I/O,
/// keep-alive and pipelining, chunked bodies both ways, connection hijack.
public final class HTTPServer: @unchecked Sendable {
    public let router: Router
    /// Request line plus header fields (and a chunked body's trailers); over it: 431.
    public var maxHeaderBytes = 1 << 20
    /// Bodies read before the handler runs; over it: 413. Streaming routes read their own.
    public var maxBodyBytes = 64 << 20
    /// A keep-alive connection idle this long between requests is closed; nil: never.
    public var idleTimeout: Double? = nil
    /// Called with one line per failed connection-level exchange (bad request, write error).
    public var log: (@Sendable (String) -> Void)?

    private let lock = Lock()
    private var listeners: [Int32] = []
    private var started: Set<Int32> = []

    public init(router: Router) { self.router = router }

    /// Binds a Unix socket (replacing a stale one) with `mode`.
    public func listenUnix(path: String, mode: mode_t = 0o660) throws {
        unlink(path)
        let fd = berth_unix_listen(path, 512, Int32(SOCK_STREAM.rawValue))
        if fd < 0 { throw HTTPError(status: 500, message: "listen on \(path): \(String(cString: strerror(errno)))") }
        if chmod(path, mode) != 0 {
            let e = errno
            close(fd)
            throw HTTPError(status: 500, message: "chmod \(path): \(String(cString: strerror(e)))")
        }
        lock.with { listeners.append(fd) }
    }

    /// Binds an IPv4 TCP address; port 0 picks a free one. Returns the bound port.
    @discardableResult
    public func listenTCP(host: String = "127.0.0.1", port: UInt16) throws -> UInt16 {
        func fail(_ call: String) -> HTTPError {
            HTTPError(status: 500, message: "\(call) \(host):\(port): \(String(cString: strerror(errno)))")
        }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &sa.sin_addr) == 1 else {
            throw HTTPError(status: 500, message: "listen on \(host):\(port): not an IPv4 address")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw fail("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 || Glibc.listen(fd, 512) != 0 {
            let e = fail(bound != 0 ? "bind" : "listen")
            close(fd)
            throw e
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        lock.with { listeners.append(fd) }
        return UInt16(bigEndian: sa.sin_port)
    }

    /// Accepts on every listener, each on its own thread; returns at once.
    public func start() {
        let fresh = lock.with { () -> [Int32] in
            let f = listeners.filter { !started.contains($0) }
            started.formUnion(f)
            return f
        }
        for fd in fresh { spawnThread { [self] in acceptLoop(fd) } }
    }

    /// Stops accepting; connections in progress finish on their own.
    public func stop() {
        let fds = lock.with { () -> [Int32] in
            defer { listeners.removeAll(); started.removeAll() }
            return listeners
        }
        // shutdown wakes the blocked accept; the accept thread closes the fd, so it is
        // never reused under it.
        for fd in fds { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(_ listenFd: Int32) {
        defer { close(listenFd) }
        while true {
            let fd = berth_accept_cloexec(listenFd)
            if fd < 0 {
                let e = errno
                if e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM { continue }
                if e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM { usleep(10000); continue }
                return
            }
            var one: Int32 = 1
            // Fails harmlessly with EOPNOTSUPP on Unix sockets.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            spawnThread { [self] in
                if serveConnection(fd) { lingeringClose(fd) }
                close(fd)
            }
        }
    }

    /// Serves requests until the connection ends; true when unread request bytes may
    /// remain, so that closing at once could reset the connection before the client reads
    /// the response.
    private func serveConnection(_ fd: Int32) -> Bool {
        let stream = SocketStream(fd: fd)
        let parser = RequestParser(maxHeaderBytes: maxHeaderBytes)
        while true {
            if let idle = idleTimeout, stream.buffered == 0 {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, Int32(idle * 1000)) == 0 { return false }
            }
            var request: HTTPRequest
            do {
                guard let (r, _) = try parser.next(stream) else { return false }
                request = r
            } catch let e as HTTPError {
                log?("bad request: \(e.message)")
                if e.status == 499 { return false }
                _ = try? send(.error(e.status, e.message), for: nil, fd: fd, keepAlive: false)
                return true
            } catch {
                return false
            }
            let (response, bodyError) = handle(&request)
            var alive = request.wantsKeepAlive && bodyError == nil
            if alive && !request.bodyStream.isComplete { alive = request.bodyStream.drain(limit: 256 * 1024) }
            do {
                if try send(response, for: request, fd: fd, keepAlive: alive, stream: stream) == false {
                    return !request.bodyStream.isComplete
                }
            } catch {
                log?("\(request.method) \(request.target): \(error)")
                return false
            }
            if !alive { return !request.bodyStream.isComplete }
        }
    }

    /// Go's closeWriteAndWait: end our side, then let the client's remaining bytes
    /// arrive (briefly) so that close does not turn them into a reset.
    private func lingeringClose(_ fd: Int32) {
        Glibc.shutdown(fd, Int32(SHUT_WR))
        var buf = [UInt8](repeating: 0, count: 16384)
        var total = 0
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while total < 4 << 20, poll(&p, 1, 500) > 0 {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 16384, 0) }
            if n <= 0 { break }
            total += n
        }
    }

    /// Routes the request and runs its handler, reading the body first unless the route streams it.
    private func handle(_ request: inout HTTPRequest) -> (HTTPResponse, HTTPError?) {
        let (_, path) = Router.splitVersion(request.path)
        if case .found(let route, _) = router.match(method: request.method, path: path), !route.streamingBody {
            do {
                request.body = try request.bodyStream.readAll(limit: maxBodyBytes)
            } catch let e as HTTPError {
                return (.error(e.status, e.message), e)
            } catch {
                return (.error(400, "\(error)"), HTTPError(status: 400, message: "\(error)"))
            }
        }
        return (router.respond(request), nil)
    }

    /// Writes a response; false when the connection was hijacked or must close.
    @discardableResult
    private func send(_ r: HTTPResponse, for req: HTTPRequest?, fd: Int32, keepAlive: Bool,
                      stream: SocketStream? = nil) throws -> Bool {
        let isHead = req?.method == "HEAD"
        let http10 = req.map { $0.versionMajor == 1 && $0.versionMinor == 0 } ?? false
        var headers = r.headers
        var status = r.status
        var alive = keepAlive
        switch r.body {
        case .hijack(let body):
            var head: String
            if req?.wantsUpgrade == true {
                head = "HTTP/1.1 101 UPGRADED\r\n"
                headers.set("Connection", "Upgrade")
                headers.set("Upgrade", "tcp")
            } else {
                head = "HTTP/1.1 200 OK\r\n"
            }
            for (n, v) in headers { head += "\(n): \(v)\r\n" }
            try Array((head + "\r\n").utf8).withUnsafeBytes { try writeAll(fd: fd, $0) }
            body(HijackedConnection(fd: fd, buffered: stream?.takeBuffered() ?? []))
            return false
        case .bytes(let bytes):
            let bodyless = status / 100 == 1 || status == 204 || status == 304
            if !bodyless { headers.set("Content-Length", String(bytes.count)) }
            let head = headBytes(status, &headers, alive: alive, http10: http10)
            try (isHead || bodyless ? head : head + bytes).withUnsafeBytes { try writeAll(fd: fd, $0) }
            return alive
        case .stream(let body):
            if status == 0 { status = 200 }
            if http10 { alive = false } else if !isHead { headers.set("Transfer-Encoding", "chunked") }
            try headBytes(status, &headers, alive: alive, http10: http10).withUnsafeBytes { try writeAll(fd: fd, $0) }
            if isHead { return alive }
            let w = ChunkWriter(fd: fd, chunked: !http10)
            // A handler that fails mid-stream cannot change the status any more: the missing
            // last chunk tells the client the body is cut short.
            try body(w)
            if !http10 { try Array("0\r\n\r\n".utf8).withUnsafeBytes { try writeAll(fd: fd, $0) } }
            return alive
        }
    }

    private func headBytes(_ status: Int, _ headers: inout HTTPHeaders, alive: Bool, http10: Bool) -> [UInt8] {
        if !headers.contains("Date") { headers.add("Date", httpDate()) }
        if !alive { headers.set("Connection", "close") } else if http10 { headers.set("Connection", "keep-alive") }
        var s = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        for (n, v) in headers { s += "\(n): \(v)\r\n" }
        return Array((s + "\r\n").utf8)
    }
}
