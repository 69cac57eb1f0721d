import Glibc
import CLinux
import LinuxSys

/// One stream socket to the daemon with a read buffer (LinuxSys.BufferedSocket): after
/// the response head, whatever the daemon sent stays buffered for the body or the
/// hijacked stream.
public typealias Connection = BufferedSocket<APIError>

extension BufferedSocket where Failure == APIError {
    /// A reset after the daemon finished its answer reads as end of stream (resetIsEnd).
    static func open(_ host: DaemonHost) throws(APIError) -> Connection {
        let display = host.description
        let fail: @Sendable (HTTPWireFailure) -> APIError = { APIError.wire($0, host: display) }
        switch host.address {
        case .unix(let path):
            let fd = berth_unix_connect(path, Int32(SOCK_STREAM.rawValue))
            if fd < 0 { throw .cannotConnect(host: display, reason: "connect \(path): \(Errno.describe(errno))") }
            return Connection(fd: fd, lineLimit: 1 << 20, resetIsEnd: true, fail: fail)
        case .tcp(let name, let port):
            return try Connection.connect(host: name, port: port, lineLimit: 1 << 20, resetIsEnd: true, fail: fail)
        }
    }
}

extension APIError {
    /// The wording the CLI has always used for each socket or framing failure.
    static func wire(_ f: HTTPWireFailure, host: String) -> APIError {
        switch f {
        case .lookup(let name, let reason): return .cannotConnect(host: host, reason: "lookup \(name): \(reason)")
        case .connect(let name, let port, let e):
            return .cannotConnect(host: host, reason: "connect \(name):\(port): \(Errno.describe(e))")
        case .write(let e): return .transport("write to daemon: \(Errno.describe(e))")
        case .read(let e): return .transport("read from daemon: \(Errno.describe(e))")
        case .timedOut: return .transport("read from daemon: \(Errno.describe(EAGAIN))")
        case .lineTooLong: return .transport("daemon response line too long")
        case .endInLine: return .transport("unexpected EOF in daemon response")
        case .noAnswer: return .transport("the daemon closed the connection without answering")
        case .malformedStatus(let line): return .transport("malformed HTTP response from daemon: \(line)")
        case .bodyEndedEarly: return .transport("unexpected EOF: the daemon closed the connection mid-response")
        case .malformedChunk: return .transport("malformed chunked encoding from daemon")
        }
    }
}
