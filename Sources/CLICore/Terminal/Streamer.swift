import Glibc
import APIClient
import LinuxSys

/// Moves bytes between the local stdio and a hijacked attach/exec connection, as the
/// docker CLI's hijackedIOStreamer: output (demultiplexed unless a TTY) until the daemon
/// closes it; stdin copied in and then half-closed; a detach key sequence ends it early.
final class HijackedStreamer: @unchecked Sendable {
    enum Outcome { case ended, detached }

    let conn: Connection
    let tty: Bool
    let stdinFD: Int32?
    let out: ByteSink?
    let err: ByteSink?
    let detachKeys: [UInt8]

    private let cond = Condition()
    private var outputDone = false
    private var outputError: Error?
    private var inputDone = false
    private var detached = false

    init(conn: Connection, tty: Bool, stdinFD: Int32?, out: ByteSink?, err: ByteSink?, detachKeys: [UInt8] = [16, 17]) {
        self.conn = conn
        self.tty = tty
        self.stdinFD = stdinFD
        self.out = out
        self.err = err
        self.detachKeys = detachKeys
    }

    /// ctrl-p,ctrl-q style sequences, with the docker CLI's wording for a bad one.
    static func parseDetachKeys(_ s: String) throws -> [UInt8] {
        do { return try DetachKeys(parsing: s).bytes } catch {
            throw CLIError("invalid detach keys (\(s)): \(error)")
        }
    }

    func run() throws -> Outcome {
        let raw = tty && stdinFD.map(Terminal.isTerminal) == true
        if raw, let fd = stdinFD { try Terminal.makeRaw(fd) }
        defer { if raw { Terminal.restore() } }
        let hasOutput = out != nil || err != nil
        if hasOutput {
            spawnThread { [self] in
                var failure: Error?
                do {
                    if tty {
                        if let out { try conn.copy(to: out) } else { _ = try conn.readAll() }
                    } else {
                        try demultiplex(conn, stdout: out, stderr: err)
                    }
                } catch {
                    failure = error
                }
                cond.lock()
                outputDone = true
                outputError = failure
                cond.broadcast()
                cond.unlock()
            }
        }
        if let fd = stdinFD {
            spawnThread { [self] in copyInput(fd, escape: raw) }
        } else {
            conn.closeWrite()
            cond.lock(); inputDone = true; cond.unlock()
        }
        cond.lock()
        defer { cond.unlock() }
        while true {
            if detached { return .detached }
            if outputDone {
                if let e = outputError { throw e }
                return .ended
            }
            if inputDone && !hasOutput { return .ended }
            _ = cond.wait()
        }
    }

    private func copyInput(_ fd: Int32, escape: Bool) {
        var buf = [UInt8](repeating: 0, count: 32 * 1024)
        var scanner = DetachKeys.Scanner(DetachKeys(bytes: detachKeys))
        loop: while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var chunk = Array(buf[0..<n])
            if escape && !detachKeys.isEmpty {
                // Bytes that may start the detach sequence are held back until it is
                // complete (detach) or broken (sent after all).
                let (pass, detach) = scanner.scan(chunk)
                if detach {
                    // What was typed before the sequence still goes to the container.
                    if !pass.isEmpty { try? conn.write(pass) }
                    cond.lock(); detached = true; cond.broadcast(); cond.unlock()
                    return
                }
                chunk = pass
            }
            if chunk.isEmpty { continue }
            do { try conn.write(chunk) } catch { break loop }
        }
        conn.closeWrite()
        cond.lock(); inputDone = true; cond.broadcast(); cond.unlock()
    }
}
