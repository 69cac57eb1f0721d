import Glibc
import Wire
import ShimAPI
import SupervisorAPI

/// The verbs that go through berth-supervisor.
struct SupervisorVerbs {
    let endpoint: Endpoint

    func run(_ verb: String, _ argv: [String]) throws -> Int32 {
        switch verb {
        case "run": return try runTask(argv)
        case "create": return try create(argv)
        case "start": return try start(argv)
        case "list", "ls": return try list(argv)
        case "get", "info": return try get(argv)
        case "kill": return try kill(argv)
        case "wait": return try wait(argv)
        case "delete", "rm": return try delete(argv)
        case "exec": return try exec(argv)
        case "attach": return try attach(argv)
        case "pause", "resume": return try pauseResume(verb, argv)
        case "update": return try update(argv)
        case "stats": return try stats(argv)
        case "events": return try Events.follow(endpoint, argv, method: SupervisorMethod.subscribe)
        default: throw CtlError.usage("unknown verb \"\(verb)\" (see berth-ctl --help)")
        }
    }

    private func target(_ id: String) -> TaskTarget { TaskTarget(id: id, control: endpoint, viaShim: false) }

    private func runTask(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(bools: ["--tty", "--detach", "--rm"], values: ["--runtime", "--log", "--label"],
                                     aliases: ["-t": "--tty", "-d": "--detach"]))
        let p = try a.expect("BUNDLE", "ID")
        let (tty, detach, rm) = (a.flag("--tty"), a.flag("--detach"), a.flag("--rm"))
        if detach && rm { throw CtlError.usage("--rm and --detach cannot be used together") }
        let stdin = !detach && Stdin.worthForwarding
        if !detach { Session.blockSignals(Session.proxied) }
        let c = try endpoint.connect()
        let info = try c.call(SupervisorMethod.create, TaskCreateParams(
            id: p[1], bundle: try Ctl.absolute(p[0]), runtime: a.value("--runtime"), terminal: tty ? true : nil,
            stdin: stdin ? true : nil, log: try Ctl.log(a.value("--log")), labels: try Ctl.labels(a.all("--label"))), TaskInfo.self)
        let t = target(p[1])
        if detach {
            _ = try t.start(c, execID: nil)
            return 0
        }
        let session = Session(target: t, shim: .shim(info.shimAddress, trace: endpoint.trace), execID: nil,
                              tty: tty, forwardStdin: stdin)
        let exit: ExitResult
        do {
            try session.attachOutput()
            _ = try t.start(c, execID: nil)
            session.begin(proxySignals: true)
            exit = try session.finish()
        } catch {
            session.restoreTerminal()
            if rm {
                try? t.kill(c, execID: nil, signal: SIGKILL, all: true)
                _ = try? t.wait(try endpoint.connect(), execID: nil)
                _ = try? t.delete(c, execID: nil)
            }
            throw error
        }
        if rm { _ = try t.delete(c, execID: nil) }
        return Ctl.exitCode(exit.exitStatus)
    }

    private func create(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(bools: ["--tty", "--stdin"], values: ["--runtime", "--log", "--label"], aliases: ["-t": "--tty"]))
        let p = try a.expect("BUNDLE", "ID")
        _ = try endpoint.connect().call(SupervisorMethod.create, TaskCreateParams(
            id: p[1], bundle: try Ctl.absolute(p[0]), runtime: a.value("--runtime"), terminal: a.flag("--tty") ? true : nil,
            stdin: a.flag("--stdin") ? true : nil, log: try Ctl.log(a.value("--log")), labels: try Ctl.labels(a.all("--label"))),
            TaskInfo.self)
        return 0
    }

    private func start(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(values: ["--exec-id"]))
        let id = try a.expect("ID")[0]
        Out.print("\(try target(id).start(try endpoint.connect(), execID: a.value("--exec-id")))")
        return 0
    }

    private func list(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(bools: ["--quiet"], aliases: ["-q": "--quiet"]))
        _ = try a.expect()
        let tasks = try endpoint.connect().call(SupervisorMethod.list, Empty(), TaskListResult.self).tasks.sorted { $0.id < $1.id }
        if a.flag("--quiet") {
            for t in tasks { Out.print(t.id) }
            return 0
        }
        var rows = [["ID", "PID", "STATUS", "RUNTIME"]]
        for t in tasks { rows.append([t.id, "\(t.pid)", t.status, t.runtime]) }
        Out.print(Table.render(rows))
        return 0
    }

    private func get(_ argv: [String]) throws -> Int32 {
        let id = try Args(argv, .init()).expect("ID")[0]
        try JSONOut.print(try endpoint.connect().call(SupervisorMethod.get, TaskRef(id: id), TaskInfo.self))
        return 0
    }

    private func kill(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(bools: ["--all"], values: ["--signal", "--exec-id"], aliases: ["-s": "--signal", "-a": "--all"]))
        let id = try a.expect("ID")[0]
        let sig = try Signals.parse(a.value("--signal") ?? "TERM")
        try target(id).kill(try endpoint.connect(), execID: a.value("--exec-id"), signal: sig, all: a.flag("--all"))
        return 0
    }

    private func wait(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(values: ["--exec-id"]))
        let id = try a.expect("ID")[0]
        Out.print("\(try target(id).wait(try endpoint.connect(), execID: a.value("--exec-id")).exitStatus)")
        return 0
    }

    private func delete(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(values: ["--exec-id"]))
        let ids = a.positional
        guard !ids.isEmpty else { throw CtlError.usage("expected ID, got none") }
        let c = try endpoint.connect()
        for id in ids { _ = try target(id).delete(c, execID: a.value("--exec-id")) }
        return 0
    }

    private func exec(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(bools: ["--tty", "--detach"], values: ["--exec-id", "--env", "--cwd"],
                                     aliases: ["-t": "--tty", "-d": "--detach", "-e": "--env"], restAfter: 1))
        let id = try a.expect("ID")[0]
        guard let execID = a.value("--exec-id") else { throw CtlError.usage("exec needs --exec-id") }
        guard !a.rest.isEmpty else { throw CtlError.usage("exec needs a command after the task id") }
        let c = try endpoint.connect()
        let info = try c.call(SupervisorMethod.get, TaskRef(id: id), TaskInfo.self)
        return try Execution.run(target: target(id), control: c, shim: .shim(info.shimAddress, trace: endpoint.trace),
                                 bundle: info.bundle, execID: execID, args: a)
    }

    private func attach(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(values: ["--exec-id"]))
        let id = try a.expect("ID")[0]
        let info = try endpoint.connect().call(SupervisorMethod.get, TaskRef(id: id), TaskInfo.self)
        return try Execution.attach(target: target(id), shim: .shim(info.shimAddress, trace: endpoint.trace),
                                    execID: a.value("--exec-id"), tty: info.terminal)
    }

    private func pauseResume(_ verb: String, _ argv: [String]) throws -> Int32 {
        let ids = try Args(argv, .init()).positional
        guard !ids.isEmpty else { throw CtlError.usage("expected ID, got none") }
        let c = try endpoint.connect()
        for id in ids {
            _ = try c.call(verb == "pause" ? SupervisorMethod.pause : SupervisorMethod.resume, TaskRef(id: id), Empty.self)
        }
        return 0
    }

    private func update(_ argv: [String]) throws -> Int32 {
        let a = try Args(argv, .init(values: ["--memory", "--pids", "--cpu-shares"]))
        let id = try a.expect("ID")[0]
        _ = try endpoint.connect().call(SupervisorMethod.update, TaskUpdateParams(id: id, resources: try Resources.from(a)), Empty.self)
        return 0
    }

    private func stats(_ argv: [String]) throws -> Int32 {
        let id = try Args(argv, .init()).expect("ID")[0]
        try JSONOut.print(try endpoint.connect().call(SupervisorMethod.stats, TaskRef(id: id), StatsResult.self))
        return 0
    }
}

enum Table {
    /// Left-aligned columns, three spaces apart, like ctr's tabwriter output.
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 3) }.joined()
        }.joined(separator: "\n")
    }
}
