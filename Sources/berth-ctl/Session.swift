import LinuxSys
import Glibc
import Wire
import ShimAPI

/// One process's stdio for run, exec and attach: output streamed from the shim
/// (Task.Attach, IO.Output events), stdin forwarded (Task.WriteStdin), the exit
/// awaited (Task.Wait), signals proxied, the TTY put in raw mode and kept sized.
final class Session: @unchecked Sendable {
    let target: TaskTarget
    let shim: Endpoint
    let execID: String?
    let tty: Bool
    let forwardStdin: Bool

    private let cond = Condition()
    private var exit: ExitResult?
    private var waitError: (any Error)?
    private var outputDone = false
    private var attached: RPCClient?
    private let terminal = RawTerminal()

    /// How long output may still arrive after the exit: a process that leaves a
    /// descendant holding its stdout open must not keep us forever.
    static let drainGrace = 2.0

    init(target: TaskTarget, shim: Endpoint, execID: String?, tty: Bool, forwardStdin: Bool) {
        self.target = target
        self.shim = shim
        self.execID = execID
        self.tty = tty
        self.forwardStdin = forwardStdin
    }

    /// Blocks the signals we proxy, before any thread exists, so only our signal thread sees them.
    static func blockSignals(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static let proxied: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    /// Subscribes to the output; done before Start so nothing is missed. With a TTY the
    /// local terminal goes raw first: the container's terminal does all the translating.
    func attachOutput() throws {
        if tty && isatty(0) == 1 { terminal.enable(fd: 0) }
        let c = try shim.connect()
        _ = try c.call(ShimMethod.attach, AttachParams(execID: execID, stdout: true, stderr: true), Empty.self)
        attached = c
        spawnThread { [self] in pump(c) }
    }

    private func pump(_ c: RPCClient) {
        var closed: Set<String> = []
        while true {
            guard let ev = try? c.nextEvent() else { break }
            if ev.name == ShimEvent.output, let o = try? WireJSON.decode(EventBody<OutputEvent>.self, from: ev.frame).params,
               o.execID == execID, let bytes = Base64.decode(o.data) {
                Out.write(o.stream == "stderr" ? 2 : 1, bytes)
            } else if ev.name == ShimEvent.closed,
                      let s = try? WireJSON.decode(EventBody<StreamClosedEvent>.self, from: ev.frame).params,
                      s.execID == execID {
                closed.insert(s.stream)
                if closed.contains("stdout") && (tty || closed.contains("stderr")) { break }
            }
        }
        cond.lock()
        outputDone = true
        cond.broadcast()
        cond.unlock()
    }

    /// After Start: waits for the exit, forwards stdin and signals, sizes the TTY.
    func begin(proxySignals: Bool) {
        let target = self.target, execID = self.execID
        spawnThread { [self] in
            do {
                let c = try target.control.connect()
                let r = try target.wait(c, execID: execID)
                c.close()
                cond.lock(); exit = r; cond.broadcast(); cond.unlock()
            } catch {
                cond.lock(); waitError = error; cond.broadcast(); cond.unlock()
            }
        }
        if tty { resize() }
        if forwardStdin { spawnThread { [self] in pumpStdin() } }
        if proxySignals { spawnThread { [self] in relaySignals() } }
    }

    /// The exit, once the output has drained.
    func finish() throws -> ExitResult {
        cond.lock()
        while exit == nil && waitError == nil { _ = cond.wait() }
        if exit != nil {
            var start = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            while !outputDone {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let left = Session.drainGrace - (Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9)
                if left <= 0 || !cond.wait(seconds: left) { break }
            }
        }
        let result = exit, failure = waitError
        cond.unlock()
        terminal.restore()
        attached?.frames.shutdown()
        if let failure { throw failure }
        guard let result else { throw CtlError("no exit status") }
        return result
    }

    func restoreTerminal() { terminal.restore() }

    private func pumpStdin() {
        var buf = [UInt8](repeating: 0, count: 32 * 1024)
        var client: RPCClient?
        while true {
            let n = read(0, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            do {
                if client == nil { client = try shim.connect() }
                guard let c = client else { return }
                if n <= 0 {
                    _ = try c.call(ShimMethod.closeStdin, ProcessRef(execID: execID), Empty.self)
                    return
                }
                let data = Base64.encode(Array(buf[0..<n]))
                _ = try c.call(ShimMethod.writeStdin, WriteStdinParams(execID: execID, data: data), Empty.self)
            } catch {
                return   // the process is gone or has no stdin: nothing more to forward
            }
        }
    }

    private func relaySignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in Session.proxied { sigaddset(&set, s) }
        var client: RPCClient?
        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if sig == SIGWINCH {
                if tty { resize() }
                continue
            }
            if client == nil { client = try? target.control.connect() }
            guard let c = client else { continue }
            do {
                try target.kill(c, execID: execID, signal: sig, all: false)
            } catch {
                client = nil
            }
        }
    }

    private func resize() {
        guard let (rows, cols) = RawTerminal.size() else { return }
        guard let c = try? target.control.connect() else { return }
        try? target.resize(c, execID: execID, width: cols, height: rows)
        c.close()
    }
}

struct EventBody<P: Decodable>: Decodable { var params: P }

/// The local terminal in raw mode while a TTY session runs.
final class RawTerminal: @unchecked Sendable {
    private var saved: termios?
    private var fd: Int32 = 0

    func enable(fd: Int32) {
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { return }
        saved = t
        self.fd = fd
        cfmakeraw(&t)
        tcsetattr(fd, TCSANOW, &t)
    }

    func restore() {
        guard var t = saved else { return }
        tcsetattr(fd, TCSANOW, &t)
        saved = nil
    }

    static func size() -> (UInt16, UInt16)? {
        for fd: Int32 in [0, 1, 2] where isatty(fd) == 1 {
            var ws = winsize()
            if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 { return (ws.ws_row, ws.ws_col) }
        }
        return nil
    }
}

enum Stdin {
    /// False when there is nothing to forward: stdin closed or /dev/null.
    static var worthForwarding: Bool {
        var st = stat()
        guard fstat(0, &st) == 0 else { return false }
        if (st.st_mode & S_IFMT) == S_IFCHR {
            var null = stat()
            if stat("/dev/null", &null) == 0 && null.st_rdev == st.st_rdev { return false }
        }
        return true
    }
}
