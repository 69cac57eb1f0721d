import Glibc
import LinuxSys
import JSON
import Wire
import ShimAPI

/// One client's view of a process's stdio (attach, exec start, health checks): output
/// from the shim, framed the Docker way, and the client's input forwarded to the
/// shim. The transport gives two closures, so this works for hijacked sockets and
/// in-memory captures alike.
public final class AttachSession: @unchecked Sendable {
    public typealias Output = @Sendable ([UInt8]) throws -> Void

    let output: Output
    /// Raw bytes for a TTY; otherwise Docker's 8-byte stream header before each chunk.
    let multiplexed: Bool
    let stdout: Bool
    let stderr: Bool
    private let cond = Condition()
    private var finished = false
    private var shimPath: String?
    private var execID: String?
    private var connection: RPCClient?
    /// The client typed the detach keys: it goes, the process stays.
    public private(set) var detached = false

    public init(multiplexed: Bool, stdout: Bool, stderr: Bool, output: @escaping Output) {
        self.multiplexed = multiplexed; self.stdout = stdout; self.stderr = stderr; self.output = output
    }

    /// Docker's multiplexed stream frame: [stream, 0, 0, 0, size (big-endian u32)] + bytes.
    public static func frame(stream: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + bytes.count)
        appendFrameHeader(stream: stream, count: bytes.count, to: &out)
        out += bytes
        return out
    }

    static func appendFrameHeader(stream: UInt8, count: Int, to out: inout [UInt8]) {
        let n = UInt32(truncatingIfNeeded: count)
        out.append(stream); out.append(0); out.append(0); out.append(0)
        out.append(UInt8(n >> 24)); out.append(UInt8((n >> 16) & 0xff)); out.append(UInt8((n >> 8) & 0xff)); out.append(UInt8(n & 0xff))
    }

    func write(stream: String, _ bytes: [UInt8]) throws {
        if multiplexed {
            try output(Self.frame(stream: stream == "stderr" ? 2 : 1, bytes))
        } else {
            try output(bytes)
        }
    }

    static func shimSocket(_ address: String) -> String {
        address.hasPrefix("unix://") ? String(address.dropFirst(7)) : address
    }

    /// Attaches to the process at the shim and pumps its output on a thread of its own.
    func connect(shimAddress: String, execID: String?) {
        let path = Self.shimSocket(shimAddress)
        do {
            let c = try RPCClient(path: path, protocolName: ShimProtocol.name, version: ShimProtocol.version, clientName: "berthd")
            _ = try c.callRaw(ShimMethod.attach, AttachParams(execID: execID, stdout: stdout, stderr: stderr))
            cond.with {
                shimPath = path
                self.execID = execID
                connection = c
                cond.broadcast()
            }
            spawnThread { [self] in pump(c) }
        } catch {
            fail()
        }
    }

    private func pump(_ c: RPCClient) {
        struct OutputFrame: Decodable { var params: OutputEvent }
        struct ClosedFrame: Decodable { var params: StreamClosedEvent }
        var open = Set<String>()
        if stdout { open.insert("stdout") }
        if stderr { open.insert("stderr") }
        while !open.isEmpty {
            guard let (name, frame) = try? c.nextEvent() else { break }
            if name == ShimEvent.output, let e = try? JSON.decode(OutputFrame.self, from: frame).params,
               let bytes = Base64.decode(e.data) {
                do { try write(stream: e.stream, bytes) } catch { break }
            } else if name == ShimEvent.closed, let e = try? JSON.decode(ClosedFrame.self, from: frame).params {
                open.remove(e.stream)
                // A TTY has only stdout: its end is the end of everything.
                if e.stream == "stdout" && !multiplexed { open.removeAll() }
            }
        }
        c.close()
        fail()
    }

    /// Marks the session over (the process ended, or it could not attach).
    func fail() {
        cond.with { finished = true; cond.broadcast() }
    }

    /// Blocks until the output has ended.
    public func waitDone() {
        cond.with { while !finished { _ = cond.wait(seconds: 5) } }
    }

    /// Forwards what `read` returns (empty = end of input) to the process's stdin; closes
    /// the process's stdin at the end when `closeAtEnd` (StdinOnce, exec).
    /// With `detachKeys`, typing them ends the session instead (the process keeps its stdin).
    public func forwardStdin(closeAtEnd: Bool, detachKeys: DetachKeys? = nil, read: @escaping @Sendable () -> [UInt8]) {
        spawnThread { [self] in
            // Input may arrive before the container starts (docker run -i): wait for the shim.
            let target = cond.with { () -> (String, String?)? in
                while shimPath == nil && !finished { _ = cond.wait(seconds: 5) }
                return shimPath.map { ($0, execID) }
            }
            guard let (path, execID) = target,
                  let c = try? RPCClient(path: path, protocolName: ShimProtocol.name, version: ShimProtocol.version,
                                         clientName: "berthd-stdin") else { return }
            defer { c.close() }
            var scanner = detachKeys.map { DetachKeys.Scanner($0) }
            while true {
                var bytes = read()
                if bytes.isEmpty { break }
                var detach = false
                if scanner != nil { (bytes, detach) = scanner!.scan(bytes) }
                if !bytes.isEmpty,
                   (try? c.callRaw(ShimMethod.writeStdin, WriteStdinParams(execID: execID, data: Base64.encode(bytes)))) == nil { return }
                if detach {
                    let output = cond.with { () -> RPCClient? in detached = true; return connection }
                    output?.frames.shutdown()   // the pump sees the end and finishes the session
                    fail()
                    return
                }
            }
            if closeAtEnd { _ = try? c.callRaw(ShimMethod.closeStdin, ProcessRef(execID: execID)) }
        }
    }
}
