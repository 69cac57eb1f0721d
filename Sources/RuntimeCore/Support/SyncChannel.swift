import Glibc
import CLinux
import LinuxSys

/// The parent/child handshake during create and exec: short text messages on a
/// SOCK_SEQPACKET socketpair, so each send is one message and a peer that dies
/// shows up as end-of-file instead of a hang.
public struct SyncChannel: Sendable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    public static func pair() throws -> (parent: SyncChannel, child: SyncChannel) {
        var fds: [Int32] = [-1, -1]
        try sys("socketpair", "") { berth_socketpair_seqpacket(&fds) }
        return (SyncChannel(fd: fds[0]), SyncChannel(fd: fds[1]))
    }

    public func send(_ message: String) throws {
        var bytes = Array(message.utf8)
        if bytes.count > 60000 { bytes = Array(bytes.prefix(60000)) }
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 { throw SyscallError("send", "sync socket") }
    }

    /// nil at end-of-file: the peer exited.
    public func receive() throws -> String? {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SyscallError("recv", "sync socket")
            }
            if n == 0 { return nil }
            return String(decoding: buf[0..<n], as: UTF8.self)
        }
    }

    /// Waits for `expected`; an "error ..." message or EOF becomes an error.
    public func expect(_ expected: String) throws {
        guard let m = try receive() else { throw RuntimeError("peer exited before sending \(expected)") }
        if m == expected { return }
        if m.hasPrefix("error ") { throw RuntimeError(String(m.dropFirst(6))) }
        throw RuntimeError("unexpected message \"\(m)\" while waiting for \(expected)")
    }

    public func close() { _ = Glibc.close(fd) }
}
