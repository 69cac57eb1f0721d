import Glibc
import LinuxSys
import HTTP
import EngineCore
import Images
import Registry

/// berthd as a whole: the engine, the image store, the supervisor link and the API
/// server on every `-H` address.
final class Daemon: @unchecked Sendable {
    static let version = "0.2.0"
    static let apiVersion = "1.47"
    static let minAPIVersion = "1.24"

    let options: DaemonOptions
    let log: EngineLog
    let engine: ContainerEngine
    let images: ImageStore
    let imageAdapter: ImageAdapter
    let supervisor: SupervisorLink
    let router = Router()
    /// HTTPS to registries (URLSession), made on the first pull or push that needs it.
    let registryTransports: Transports
    let server: HTTPServer
    let started = WallTime.now()
    var unixSockets: [String] = []

    init(_ o: DaemonOptions) throws {
        options = o
        log = EngineLog(debug: o.debug)
        guard getuid() == 0 else { throw RuntimeError("berthd needs to run as root") }
        try FileIO.mkdirAll(o.dataRoot, mode: 0o711)
        try FileIO.mkdirAll(o.execRoot, mode: 0o711)
        let exeDir = Self.executableDir()
        var runtimes: [String: String] = [:]
        let ownRuntime = "\(exeDir)/berth-runtime"
        runtimes["berth-runtime"] = access(ownRuntime, X_OK) == 0 ? ownRuntime : "berth-runtime"
        for name in ["runc", "crun"] { if let p = Self.which(name) { runtimes[name] = p } }
        for (k, v) in o.runtimes { runtimes[k] = v }
        guard runtimes[o.defaultRuntime] != nil else {
            throw RuntimeError("default runtime \(o.defaultRuntime) is not a known runtime; add it with --add-runtime \(o.defaultRuntime)=PATH")
        }

        let supervisorSocket = o.supervisor.map { $0.hasPrefix("unix://") ? String($0.dropFirst(7)) : $0 }
            ?? "\(o.execRoot)/supervisor.sock"
        var launch: SupervisorLink.Launch?
        if o.supervisor == nil {
            let bin = "\(exeDir)/berth-supervisor"
            launch = SupervisorLink.Launch(
                binary: access(bin, X_OK) == 0 ? bin : (Self.which("berth-supervisor") ?? bin),
                root: "\(o.dataRoot)/supervisor", shimDir: "\(o.execRoot)/shims", runtimeRoot: "\(o.execRoot)/runtime",
                runtime: runtimes[o.defaultRuntime] ?? o.defaultRuntime, logPath: "\(o.execRoot)/supervisor.log", debug: o.debug)
        }
        supervisor = SupervisorLink(socket: supervisorSocket, launch: launch, log: log)
        images = try ImageStore(root: "\(o.dataRoot)/image")
        // A layer becomes visible only by rename once complete, so a killed daemon never
        // leaves half a layer; syncfs per layer would add seconds per layer on a busy disk
        // for power-loss safety that dockerd does not offer either.
        images.layers.durable = false
        imageAdapter = ImageAdapter(images)
        let dockerIO: HTTPURL
        do { dockerIO = try HTTPURL(parsing: o.dockerIOServer) } catch {
            throw RuntimeError("invalid docker-io-server \"\(o.dockerIOServer)\": \(error)")
        }
        // HTTPS to registries: the berth-https helper (URLSession), started by the first
        // pull or push that needs it, with the CAs of certs.d when there are any.
        let certsDir = o.registryCertsDir, execRoot = o.execRoot
        registryTransports = Transports(
            secure: HelperTransport(binary: "\(exeDir)/berth-https", socket: "\(o.execRoot)/https.sock") {
                RegistryCAs.helperArguments(certsDir: certsDir, bundle: "\(execRoot)/https-ca-bundle.crt")
            },
            dockerIO: dockerIO)

        var eo = ContainerEngine.Options(dataRoot: o.dataRoot, execRoot: o.execRoot, defaultRuntime: o.defaultRuntime, runtimes: runtimes)
        eo.dns = o.dns; eo.dnsSearch = o.dnsSearch; eo.dnsOptions = o.dnsOptions
        eo.initBinary = ["/usr/bin/tini-static", "/usr/bin/docker-init", "/usr/libexec/docker/docker-init"].first { access($0, X_OK) == 0 }
        eo.seccompProfilePath = o.seccompProfile ?? Self.findSeccompProfile(exeDir: exeDir)
        eo.logMaxSize = o.logMaxSize.flatMap(ContainerEngine.parseSize)
        eo.logMaxFiles = o.logMaxFile.flatMap { Int($0) }
        try supervisor.ensureRunning()
        engine = try ContainerEngine(options: eo, supervisor: supervisor, images: imageAdapter, log: log)
        imageAdapter.inUse = { [weak engine] id in engine?.isImageInUse(id) }
        server = HTTPServer(router: router)
        server.maxBodyBytes = 16 << 20
        registerRoutes()
    }

    func run() throws {
        if let pidfile = options.pidfile {
            try FileIO.writeAtomic(pidfile, Array("\(getpid())\n".utf8), mode: 0o644, durable: false)
        }
        for h in options.hosts {
            if h.hasPrefix("unix://") || h.hasPrefix("/") {
                let path = h.hasPrefix("unix://") ? String(h.dropFirst(7)) : h
                try FileIO.mkdirAll(FileIO.parent(of: path))
                try server.listenUnix(path: path, mode: 0o660)
                if let gid = Self.groupID(options.group) { chown(path, 0, gid) }
                unixSockets.append(path)
            } else if h.hasPrefix("tcp://") {
                let hp = h.dropFirst(6)
                guard let colon = hp.lastIndex(of: ":"), let port = UInt16(hp[hp.index(after: colon)...]) else {
                    throw RuntimeError("invalid -H \(h): expected tcp://HOST:PORT")
                }
                let host = String(hp[..<colon])
                try server.listenTCP(host: host.isEmpty ? "127.0.0.1" : host, port: port)
            } else {
                throw RuntimeError("invalid -H \(h): only unix:// and tcp:// are supported")
            }
        }
        engine.attachToSupervisor()
        server.start()
        log.info("API listening on \(options.hosts.joined(separator: ", "))")
        waitForSignal()
        log.info("shutting down; containers keep running (live restore)")
        server.stop()
        for s in unixSockets { unlink(s) }
        if let pidfile = options.pidfile { unlink(pidfile) }
    }

    /// Blocked before any thread starts, so only `waitForSignal` ever receives them.
    static func blockSignals() {
        var set = shutdownSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    static var shutdownSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGQUIT] { sigaddset(&set, s) }
        return set
    }

    private func waitForSignal() {
        var set = Self.shutdownSignals
        var sig: Int32 = 0
        sigwait(&set, &sig)
    }

    /// The group's ID from /etc/group. Not getgrnam: NSS modules cannot be loaded into a static binary.
    static func groupID(_ name: String) -> gid_t? {
        guard let text = FileIO.readStringIfPresent("/etc/group") else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 3, f[0] == name, let id = UInt32(f[2]) { return id }
        }
        return nil
    }

    /// deploy/seccomp-default.json as installed, or in the source tree of a development build.
    static func findSeccompProfile(exeDir: String) -> String? {
        var candidates = ["/etc/berth/seccomp-default.json", "\(exeDir)/../share/berth/seccomp-default.json"]
        var dir = exeDir
        for _ in 0..<4 {
            dir = FileIO.parent(of: dir)
            candidates.append("\(dir)/deploy/seccomp-default.json")
        }
        return candidates.first { access($0, R_OK) == 0 }
    }

    static func executableDir() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return "/usr/local/bin" }
        return FileIO.parent(of: String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    static func which(_ name: String) -> String? {
        let path = String(cString: getenv("PATH") ?? strdup("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return nil
    }
}
