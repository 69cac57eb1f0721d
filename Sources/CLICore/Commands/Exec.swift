import Glibc
import APIClient
import JSON
import LinuxSys

/// `berth exec`: create the exec, start it hijacked (or detached), stream, exit with its code.
enum Exec {
    static var command: Command {
        Command("exec", usage: "[OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container",
                args: .atLeast(2), flags: [
            Flag("detach", "d", .bool, "Detached mode: run command in the background"),
            Flag("detach-keys", nil, .string, "Override the key sequence for detaching a container"),
            Flag("env", "e", .list, "Set environment variables"),
            Flag("env-file", nil, .list, "Read in a file of environment variables"),
            Flag("interactive", "i", .bool, "Keep STDIN open even if not attached"),
            Flag("privileged", nil, .bool, "Give extended privileges to the command"),
            Flag("tty", "t", .bool, "Allocate a pseudo-TTY"),
            Flag("user", "u", .string, "Username or UID (format: \"<name|uid>[:<group|gid>]\")"),
            Flag("workdir", "w", .string, "Working directory inside the container"),
        ], interspersed: false, run: run)
    }

    static func run(_ inv: Invocation) throws -> Int32 {
        let f = inv.flags
        let container = inv.args[0]
        let detach = f.bool("detach"), tty = f.bool("tty"), interactive = f.bool("interactive")
        let detachKeys = f.string("detach-keys")
        let keys = try HijackedStreamer.parseDetachKeys(detachKeys ?? "ctrl-p,ctrl-q")
        let env = try KeyValueFile.read(files: f.list("env-file"),
                                        override: f.list("env").map { try ContainerSpec.validateEnv($0, inv.ctx.environment) },
                                        lookup: { inv.ctx.environment[$0] }, flag: "--env-file")
        let client = try inv.ctx.client()
        _ = try client.getJSON(Lifecycle.path(container, "/json"))
        let attachStdin = !detach && interactive
        if !detach && attachStdin && tty && !Terminal.isTerminal(0) { throw CLIError("the input device is not a TTY") }

        var body = JSONBuilder()
        body.set("User", f.string("user"))
        body.set("Privileged", f.bool("privileged"))
        body.set("Tty", tty)
        body.set("AttachStdin", attachStdin)
        body.set("AttachStderr", !detach)
        body.set("AttachStdout", !detach)
        body.set("Detach", detach)
        body.set("DetachKeys", detachKeys)
        body.set("Env", .strings(env))
        body.set("WorkingDir", f.string("workdir"))
        body.set("Cmd", .strings(Array(inv.args.dropFirst())))
        var consoleSize: JSONValue?
        if tty, let (rows, cols) = Terminal.size(1) { consoleSize = .array([.int(rows), .int(cols)]) }
        body.set("ConsoleSize", consoleSize)
        let created = try client.request("POST", Lifecycle.path(container, "/exec"), json: body.value)
        let execID = ((try? JSON.parse(created.body)) ?? .null)["Id"].stringValue
        if execID.isEmpty { throw CLIError("exec ID empty") }

        var start = JSONBuilder()
        start.set("Detach", detach)
        start.set("Tty", tty)
        start.set("ConsoleSize", consoleSize)
        let startPath = "/exec/" + Query.pathEscape(execID) + "/start"
        if detach {
            try client.request("POST", startPath, json: start.value)
            return 0
        }
        let monitorSize = tty && Terminal.isTerminal(0)
        let watcher = ContainerIO.watchSignals(client, execID, proxy: false, resizeExec: monitorSize ? true : nil)
        defer { watcher?.stop() }
        let conn = try client.hijack(startPath, json: start.value)
        if monitorSize { ContainerIO.resize(client, execID, exec: true) }
        let streamer = HijackedStreamer(conn: conn, tty: tty, stdinFD: attachStdin ? 0 : nil, out: inv.ctx.out,
                                        err: tty ? inv.ctx.out : inv.ctx.err, detachKeys: keys)
        if try streamer.run() == .detached { throw CLIError("read escape sequence") }
        let status: JSONValue
        do { status = try client.getJSON("/exec/" + Query.pathEscape(execID) + "/json") } catch let e as APIError {
            if case .cannotConnect = e { throw StatusError(nil, status: -1) }
            throw e
        }
        let code = Int32(truncatingIfNeeded: status["ExitCode"].int)
        if code != 0 { throw StatusError(nil, status: code) }
        return 0
    }
}

/// `berth logs`.
enum Logs {
    static var command: Command {
        Command("logs", usage: "[OPTIONS] CONTAINER", "Fetch the logs of a container", args: .exact(1), flags: [
            Flag("details", nil, .bool, "Show extra details provided to logs"),
            Flag("follow", "f", .bool, "Follow log output"),
            Flag("since", nil, .string, "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
            Flag("tail", "n", .string, "Number of lines to show from the end of the logs", default: "\"all\""),
            Flag("timestamps", "t", .bool, "Show timestamps"),
            Flag("until", nil, .string, "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
        ]) { inv in
            let f = inv.flags
            let client = try inv.ctx.client()
            let c = try client.getJSON(Lifecycle.path(inv.args[0], "/json"))
            var q = Query()
            q.add("stdout", "1")
            q.add("stderr", "1")
            if let s = f.string("since"), !s.isEmpty { q.add("since", try GoTimeArg.timestamp(s, flag: "since")) }
            if let u = f.string("until"), !u.isEmpty { q.add("until", try GoTimeArg.timestamp(u, flag: "until")) }
            q.flag("timestamps", f.bool("timestamps"))
            q.flag("follow", f.bool("follow"))
            q.add("tail", f.string("tail", default: "all"))
            q.flag("details", f.bool("details"))
            let stream = try client.stream("GET", Lifecycle.path(c["Id"].stringValue, "/logs"), query: q)
            if c["Config"]["Tty"].bool {
                try stream.copy(to: inv.ctx.out)
            } else {
                try demultiplex(stream, stdout: inv.ctx.out, stderr: inv.ctx.err)
            }
            return 0
        }
    }
}

/// `--since` / `--until` values as the API wants them.
enum GoTimeArg {
    static func timestamp(_ v: String, flag: String) throws -> String {
        do { return try WallTime.apiTimestamp(v) } catch { throw CLIError("invalid value for \"\(flag)\": \(error)") }
    }
}
