import Glibc
import LinuxSys

/// One TCP connection to a registry with a read buffer (LinuxSys.BufferedSocket), used
/// for one request.
typealias HTTPConnection = BufferedSocket<RegistryError>

extension BufferedSocket where Failure == RegistryError {
    /// Connects, with send and receive timeouts so a registry that stops answering breaks
    /// the transfer (and the retry logic takes over) instead of hanging a pull forever.
    static func open(_ url: HTTPURL, timeoutSeconds: Int = 60) throws(RegistryError) -> HTTPConnection {
        try HTTPConnection.connect(host: url.host, port: url.port, timeoutSeconds: timeoutSeconds, lineLimit: 64 << 10,
                                   resetIsEnd: false, fail: RegistryError.wire)
    }
}

extension RegistryError {
    /// The wording of each socket or framing failure; a body that ends early is a
    /// (retryable) transport error, never end of stream.
    static func wire(_ f: HTTPWireFailure) -> RegistryError {
        switch f {
        case .lookup(let host, let reason): return .transport("lookup \(host): \(reason)")
        case .connect(let host, let port, let e):
            return .transport("dial tcp \(host):\(port): connect: \(Errno.describe(e).lowercased())")
        case .write(let e): return .transport("write to registry: \(Errno.describe(e))")
        case .read(let e): return .transport("read from registry: \(Errno.describe(e))")
        case .timedOut: return .transport("read from registry: timed out")
        case .lineTooLong: return .invalid("registry response line too long")
        case .endInLine: return .transport("unexpected EOF in registry response")
        case .noAnswer: return .transport("the registry closed the connection without answering")
        case .malformedStatus(let line): return .invalid("malformed HTTP status line from registry: \(line)")
        case .bodyEndedEarly(let left?):
            return .transport("unexpected EOF: the registry closed the connection with \(left) bytes of the body to come")
        case .bodyEndedEarly(nil): return .transport("unexpected EOF: the registry closed the connection mid-response")
        case .malformedChunk: return .invalid("malformed chunked encoding from registry")
        }
    }
}
