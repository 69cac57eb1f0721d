import Glibc
import LinuxSys

enum Commands {
    static func dispatch(_ rt: Runtime, verb: String, args: [String]) throws -> Int32 {
        switch verb {
        case "create", "run":
            let p = try ArgParser.parse(args, FlagSpec(
                values: ["bundle|b", "pid-file", "console-socket", "preserve-fds"],
                bools: ["no-pivot", "detach|d", "no-new-keyring", "no-subreaper", "keep"]), command: verb)
            var o = CreateOptions()
            o.id = try oneID(p, verb)
            o.bundle = p.value("bundle") ?? "."
            o.pidFile = p.value("pid-file").map(absoluteFrom(cwd:))
            o.consoleSocket = p.value("console-socket")
            o.noPivot = p.flag("no-pivot")
            o.preserveFds = try p.value("preserve-fds").map { v in
                guard let n = Int(v), n >= 0 else { throw RuntimeError("--preserve-fds \"\(v)\": want a number") }
                return n
            } ?? 0
            if verb == "create" {
                _ = try Create.run(rt, o)
                return 0
            }
            return try Run.run(rt, o, detach: p.flag("detach"))
        case "start":
            let p = try ArgParser.parse(args, FlagSpec(), command: verb)
            try Lifecycle.start(rt, id: try oneID(p, verb))
            return 0
        case "state":
            let p = try ArgParser.parse(args, FlagSpec(), command: verb)
            FileHandleOut.stdout(try Lifecycle.state(rt, id: try oneID(p, verb)))
            return 0
        case "kill":
            let p = try ArgParser.parse(args, FlagSpec(bools: ["all|a"]), command: verb)
            guard p.positional.count == 1 || p.positional.count == 2 else {
                throw RuntimeError("kill: usage: berth-runtime kill [--all] <container-id> [signal]")
            }
            let sig = try Signals.parse(p.positional.count == 2 ? p.positional[1] : "SIGTERM")
            try Lifecycle.kill(rt, id: p.positional[0], signal: sig, all: p.flag("all"))
            return 0
        case "delete":
            let p = try ArgParser.parse(args, FlagSpec(bools: ["force|f"]), command: verb)
            try Lifecycle.delete(rt, id: try oneID(p, verb), force: p.flag("force"))
            return 0
        case "pause", "resume":
            let p = try ArgParser.parse(args, FlagSpec(), command: verb)
            let id = try oneID(p, verb)
            if verb == "pause" { try Lifecycle.pause(rt, id: id) } else { try Lifecycle.resume(rt, id: id) }
            return 0
        case "list":
            let p = try ArgParser.parse(args, FlagSpec(values: ["format|f"], bools: ["quiet|q"]), command: verb)
            FileHandleOut.stdout(try Listing.list(rt, format: p.value("format") ?? "table", quiet: p.flag("quiet")))
            return 0
        case "ps":
            let p = try ArgParser.parse(args, FlagSpec(values: ["format|f"], positionalStop: 1), command: verb)
            guard let id = p.positional.first else { throw RuntimeError("ps: give a container id") }
            FileHandleOut.stdout(try Listing.ps(rt, id: id, format: p.value("format") ?? "table",
                                                psArgs: Array(p.positional.dropFirst())))
            return 0
        case "exec":
            return try exec(rt, args)
        case "update":
            let valueFlags = ["resources|r", "memory", "memory-swap", "memory-reservation", "kernel-memory",
                              "kernel-memory-tcp", "cpu-shares", "cpu-quota", "cpu-period", "cpu-rt-period",
                              "cpu-rt-runtime", "cpuset-cpus", "cpuset-mems", "pids-limit", "blkio-weight", "l3-cache-schema", "mem-bw-schema"]
            let p = try ArgParser.parse(args, FlagSpec(values: valueFlags), command: verb)
            var flags: [String: String] = [:]
            for (k, v) in p.values where k != "resources" { flags[k] = v.last }
            try Update.run(rt, id: try oneID(p, verb), resourcesFile: p.value("resources"), flags: flags)
            return 0
        case "events":
            let p = try ArgParser.parse(args, FlagSpec(values: ["interval"], bools: ["stats"]), command: verb)
            let interval = p.value("interval").map { Double($0.filter { $0 != "s" }) ?? 5 } ?? 5
            try Events.run(rt, id: try oneID(p, verb), statsOnce: p.flag("stats"), interval: interval)
            return 0
        case "spec":
            let p = try ArgParser.parse(args, FlagSpec(values: ["bundle|b"], bools: ["rootless"]), command: verb)
            try SpecCommand.write(bundle: p.value("bundle") ?? ".", rootless: p.flag("rootless"))
            return 0
        case "features":
            FileHandleOut.stdout(try SpecCommand.features())
            return 0
        default:
            throw RuntimeError("No help topic for '\(verb)': unknown command (see berth-runtime --help)")
        }
    }

    static func exec(_ rt: Runtime, _ args: [String]) throws -> Int32 {
        let p = try ArgParser.parse(args, FlagSpec(
            values: ["process|p", "pid-file", "console-socket", "cwd", "env|e", "user|u", "additional-gids|g",
                     "cap|c", "preserve-fds", "process-label", "apparmor", "cgroup"],
            bools: ["tty|t", "detach|d", "no-new-privs", "ignore-paused"], positionalStop: 1), command: "exec")
        guard let id = p.positional.first else { throw RuntimeError("exec: give a container id") }
        var o = ExecOptions()
        o.id = id
        o.args = Array(p.positional.dropFirst())
        o.processFile = p.value("process")
        o.tty = p.flag("tty")
        o.detach = p.flag("detach")
        o.pidFile = p.value("pid-file").map(absoluteFrom(cwd:))
        o.consoleSocket = p.value("console-socket")
        o.cwd = p.value("cwd")
        o.env = p.all("env")
        o.user = p.value("user")
        o.caps = p.all("cap")
        o.noNewPrivs = p.flag("no-new-privs")
        o.additionalGids = try p.all("additional-gids").map {
            guard let g = UInt32($0) else { throw RuntimeError("--additional-gids \"\($0)\": want a number") }
            return g
        }
        o.preserveFds = Int(p.value("preserve-fds") ?? "0") ?? 0
        o.apparmor = p.value("apparmor")
        o.processLabel = p.value("process-label")
        return try Exec.run(rt, o)
    }

    static func oneID(_ p: ParsedArgs, _ verb: String) throws -> String {
        guard p.positional.count == 1 else {
            throw RuntimeError("\(verb): requires exactly 1 argument: the container id")
        }
        return p.positional[0]
    }

    static func absoluteFrom(cwd path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { return path }
        return String(cString: buf) + "/" + path
    }
}
