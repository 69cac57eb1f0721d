import Glibc
import APIClient
import LinuxSys

/// Process-wide state of one berth invocation: the daemon address, the API client and
/// the output streams.
final class CLIContext: @unchecked Sendable {
    let environment: [String: String]
    var hostFlag: String?
    var debug = false
    let out: Output
    let err: Output
    private var cachedClient: APIClient?

    init(environment: [String: String], out: Output = Output(fd: 1), err: Output = Output(fd: 2)) {
        self.environment = environment
        self.out = out
        self.err = err
    }

    func client() throws -> APIClient {
        if let c = cachedClient { return c }
        let host = try DaemonHost.resolve(flag: hostFlag, environment: environment)
        let c = APIClient(host: host)
        cachedClient = c
        return c
    }

    static func processEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }
}

/// An output stream (stdout or stderr): unbuffered, so streamed output (logs -f,
/// events) reaches the reader at once; a closed pipe ends the program quietly.
final class Output: ByteSink, @unchecked Sendable {
    let fd: Int32
    /// Set in tests: everything written is kept here instead of reaching the fd.
    private(set) var captured: [UInt8]?
    private let lock = Lock()

    init(fd: Int32, capture: Bool = false) {
        self.fd = fd
        captured = capture ? [] : nil
    }

    var isTerminal: Bool { captured == nil && isatty(fd) == 1 }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        lock.lock()
        defer { lock.unlock() }
        if captured != nil { captured?.append(contentsOf: bytes); return }
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                throw SyscallError("write", "fd \(fd)")
            }
            off += n
        }
    }

    func finish() throws {}

    func print(_ s: String) { try? write(s + "\n") }
    func put(_ s: String) { try? write(s) }

    var text: String { String(decoding: captured ?? [], as: UTF8.self) }
}
