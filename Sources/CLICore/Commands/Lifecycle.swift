import APIClient
import JSON

/// start/stop/restart/kill/rm/pause/unpause/wait/rename: the verbs that act on each named
/// container in turn, print its name on success and report every failure at the end.
enum Lifecycle {
    /// Runs `op` for each container; names of those that worked go to stdout, errors are
    /// joined on stderr with exit status 1 (docker's pattern for multi-container verbs).
    static func each(_ inv: Invocation, printName: Bool = true, _ op: (String) throws -> String?) throws -> Int32 {
        var errors: [String] = []
        for name in inv.args {
            do {
                let shown = try op(name)
                if printName { inv.ctx.out.print(shown ?? name) }
            } catch {
                errors.append("\(error)")
            }
        }
        if !errors.isEmpty { throw StatusError(errors.joined(separator: "\n"), status: 1) }
        return 0
    }

    static func path(_ id: String, _ suffix: String = "") -> String {
        "/containers/" + Query.pathEscape(id) + suffix
    }

    static var stop: Command { stopLike("stop", "Stop one or more running containers") }
    static var restart: Command { stopLike("restart", "Restart one or more containers") }

    /// stop and restart: `POST /containers/{id}/<verb>?signal=&t=`.
    private static func stopLike(_ verb: String, _ summary: String) -> Command {
        Command(verb, usage: "[OPTIONS] CONTAINER [CONTAINER...]", summary, args: .atLeast(1), flags: [
            Flag("signal", "s", .string, "Signal to send to the container"),
            Flag("timeout", "t", .int, "Seconds to wait before killing the container"),
        ]) { inv in
            var q = Query()
            q.addIfNotEmpty("signal", inv.flags.string("signal"))
            if let t = inv.flags.int("timeout") { q.add("t", String(t)) }
            let client = try inv.ctx.client()
            return try each(inv) { try client.request("POST", path($0, "/" + verb), query: q); return nil }
        }
    }

    static var kill: Command {
        Command("kill", usage: "[OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers", args: .atLeast(1), flags: [
            Flag("signal", "s", .string, "Signal to send to the container"),
        ]) { inv in
            var q = Query()
            q.addIfNotEmpty("signal", inv.flags.string("signal"))
            let client = try inv.ctx.client()
            return try each(inv) { try client.request("POST", path($0, "/kill"), query: q); return nil }
        }
    }

    static var rm: Command {
        Command("rm", usage: "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", args: .atLeast(1), flags: [
            Flag("force", "f", .bool, "Force the removal of a running container (uses SIGKILL)"),
            Flag("link", "l", .bool, "Remove the specified link"),
            Flag("volumes", "v", .bool, "Remove anonymous volumes associated with the container"),
        ]) { inv in
            var q = Query()
            q.flag("v", inv.flags.bool("volumes"))
            q.flag("link", inv.flags.bool("link"))
            q.flag("force", inv.flags.bool("force"))
            let force = inv.flags.bool("force")
            let client = try inv.ctx.client()
            var errors: [String] = []
            for name in inv.args {
                let id = name.trimmingCharacters("/")
                do {
                    guard !id.isEmpty else { throw CLIError("Container name cannot be empty") }
                    try client.request("DELETE", path(id), query: q)
                    inv.ctx.out.print(name)
                } catch let e as APIError where force && e.isNotFound {
                    // rm -f of something already gone is not a failure.
                    inv.ctx.err.print("\(e)")
                } catch {
                    errors.append("\(error)")
                }
            }
            if !errors.isEmpty { throw StatusError(errors.joined(separator: "\n"), status: 1) }
            return 0
        }
    }

    static var pause: Command {
        Command("pause", usage: "CONTAINER [CONTAINER...]", "Pause all processes within one or more containers", args: .atLeast(1)) { inv in
            let client = try inv.ctx.client()
            return try each(inv) { try client.request("POST", path($0, "/pause")); return nil }
        }
    }

    static var unpause: Command {
        Command("unpause", usage: "CONTAINER [CONTAINER...]", "Unpause all processes within one or more containers", args: .atLeast(1)) { inv in
            let client = try inv.ctx.client()
            return try each(inv) { try client.request("POST", path($0, "/unpause")); return nil }
        }
    }

    static var wait: Command {
        Command("wait", usage: "CONTAINER [CONTAINER...]", "Block until one or more containers stop, then print their exit codes",
                args: .atLeast(1)) { inv in
            let client = try inv.ctx.client()
            return try each(inv) { name in
                let r = try client.request("POST", path(name, "/wait"))
                let v = (try? JSON.parse(r.body)) ?? .null
                if let m = v["Error"]["Message"].string, !m.isEmpty { throw CLIError(m) }
                return String(v["StatusCode"].int)
            }
        }
    }

    static var rename: Command {
        Command("rename", usage: "CONTAINER NEW_NAME", "Rename a container", args: .exact(2)) { inv in
            let old = inv.args[0].trimmingSpaces, new = inv.args[1].trimmingSpaces
            if old.isEmpty || new.isEmpty { throw CLIError("Neither old nor new names may be empty") }
            var q = Query()
            q.add("name", new)
            do {
                try inv.ctx.client().request("POST", path(old, "/rename"), query: q)
            } catch let e as APIError {
                throw CLIError("\(e)\nError: failed to rename container named \(old)")
            }
            return 0
        }
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }

    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
