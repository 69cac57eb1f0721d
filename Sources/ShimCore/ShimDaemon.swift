import Glibc
import CLinux
import LinuxSys
import ShimAPI
import Wire

/// The three commands of berth-shim.
public enum ShimMain {
    public static func run(_ arguments: [String]) -> Int32 {
        let opts: ShimOptions
        do { opts = try ShimOptions(arguments: arguments) } catch {
            printErr("berth-shim: \(error)")
            return 2
        }
        switch opts.command {
        case .start: return start(opts)
        case .serve: return ShimDaemon(opts).serve()
        case .delete: return ShimCleanup.delete(opts)
        }
    }

    static func printErr(_ s: String) {
        let line = Array((s + "\n").utf8)
        _ = try? FileIO.writeAll(fd: 2, line)
    }

    static func printOut(_ s: String) {
        _ = try? FileIO.writeAll(fd: 1, Array((s + "\n").utf8))
    }

    /// A shim answers on the socket: Hello works.
    static func serving(_ socket: String) -> Bool {
        guard let client = try? RPCClient(path: socket, protocolName: ShimProtocol.name, version: ShimProtocol.version,
                                          clientName: "berth-shim") else { return false }
        client.close()
        return true
    }

    /// Makes sure 0, 1, 2 are open, so no descriptor we create lands there and is later
    /// mistaken for stdio (or overwritten by a dup2 in spawn).
    static func fillStdio() {
        while true {
            let fd = open("/dev/null", O_RDWR)
            if fd < 0 { return }
            if fd > 2 { close(fd); return }
        }
    }

    /// `start`: spawn `serve` in its own session with its stdio on /dev/null (or --log), wait
    /// on a pipe until it serves, print its address. Like containerd's `shim start`, an
    /// already-serving shim for the id is not an error: its address is printed.
    static func start(_ opts: ShimOptions) -> Int32 {
        fillStdio()
        let paths = opts.paths
        if serving(paths.socket) {
            printOut(paths.address)
            return 0
        }
        do {
            try FileIO.mkdirAll(opts.socketDir, mode: 0o711)
            let exe = try RuntimeRunner.readLink("/proc/self/exe")
            var argv = [exe, "serve", "--id", opts.id, "--socket-dir", opts.socketDir, "--ready-fd", "3"]
            if opts.debug { argv.append("--debug") }
            if opts.trace { argv.append("--trace") }
            if let log = opts.logFile { argv += ["--log", log] }
            let null = try sys("open", "/dev/null") { open("/dev/null", O_RDWR | O_CLOEXEC) }
            defer { close(null) }
            var out = null
            if let log = opts.logFile {
                try FileIO.mkdirAll(FileIO.parent(of: log))
                out = try sys("open", log) { open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640) }
            }
            defer { if out != null { close(out) } }
            var fds: [Int32] = [-1, -1]
            try sys("pipe2") { berth_pipe_cloexec(&fds) }
            let pid: Int32
            do {
                pid = try Spawn.process(exe, argv, stdio: Reaper.Stdio(stdin: null, stdout: out, stderr: out),
                                        extra: [fds[1]], newSession: true)
            } catch {
                close(fds[0]); close(fds[1])
                throw error
            }
            close(fds[1])
            let answer = readReady(fds[0], seconds: 30)
            close(fds[0])
            if answer.hasPrefix("ok") {
                printOut(paths.address)
                return 0
            }
            var reason = answer.trimmingSuffixNewlines
            if reason.isEmpty {
                kill(pid, SIGKILL)
                let status = Spawn.wait(pid)
                reason = "the shim daemon exited (status \(status)) before serving"
                    + (opts.logFile.map { "; see \($0)" } ?? "; run with --log FILE to see why")
            } else {
                _ = Spawn.wait(pid)
            }
            printErr("berth-shim: start \(opts.id): \(reason)")
            return 1
        } catch {
            printErr("berth-shim: start \(opts.id): \(error)")
            return 1
        }
    }

    /// Everything the daemon writes on the readiness pipe, until it closes it (or the time is up).
    private static func readReady(_ fd: Int32, seconds: Int32) -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&pfd, 1, seconds * 1000)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { return String(decoding: out, as: UTF8.self) }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return String(decoding: out, as: UTF8.self) }
            out += buf[0..<n]
        }
    }
}

extension String {
    var trimmingSuffixNewlines: String {
        var s = self
        while s.last == "\n" || s.last == "\r" { s.removeLast() }
        return s
    }
}

/// `serve`: the daemon itself.
final class ShimDaemon: @unchecked Sendable {
    let opts: ShimOptions
    let paths: ShimPaths
    let log: ShimLog
    private let done = Condition()
    private var shutdown = false

    init(_ opts: ShimOptions) {
        self.opts = opts
        paths = opts.paths
        log = ShimLog(debug: opts.debug)
    }

    func serve() -> Int32 {
        ShimMain.fillStdio()
        // One malloc arena: glibc would give each of the daemon's threads its own (tens of KB
        // resident apiece, for the container's whole life), and the shim's threads seldom allocate.
        _ = berth_malloc_arena_max(1)
        if let fd = opts.readyFd { _ = berth_set_cloexec(fd, 1) }
        // Writes to a vanished client or a closed pipe must fail with EPIPE, not kill the shim.
        signal(SIGPIPE, SIG_IGN)
        // The daemon must not keep the caller's directory busy.
        _ = chdir("/")
        if berth_set_child_subreaper(1) != 0 { return fail("prctl PR_SET_CHILD_SUBREAPER: \(Errno.describe(errno))") }
        if ShimMain.serving(paths.socket) { return fail("a shim is already serving \(paths.socket)") }
        do {
            try FileIO.mkdirAll(paths.socketDir, mode: 0o711)
            try FileIO.mkdirAll(paths.stateDir, mode: 0o711)
            try FileIO.writeAtomic(paths.shimPidFile, Array("\(getpid())\n".utf8), mode: 0o600, durable: false)
        } catch {
            return fail("\(error)")
        }
        let reaper = Reaper()
        reaper.start()
        let service = ShimService(id: opts.id, paths: paths, reaper: reaper, log: log)
        let server = ShimServer(service: service, log: log, trace: opts.trace)
        server.onShutdown = { [self] in
            done.with {
                shutdown = true
                done.broadcast()
            }
        }
        do {
            try server.rpc.listen(path: paths.socket)
        } catch {
            return fail("\(error)")
        }
        log.info("berth-shim \(opts.id) serving \(paths.socket) (pid \(getpid()))")
        if let fd = opts.readyFd {
            _ = try? FileIO.writeAll(fd: fd, Array("ok\n".utf8))
            close(fd)
        }
        spawnThread { server.rpc.serve() }
        done.with {
            while !shutdown { _ = done.wait() }
        }
        server.rpc.stop()
        unlink(paths.socket)
        FileIO.removeAll(paths.stateDir)
        log.info("berth-shim \(opts.id) shut down")
        // Let the Shutdown response leave before the process (and its sockets) goes.
        usleep(50_000)
        return 0
    }

    private func fail(_ message: String) -> Int32 {
        log.error(message)
        if let fd = opts.readyFd {
            _ = try? FileIO.writeAll(fd: fd, Array((message + "\n").utf8))
            close(fd)
        }
        return 1
    }
}
