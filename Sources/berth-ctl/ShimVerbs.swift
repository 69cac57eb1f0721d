import Glibc
import Wire
import ShimAPI
import OCISpec

/// exec and attach, the same through the supervisor or a shim.
enum Execution {
    static func run(target: TaskTarget, control c: RPCClient, shim: Endpoint, bundle: String, execID: String, args a: Args) throws -> Int32 {
        let tty = a.flag("--tty"), detach = a.flag("--detach")
        let process = try Ctl.execProcess(bundle: bundle, args: a.rest, tty: tty, env: a.all("--env"), cwd: a.value("--cwd"))
        let stdin = !detach && Stdin.worthForwarding
        try target.exec(c, execID: execID, process: process, stdin: stdin)
        if detach {
            Out.print("\(try target.start(c, execID: execID))")
            return 0
        }
        Session.blockSignals(Session.proxied)
        let session = Session(target: target, shim: shim, execID: execID, tty: tty, forwardStdin: stdin)
        let exit: ExitResult
        do {
            try session.attachOutput()
            _ = try target.start(c, execID: execID)
            session.begin(proxySignals: true)
            exit = try session.finish()
        } catch {
            session.restoreTerminal()
            _ = try? target.delete(c, execID: execID)
            throw error
        }
        // Like ctr: an exec'd process is gone once it has been waited for.
        _ = try target.delete(c, execID: execID)
        return Ctl.exitCode(exit.exitStatus)
    }

    static func attach(target: TaskTarget, shim: Endpoint, execID: String?, tty: Bool) throws -> Int32 {
        let stdin = Stdin.worthForwarding
        let session = Session(target: target, shim: shim, execID: execID, tty: tty, forwardStdin: stdin)
        try session.attachOutput()
        session.begin(proxySignals: false)
        return Ctl.exitCode(try session.finish().exitStatus)
    }
}

enum Events {
    /// Prints every event as one JSON line, exactly as the daemon sent it.
    static func follow(_ endpoint: Endpoint, _ argv: [String], method: String) throws -> Int32 {
        let a = try Args(argv, .init(bools: ["--replay"], values: ["--topic"]))
        _ = try a.expect()
        let c = try endpoint.connect()
        let topics = a.all("--topic")
        _ = try c.call(method, SubscribeParams(topics: topics.isEmpty ? nil : topics, replay: a.flag("--replay") ? true : nil), Empty.self)
        while true {
            let ev: (name: String, frame: [UInt8])
            do {
                ev = try c.nextEvent()
            } catch FrameConnection.ReadError.closed {
                throw CtlError("the daemon closed the connection")
            }
            Out.write(1, ev.frame + [10])
        }
    }
}

enum Resources {
    static func from(_ a: Args) throws -> LinuxResources {
        var r = LinuxResources()
        func number(_ flag: String) throws -> Int64? {
            guard let v = a.value(flag) else { return nil }
            guard let n = Int64(v) else { throw CtlError.usage("invalid value \"\(v)\" for \(flag): not a number") }
            return n
        }
        if let m = try number("--memory") { r.memory = LinuxMemory(limit: m) }
        if let p = try number("--pids") { r.pids = LinuxPids(limit: p) }
        if let s = try number("--cpu-shares") {
            guard s >= 0 else { throw CtlError.usage("invalid value \"\(s)\" for --cpu-shares: negative") }
            r.cpu = LinuxCPU(shares: UInt64(s))
        }
        if r == LinuxResources() { throw CtlError.usage("update needs --memory, --pids or --cpu-shares") }
        return r
    }
}

/// `berth-ctl shim --socket SOCK VERB`: one shim's protocol, no supervisor involved.
enum ShimVerbs {
    static func dispatch(_ argv: [String], trace: Bool) throws -> Int32 {
        var socket: String?
        var i = 0
        while i < argv.count, argv[i].hasPrefix("-") {
            let arg = argv[i]
            i += 1
            if arg == "--socket" || arg == "-s" {
                guard i < argv.count else { throw CtlError.usage("flag needs an argument: \(arg)") }
                socket = argv[i]
                i += 1
            } else if arg.hasPrefix("--socket=") {
                socket = String(arg.dropFirst(9))
            } else {
                throw CtlError.usage("unknown flag for shim: \(arg)")
            }
        }
        guard let socket else { throw CtlError.usage("shim needs --socket SOCK") }
        guard i < argv.count else { throw CtlError.usage("shim: no verb given (see berth-ctl --help)") }
        let endpoint = Endpoint.shim(socket, trace: trace)
        return try run(endpoint, argv[i], Array(argv[(i + 1)...]))
    }

    private static func run(_ e: Endpoint, _ verb: String, _ argv: [String]) throws -> Int32 {
        // The shim serves one task; its id only matters for messages.
        let target = TaskTarget(id: "", control: e, viaShim: true)
        switch verb {
        case "create":
            let a = try Args(argv, .init(bools: ["--tty", "--stdin"], values: ["--runtime", "--runtime-root", "--log"],
                                         aliases: ["-t": "--tty"]))
            let p = try a.expect("BUNDLE", "ID")
            let r = try e.connect().call(ShimMethod.create, ShimCreateParams(
                id: p[1], bundle: try Ctl.absolute(p[0]), runtime: a.value("--runtime") ?? "berth-runtime",
                runtimeRoot: a.value("--runtime-root"), terminal: a.flag("--tty") ? true : nil,
                stdin: a.flag("--stdin") ? true : nil, log: try Ctl.log(a.value("--log"))), PidResult.self)
            Out.print("\(r.pid)")
        case "start":
            let a = try Args(argv, .init(values: ["--exec-id"]))
            _ = try a.expect()
            Out.print("\(try target.start(try e.connect(), execID: a.value("--exec-id")))")
        case "state":
            let a = try Args(argv, .init(values: ["--exec-id"]))
            _ = try a.expect()
            try JSONOut.print(try e.connect().call(ShimMethod.state, ProcessRef(execID: a.value("--exec-id")), ProcessState.self))
        case "kill":
            let a = try Args(argv, .init(bools: ["--all"], values: ["--signal", "--exec-id"], aliases: ["-s": "--signal", "-a": "--all"]))
            _ = try a.expect()
            try target.kill(try e.connect(), execID: a.value("--exec-id"), signal: try Signals.parse(a.value("--signal") ?? "TERM"),
                            all: a.flag("--all"))
        case "wait":
            let a = try Args(argv, .init(values: ["--exec-id"]))
            _ = try a.expect()
            Out.print("\(try target.wait(try e.connect(), execID: a.value("--exec-id")).exitStatus)")
        case "delete", "rm":
            let a = try Args(argv, .init(values: ["--exec-id"]))
            _ = try a.expect()
            _ = try target.delete(try e.connect(), execID: a.value("--exec-id"))
        case "exec":
            let a = try Args(argv, .init(bools: ["--tty", "--detach"], values: ["--exec-id", "--env", "--cwd"],
                                         aliases: ["-t": "--tty", "-d": "--detach", "-e": "--env"], restAfter: 0))
            guard let execID = a.value("--exec-id") else { throw CtlError.usage("exec needs --exec-id") }
            guard !a.rest.isEmpty else { throw CtlError.usage("exec needs a command") }
            let c = try e.connect()
            return try Execution.run(target: target, control: c, shim: e, bundle: try target.bundle(c), execID: execID, args: a)
        case "attach":
            let a = try Args(argv, .init(values: ["--exec-id"]))
            _ = try a.expect()
            let state = try e.connect().call(ShimMethod.state, ProcessRef(execID: a.value("--exec-id")), ProcessState.self)
            return try Execution.attach(target: target, shim: e, execID: a.value("--exec-id"), tty: state.terminal)
        case "pause", "resume", "shutdown":
            _ = try Args(argv, .init()).expect()
            let m = verb == "pause" ? ShimMethod.pause : verb == "resume" ? ShimMethod.resume : ShimMethod.shutdown
            _ = try e.connect().call(m, Empty(), Empty.self)
        case "stats":
            _ = try Args(argv, .init()).expect()
            try JSONOut.print(try e.connect().call(ShimMethod.stats, Empty(), StatsResult.self))
        case "pids":
            _ = try Args(argv, .init()).expect()
            for p in try e.connect().call(ShimMethod.pids, Empty(), PidsResult.self).pids { Out.print("\(p)") }
        case "events":
            return try Events.follow(e, argv, method: ShimMethod.subscribe)
        default:
            throw CtlError.usage("unknown shim verb \"\(verb)\" (see berth-ctl --help)")
        }
        return 0
    }
}
