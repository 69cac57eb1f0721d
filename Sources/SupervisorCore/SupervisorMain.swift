import Glibc
import LinuxSys
import Wire
import SupervisorAPI

public let supervisorVersion = "0.1.0"

/// berth-supervisor as a program: flags, recovery, serving, and a clean stop on
/// SIGTERM/SIGINT that leaves every shim and container running.
public enum SupervisorMain {
    public static func run(_ args: [String]) -> Int32 {
        let options: SupervisorOptions
        do {
            switch try SupervisorOptions.parse(args) {
            case .help: print(SupervisorOptions.usage); return 0
            case .version: print("berth-supervisor version \(supervisorVersion)"); return 0
            case .run(let o): options = o
            }
        } catch {
            stderr("berth-supervisor: \(error)\nRun 'berth-supervisor --help' for usage.")
            return 2
        }
        // Blocked before any thread exists, so only the signal thread sees them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        signal(SIGPIPE, SIG_IGN)

        let log = Logger(debug: options.debug)
        do {
            try serve(options, log: log, stopSignals: stopSignals)
            return 0
        } catch {
            log.error("\(error)")
            return 1
        }
    }

    private static func serve(_ options: SupervisorOptions, log: Logger, stopSignals: sigset_t) throws {
        let hub = EventHub(capacity: options.eventBuffer)
        let manager = TaskManager(options: options, hub: hub, log: log)
        try manager.prepare()
        let lockFd = try lockRoot(options.root)
        defer { close(lockFd) }
        try FileIO.mkdirAll(FileIO.parent(of: options.address), mode: 0o711)

        log.info("starting: root \(options.root), shims \(options.shimDir) (\(manager.launcher.binary)), runtime \(options.runtime)")
        if !ExecutableLookup.isExecutable(manager.launcher.binary) {
            log.warn("no shim binary at \(manager.launcher.binary) (not next to this binary, not on PATH): creates will fail; use --shim")
        }
        if let runtime = try? manager.resolveRuntime(nil), !ExecutableLookup.isExecutable(runtime) {
            log.warn("default runtime \(options.runtime) not found: tasks must name theirs; use --runtime")
        }
        manager.recover()

        let server = RPCServer(protocolName: SupervisorProtocol.name, version: SupervisorProtocol.version,
                               serverName: "berth-supervisor \(supervisorVersion)")
        if options.trace { server.traceSink = { line in log.line(line) } }
        SupervisorService(manager: manager, hub: hub).register(on: server)
        hub.attach(server)
        try server.listen(path: options.address)
        log.info("serving on \(options.address)")
        spawnThread { server.serve() }

        var set = stopSignals
        var sig: Int32 = 0
        while sigwait(&set, &sig) != 0 {}
        log.info("received signal \(sig); stopping (shims and containers keep running)")
        server.stop()
        unlink(options.address)
    }

    /// One supervisor per root: two would race over the same records and shims.
    private static func lockRoot(_ root: String) throws -> Int32 {
        let path = root + "/supervisor.lock"
        let fd = try sys("open", path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK { throw RuntimeError("another berth-supervisor is using \(root) (\(path) is locked)") }
            throw SyscallError("flock", path, errno: e)
        }
        return fd
    }

    private static func stderr(_ s: String) {
        try? FileIO.writeAll(fd: 2, s + "\n")
    }
}
