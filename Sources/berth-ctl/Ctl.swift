import Glibc
import Wire
import ShimAPI
import SupervisorAPI
import OCISpec

/// berth-ctl: a debug client for berth-supervisor and berth-shim, like containerd's ctr.
enum Ctl {
    static let version = "berth-ctl 0.1.0"

    static let usage = """
        Usage: berth-ctl [--address SOCK] [--trace] VERB [ARGS]
               berth-ctl [--trace] shim --socket SOCK VERB [ARGS]

        Speaks the supervisor protocol (default socket /run/berth/supervisor.sock) or, with
        `shim`, one shim's protocol directly.

        Verbs (supervisor):
          run [--runtime R] [-t|--tty] [-d|--detach] [--rm] [--log FILE] [--label K=V] BUNDLE ID
                                 create and start a task; unless detached, stream its output,
                                 forward stdin and signals, and exit with its exit status
          create [--runtime R] [-t|--tty] [--stdin] [--log FILE] [--label K=V] BUNDLE ID
          start ID               start a created task (prints its pid)
          list, ls               the tasks: ID PID STATUS RUNTIME
          get ID                 one task as JSON
          kill [-s|--signal S] [-a|--all] [--exec-id X] ID
          wait [--exec-id X] ID  prints the exit status once the process has exited
          delete, rm [--exec-id X] ID
          exec [-t|--tty] [-d|--detach] --exec-id X [--env K=V] [--cwd DIR] ID CMD [ARG...]
                                 run CMD in the task (the task's process with these args)
          attach [--exec-id X] ID  stream a running process's output, forward stdin
          pause ID, resume ID
          update [--memory BYTES] [--pids N] [--cpu-shares N] ID
          stats ID               cgroup statistics as JSON
          events [--replay] [--topic NAME]...   print events as JSON lines until interrupted

        Verbs (shim --socket SOCK): create [--runtime R] [--runtime-root DIR] [-t] [--stdin]
          [--log FILE] BUNDLE ID, start, state, kill, wait, delete ([--exec-id X] for each),
          exec, attach, pause, resume, stats, pids, events, shutdown.

        Options:
          -a, --address SOCK     the supervisor's socket (unix:// prefix allowed)
          --trace                print every frame sent (> {...}) and received (< {...}) to stderr
          -h, --help             this help
          -v, --version          print the version

        Errors print as `berth-ctl: <message>` with exit status 1.
        """

    static func main(_ argv: [String]) -> Int32 {
        do {
            return try dispatch(argv)
        } catch let e as CtlError {
            Out.error(e.message)
            return e.status
        } catch let e as WireError {
            Out.error(e.message)
            return 1
        } catch {
            Out.error("\(error)")
            return 1
        }
    }

    static func dispatch(_ argv: [String]) throws -> Int32 {
        var address = "/run/berth/supervisor.sock"
        var trace = false
        var i = 0
        while i < argv.count, argv[i].hasPrefix("-") {
            let arg = argv[i]
            i += 1
            switch arg {
            case "--trace": trace = true
            case "-h", "--help": Out.print(usage); return 0
            case "-v", "--version": Out.print(version); return 0
            case "-a", "--address":
                guard i < argv.count else { throw CtlError.usage("flag needs an argument: \(arg)") }
                address = argv[i]
                i += 1
            default:
                if arg.hasPrefix("--address=") { address = String(arg.dropFirst(10)); continue }
                throw CtlError.usage("unknown flag: \(arg)")
            }
        }
        guard i < argv.count else { throw CtlError.usage("no verb given (see berth-ctl --help)") }
        let verb = argv[i]
        let rest = Array(argv[(i + 1)...])
        if verb == "shim" { return try ShimVerbs.dispatch(rest, trace: trace) }
        if verb == "help" { Out.print(usage); return 0 }
        return try SupervisorVerbs(endpoint: .supervisor(address, trace: trace)).run(verb, rest)
    }

    /// The bundle as an absolute path: the daemons do not share our working directory.
    static func absolute(_ path: String) throws -> String {
        guard let r = realpath(path, nil) else {
            throw CtlError("bundle \(path): \(String(cString: strerror(errno)))")
        }
        defer { free(r) }
        return String(cString: r)
    }

    static func labels(_ pairs: [String]) throws -> [String: String]? {
        if pairs.isEmpty { return nil }
        var out: [String: String] = [:]
        for p in pairs {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else { throw CtlError.usage("invalid label \"\(p)\": expected KEY=VALUE") }
            out[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        return out
    }

    static func log(_ path: String?) throws -> LogConfig? {
        guard let path else { return nil }
        return LogConfig(path: path.hasPrefix("/") ? path : try absoluteParent(path))
    }

    private static func absoluteParent(_ path: String) throws -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { throw CtlError("getcwd: \(String(cString: strerror(errno)))") }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
    }

    /// The process for exec: the task's own process from its bundle, with CMD as args.
    static func execProcess(bundle: String, args: [String], tty: Bool, env: [String], cwd: String?) throws -> Process {
        let spec = try Spec.load(from: bundle + "/config.json")
        var p = spec.process ?? Process()
        p.args = args
        p.terminal = tty
        p.consoleSize = nil
        if !env.isEmpty { p.env = (p.env ?? []) + env }
        if let cwd { p.cwd = cwd }
        return p
    }

    /// exit(3) takes the low byte; statuses are already shell-style (128+N for signals).
    static func exitCode(_ status: Int32) -> Int32 { status & 0xff }
}

