import Glibc
import LinuxSys

/// berth-supervisor's command line. Every path is a flag so tests and
/// side-by-side installs use private ones.
public struct SupervisorOptions: Sendable, Equatable {
    public var address = "/run/berth/supervisor.sock"
    public var root = "/var/lib/berth/supervisor"
    public var shimDir = "/run/berth/shims"
    /// nil: `berth-shim` next to our own executable, else from PATH.
    public var shim: String?
    public var runtime = "berth-runtime"
    public var runtimeRoot = "/run/berth/runtime"
    public var debug = false
    public var trace = false
    /// How many recent events Events.Subscribe with replay can deliver.
    public var eventBuffer = 1024

    public init() {}

    public static let usage = """
        Usage: berth-supervisor [OPTIONS]

        Runs containers ("tasks") through one berth-shim each, keeps their records durably,
        publishes their events, and recovers them after its own restart.

        Options:
          --address SOCK        socket to serve on (default /run/berth/supervisor.sock)
          --root DIR            durable task records (default /var/lib/berth/supervisor)
          --shim-dir DIR        shim sockets and state (default /run/berth/shims)
          --shim PATH           the shim binary (default: berth-shim next to this binary, else PATH)
          --runtime NAME|PATH   default OCI runtime for tasks (default berth-runtime)
          --runtime-root DIR    the runtime's --root (default /run/berth/runtime)
          --event-buffer N      recent events kept for replay (default 1024)
          --debug               log debug messages
          --trace               log every frame sent and received
          -h, --help            show this help
          -v, --version         print the version

        SIGTERM or SIGINT stops the supervisor; containers and shims keep running.
        """

    public enum ParseResult: Equatable {
        case run(SupervisorOptions)
        case help
        case version
    }

    public static func parse(_ args: [String]) throws -> ParseResult {
        var o = SupervisorOptions()
        var i = 0
        func value(_ flag: String, _ inline: String?) throws -> String {
            if let inline { return inline }
            i += 1
            guard i < args.count else { throw RuntimeError("flag needs an argument: \(flag)") }
            return args[i]
        }
        while i < args.count {
            let arg = args[i]
            var flag = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            switch flag {
            case "--address", "-a": o.address = try path(flag, stripUnix(try value(flag, inline)))
            case "--root": o.root = try path(flag, try value(flag, inline))
            case "--shim-dir": o.shimDir = try path(flag, try value(flag, inline))
            case "--shim": o.shim = try nonEmpty(flag, try value(flag, inline))
            case "--runtime": o.runtime = try nonEmpty(flag, try value(flag, inline))
            case "--runtime-root": o.runtimeRoot = try path(flag, try value(flag, inline))
            case "--event-buffer":
                let v = try value(flag, inline)
                guard let n = Int(v), n >= 0 else { throw RuntimeError("invalid value \"\(v)\" for --event-buffer: not a count") }
                o.eventBuffer = n
            case "--debug": o.debug = true
            case "--trace": o.trace = true
            case "-h", "--help": return .help
            case "-v", "--version": return .version
            default:
                throw RuntimeError(arg.hasPrefix("-") ? "flag provided but not defined: \(arg)" : "unexpected argument: \(arg)")
            }
            i += 1
        }
        return .run(o)
    }

    static func stripUnix(_ s: String) -> String {
        s.hasPrefix("unix://") ? String(s.dropFirst("unix://".count)) : s
    }

    private static func nonEmpty(_ flag: String, _ v: String) throws -> String {
        guard !v.isEmpty else { throw RuntimeError("\(flag) cannot be empty") }
        return v
    }

    /// Paths are made absolute: shims run with another working directory.
    private static func path(_ flag: String, _ v: String) throws -> String {
        guard !v.isEmpty else { throw RuntimeError("\(flag) cannot be empty") }
        if v.hasPrefix("/") { return v }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { throw SyscallError("getcwd", "for \(flag) \(v)") }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (cwd == "/" ? "" : cwd) + "/" + v
    }
}

/// Where executables are found: next to our own binary, then PATH.
enum ExecutableLookup {
    static func selfDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return FileIO.parent(of: path)
    }

    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0 && !FileIO.isDirectory(path)
    }

    static func inPath(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    /// A bare name is looked up next to us first when `preferSelfDir` (our own
    /// companion binaries), then in PATH; a name with a slash is used as given.
    static func resolve(_ name: String, preferSelfDir: Bool) -> String {
        if name.contains("/") { return name }
        if preferSelfDir, let dir = selfDirectory(), isExecutable("\(dir)/\(name)") { return "\(dir)/\(name)" }
        if let found = inPath(name) { return found }
        if !preferSelfDir, let dir = selfDirectory(), isExecutable("\(dir)/\(name)") { return "\(dir)/\(name)" }
        return name
    }
}
