import Glibc
import CLinux
import LinuxSys
import ShimAPI
import Wire

/// The stdio of one container process (the init or an exec), held by the shim.
/// Without a TTY: stdout and stderr are pipes the shim reads; stdin is a pipe whose write end
/// the shim holds (when asked for) or /dev/null. With a TTY: the runtime hands the pty master
/// over the console socket; output is read from it and stdin written to it.
/// Output goes to the json-file log (if any) and to every attached connection.
final class ProcessIO: @unchecked Sendable {
    let execID: String?
    let terminal: Bool
    /// The descriptors the runtime (and through it the container) gets as 0, 1, 2.
    private(set) var childStdio: Reaper.Stdio
    private var childOwned: [Int32] = []
    private var stdinWriter: Int32 = -1
    private var master: Int32 = -1
    private var consoleListener: Int32 = -1
    let consolePath: String?
    private let lock = Lock()
    private let drained = Condition()
    private var openStreams = 0
    private var closedStreams = Set<String>()
    private var attached: [ObjectIdentifier: Attachment] = [:]
    let log: JSONFileLog?

    private struct Attachment {
        let connection: ServerConnection
        let streams: Set<String>
    }

    /// Makes the pipes, or the console socket at `consolePath` for a TTY.
    init(execID: String?, terminal: Bool, stdin: Bool, consolePath: String?, log: JSONFileLog?) throws {
        self.execID = execID
        self.terminal = terminal
        self.log = log
        self.consolePath = terminal ? consolePath : nil
        childStdio = Reaper.Stdio(stdin: -1, stdout: -1, stderr: -1)
        do {
            let null = try sys("open", "/dev/null") { open("/dev/null", O_RDWR | O_CLOEXEC) }
            childOwned.append(null)
            if terminal {
                guard let consolePath else { throw RuntimeError("no console socket path") }
                unlink(consolePath)
                consoleListener = try sys("listen", consolePath) { berth_unix_listen(consolePath, 1, Int32(SOCK_STREAM.rawValue)) }
                childStdio = Reaper.Stdio(stdin: null, stdout: null, stderr: null)
            } else {
                var stdinFd = null
                if stdin {
                    let (r, w) = try Self.pipe()
                    childOwned.append(r)
                    stdinWriter = w
                    stdinFd = r
                }
                let (outR, outW) = try Self.pipe()
                childOwned.append(outW)
                let (errR, errW) = try Self.pipe()
                childOwned.append(errW)
                childStdio = Reaper.Stdio(stdin: stdinFd, stdout: outW, stderr: errW)
                startPump(outR, stream: "stdout")
                startPump(errR, stream: "stderr")
            }
        } catch {
            closeAll()
            throw error
        }
    }

    private static func pipe() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try sys("pipe2") { berth_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
    }

    /// After the runtime has been spawned: our copies of the container's ends must go, or the
    /// output pipes would never reach end of file.
    func closeChildEnds() {
        lock.with {
            for fd in childOwned { close(fd) }
            childOwned.removeAll()
        }
    }

    /// For a TTY, after the runtime succeeded: takes the pty master it sent to the console socket.
    func receiveConsole(timeout: Int32 = 10_000) throws {
        guard terminal else { return }
        let listener = lock.with { consoleListener }
        var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        let ready = try sys("poll", "console socket") { poll(&pfd, 1, timeout) }
        guard ready > 0 else { throw RuntimeError("the runtime did not send a pty master to the console socket \(consolePath ?? "")") }
        let conn = try sys("accept", "console socket") { berth_accept_cloexec(listener) }
        defer { close(conn) }
        var fd: Int32 = -1
        var name = [UInt8](repeating: 0, count: 256)
        _ = try sys("recvmsg", "console socket") { berth_recv_fd(conn, &fd, &name, name.count) }
        guard fd >= 0 else { throw RuntimeError("the console socket message carried no descriptor") }
        lock.with {
            master = fd
            close(consoleListener)
            consoleListener = -1
        }
        if let consolePath { unlink(consolePath) }
        // The master is read by our pump; a dup so that closing stdin cannot close the reader's fd.
        let reader = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        if reader >= 0 { startPump(reader, stream: "stdout") }
    }

    // MARK: output

    private func startPump(_ fd: Int32, stream: String) {
        lock.with { openStreams += 1 }
        spawnThread { [self] in
            var buf = [UInt8](repeating: 0, count: 32 * 1024)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                // EIO: a pty master once the last slave descriptor is closed.
                if n <= 0 { break }
                deliver(stream, Array(buf[0..<n]))
            }
            close(fd)
            finish(stream)
        }
    }

    private func deliver(_ stream: String, _ bytes: [UInt8]) {
        log?.write(stream: stream, bytes)
        let targets = lock.with { attached.values.filter { $0.streams.contains(stream) } }
        guard !targets.isEmpty else { return }
        let event = EventMessage(event: ShimEvent.output,
                                 params: OutputEvent(execID: execID, stream: stream, data: Base64.encode(bytes)))
        guard let frame = try? WireJSON.encode(event) else { return }
        for t in targets where (try? t.connection.frames.writeFrame(frame)) == nil {
            detach(t.connection)
            t.connection.frames.shutdown()
        }
    }

    private func finish(_ stream: String) {
        log?.finish(stream: stream)
        let targets = lock.with {
            closedStreams.insert(stream)
            return attached.values.filter { $0.streams.contains(stream) }
        }
        for t in targets { sendClosed(t.connection, stream) }
        drained.with {
            openStreams -= 1
            drained.broadcast()
        }
    }

    private func sendClosed(_ connection: ServerConnection, _ stream: String) {
        try? connection.frames.send(EventMessage(event: ShimEvent.closed, params: StreamClosedEvent(execID: execID, stream: stream)))
    }

    /// Waits until every output stream has ended, at most `seconds`.
    @discardableResult
    func waitDrained(seconds: Double) -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let deadline = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 + seconds
        return drained.with {
            while openStreams > 0 {
                clock_gettime(CLOCK_MONOTONIC, &ts)
                let left = deadline - (Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
                if left <= 0 { return false }
                _ = drained.wait(seconds: left)
            }
            return true
        }
    }

    /// Live output from now on goes to `connection` too; streams that already ended are
    /// reported closed at once. A TTY has only "stdout".
    func attach(_ connection: ServerConnection, stdout: Bool, stderr: Bool) {
        var streams = Set<String>()
        if stdout { streams.insert("stdout") }
        if stderr && !terminal { streams.insert("stderr") }
        let alreadyClosed: [String] = lock.with {
            attached[ObjectIdentifier(connection)] = Attachment(connection: connection, streams: streams)
            return streams.filter { closedStreams.contains($0) }.sorted()
        }
        for s in alreadyClosed { sendClosed(connection, s) }
    }

    func detach(_ connection: ServerConnection) {
        lock.with { _ = attached.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    // MARK: input

    func writeStdin(_ bytes: [UInt8]) throws {
        // A duplicate, so that a concurrent CloseStdin or Delete cannot close the descriptor
        // under a blocked write (and let a new file take its number).
        let fd = lock.with { () -> Int32 in
            let target = terminal ? master : stdinWriter
            return target >= 0 ? fcntl(target, F_DUPFD_CLOEXEC, 3) : -1
        }
        guard fd >= 0 else {
            throw WireError.precondition(terminal ? "the process has no terminal yet" : "stdin is closed or was not requested")
        }
        defer { close(fd) }
        do { try FileIO.writeAll(fd: fd, bytes) } catch let e as SyscallError where e.errno == EPIPE || e.errno == EIO {
            throw WireError.precondition("the process has closed its stdin")
        }
    }

    /// Ends the process's input: closes the pipe, or sends end-of-file (^D) through the TTY.
    func closeStdin() {
        lock.with {
            if terminal {
                if master >= 0 { var eot: UInt8 = 4; _ = write(master, &eot, 1) }
            } else if stdinWriter >= 0 {
                close(stdinWriter)
                stdinWriter = -1
            }
        }
    }

    func resize(width: UInt16, height: UInt16) throws {
        guard terminal else { throw WireError.precondition("the process has no terminal") }
        try lock.with {
            guard master >= 0 else { throw WireError.precondition("the process's terminal is not there yet") }
            try sys("ioctl TIOCSWINSZ", "pty master") { berth_tty_set_winsize(master, height, width) }
        }
    }

    /// Closes everything the shim holds; output threads end on their own.
    func closeAll() {
        lock.with {
            for fd in childOwned { close(fd) }
            childOwned.removeAll()
            if stdinWriter >= 0 { close(stdinWriter); stdinWriter = -1 }
            if master >= 0 { close(master); master = -1 }
            if consoleListener >= 0 { close(consoleListener); consoleListener = -1 }
        }
        if let consolePath { unlink(consolePath) }
    }
}
