import CLinux
import Glibc
import JSON
import LinuxSys
import Wire

/// HTTPS through `berth-https`, a helper process that runs URLSession: berthd itself stays
/// a static, Foundation-free executable, and the helper (with libcurl, OpenSSL and the rest)
/// is resident only while registries are being talked to over HTTPS. The helper is started
/// on first use, exits after a minute without requests, and is started again when needed;
/// it reads EOF on its stdin (a pipe berthd holds) when berthd goes away.
public final class HelperTransport: HTTPTransport, @unchecked Sendable {
    public let binary: String
    public let socket: String
    /// Extra arguments: `--ca-bundle FILE` with the CAs of certs.d.
    private let arguments: @Sendable () -> [String]
    private let logFd: Int32
    private let lock = Lock()
    private var stdinWriter: Int32 = -1

    public init(binary: String, socket: String, logFd: Int32 = 2, arguments: @escaping @Sendable () -> [String] = { [] }) {
        self.binary = binary
        self.socket = socket
        self.logFd = logFd
        self.arguments = arguments
    }

    public func send(_ req: HTTPClientRequest, body: ByteSource?, length: Int64) throws(RegistryError) -> any TransportResponse {
        let conn = try connect()
        do {
            let bodyLength: Int64? = body != nil ? length : req.body.map { Int64($0.count) }
            try conn.writeFrame(JSON.encode(HelperRequest(method: req.method, url: req.url.description,
                                                          headers: req.headers.map { [$0.0, $0.1] }, bodyLength: bodyLength)))
            if let body {
                try Self.stream(body, length: length, to: conn)
            } else if let bytes = req.body {
                var off = 0
                while off < bytes.count {
                    let n = min(HelperReply.frameSize, bytes.count - off)
                    try conn.writeFrame(Array(bytes[off..<(off + n)]))
                    off += n
                }
                try conn.writeFrame([])
            }
            let head = try JSON.decode(HelperReply.self, from: conn.readFrame())
            if let failure = head.failure { conn.close(); throw failure }
            guard let status = head.status else { conn.close(); throw RegistryError.transport("berth-https answered without a status") }
            return HelperResponse(conn, status: status, headers: (head.headers ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
        } catch let e as RegistryError {
            throw e
        } catch {
            conn.close()
            throw .transport("\(req.method) \(req.url): berth-https: \(error)")
        }
    }

    private static func stream(_ body: ByteSource, length: Int64, to conn: FrameConnection) throws {
        var buf = [UInt8](repeating: 0, count: HelperReply.frameSize)
        var sent: Int64 = 0
        while sent < length {
            let want = Int(min(Int64(buf.count), length - sent))
            let n = try buf.withUnsafeMutableBytes { try body.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            if n == 0 { throw RegistryError.store(.internal("blob for upload ended after \(sent) of \(length) bytes")) }
            try conn.writeFrame(Array(buf[0..<n]))
            sent += Int64(n)
        }
        try conn.writeFrame([])
    }

    /// A connection to the helper, starting it when it is not running (never started, or
    /// gone after its idle time).
    private func connect() throws(RegistryError) -> FrameConnection {
        if let c = try? FrameConnection.connect(socket) { return c }
        let r = lock.with { () -> Result<FrameConnection, RegistryError> in
            if let c = try? FrameConnection.connect(socket) { return .success(c) }
            do throws(RegistryError) { try launch() } catch { return .failure(error) }
            let deadline = ChildProcess.monotonicNow() + 10
            while ChildProcess.monotonicNow() < deadline {
                if let c = try? FrameConnection.connect(socket) { return .success(c) }
                var ts = timespec(tv_sec: 0, tv_nsec: 10_000_000)
                nanosleep(&ts, nil)
            }
            return .failure(.transport("berth-https (\(binary)) did not start listening on \(socket) within 10 s"))
        }
        return try r.get()
    }

    private func launch() throws(RegistryError) {
        guard access(binary, X_OK) == 0 else {
            throw .unsupported("HTTPS needs the berth-https helper, which is not at \(binary): install it next to berthd")
        }
        unlink(socket)
        // A new pipe per helper: the old helper (if any) has exited and closed its end.
        if stdinWriter >= 0 { close(stdinWriter); stdinWriter = -1 }
        var fds: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&fds) == 0 else { throw .transport("pipe for berth-https: \(Errno.describe(errno))") }
        let pid: pid_t
        do {
            pid = try ChildProcess.spawnHelper(binary, ["--socket", socket] + arguments(), stdin: fds[0], logFd: logFd)
        } catch {
            close(fds[0]); close(fds[1])
            throw .transport("start berth-https: \(error)")
        }
        close(fds[0])
        stdinWriter = fds[1]
        // Reaped when it exits, so no zombie waits for the next launch.
        spawnThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}

/// The body of a helper's answer; a trailer with an error (a body cut short, a TLS failure
/// mid-way) is thrown by the read that reaches it.
final class HelperResponse: TransportResponse {
    let status: Int
    let headers: [(String, String)]
    private let conn: FrameConnection
    private let body: FrameBodySource
    private var done = false

    init(_ conn: FrameConnection, status: Int, headers: [(String, String)]) {
        self.conn = conn
        self.status = status
        self.headers = headers
        body = FrameBodySource(conn)
    }

    deinit { conn.close() }

    func close() { conn.close() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.isEmpty || done { return 0 }
        let n: Int
        do { n = try body.read(into: buffer) } catch {
            throw RegistryError.transport("berth-https: the response ended early: \(error)")
        }
        if n > 0 { return n }
        done = true
        let trailer: HelperReply
        do { trailer = try JSON.decode(HelperReply.self, from: conn.readFrame()) } catch {
            throw RegistryError.transport("berth-https: no trailer after the response: \(error)")
        }
        if let failure = trailer.failure { throw failure }
        return 0
    }
}
