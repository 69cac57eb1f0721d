import Glibc
import APIClient
import JSON

/// `berth run`: create, attach (hijacked), register the wait, start, stream, exit with
/// the container's status — the docker CLI's runContainer.
enum Run {
    static var command: Command {
        Command("run", usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image",
                args: .atLeast(1), flags: ContainerFlags.shared + ContainerFlags.runOnly, interspersed: false, run: run)
    }

    static func run(_ inv: Invocation) throws -> Int32 {
        let f = inv.flags
        var spec: ContainerSpec
        do {
            spec = try ContainerSpec.parse(f, inv.args, environment: inv.ctx.environment)
        } catch {
            throw StatusError("berth: \(error)\n\nRun '\(inv.path) --help' for more information", status: 125)
        }
        let detach = f.bool("detach")
        if detach {
            if f.changed("attach") { throw CLIError("conflicting options: cannot specify both --attach and --detach") }
            spec.attachStdin = false
            spec.attachStdout = false
            spec.attachStderr = false
            spec.config.set("AttachStdin", false)
            spec.config.set("AttachStdout", false)
            spec.config.set("AttachStderr", false)
            spec.config.set("StdinOnce", false)
        } else if spec.attachStdin && spec.tty && !Terminal.isTerminal(0) {
            throw CLIError("the input device is not a TTY")
        }
        let detachKeys = f.string("detach-keys")
        let keys = try HijackedStreamer.parseDetachKeys(detachKeys ?? "ctrl-p,ctrl-q")
        let client = try inv.ctx.client()

        let id: String
        do { id = try Create.createContainer(inv, spec) } catch {
            throw ContainerIO.runStatusError(error, path: inv.path)
        }
        let attach = spec.attachStdin || spec.attachStdout || spec.attachStderr
        let monitorSize = spec.tty && inv.ctx.out.isTerminal
        let watcher = ContainerIO.watchSignals(client, id, proxy: f.bool("sig-proxy", default: true),
                                               resizeExec: attach && monitorSize ? false : nil)
        defer { watcher?.stop() }
        if !attach {
            do { try client.request("POST", Lifecycle.path(id, "/start")) } catch {
                throw ContainerIO.runStatusError(error, path: inv.path)
            }
            inv.ctx.out.print(id)
            return 0
        }
        let conn = try ContainerIO.attach(client, id, stdin: spec.attachStdin, stdout: spec.attachStdout,
                                          stderr: spec.attachStderr, detachKeys: detachKeys)
        let waiter = try ContainerIO.Waiter(client, id, condition: spec.autoRemove ? "removed" : "next-exit")
        do {
            try client.request("POST", Lifecycle.path(id, "/start"))
        } catch {
            conn.close()
            if spec.autoRemove { _ = waiter.status(inv.ctx.err) }
            throw ContainerIO.runStatusError(error, path: inv.path)
        }
        if monitorSize { ContainerIO.resize(client, id, exec: false) }
        let streamer = HijackedStreamer(conn: conn, tty: spec.tty, stdinFD: spec.attachStdin ? 0 : nil,
                                        out: spec.attachStdout ? inv.ctx.out : nil,
                                        err: spec.attachStderr ? (spec.tty ? inv.ctx.out : inv.ctx.err) : nil,
                                        detachKeys: keys)
        if try streamer.run() == .detached { return 0 }
        let status = waiter.status(inv.ctx.err)
        return status
    }
}

/// `berth start` (with `-a`/`-i` the attach flow of run) and `berth attach`.
enum StartAttach {
    static var start: Command {
        Command("start", usage: "[OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers", args: .atLeast(1), flags: [
            Flag("attach", "a", .bool, "Attach STDOUT/STDERR and forward signals"),
            Flag("detach-keys", nil, .string, "Override the key sequence for detaching a container"),
            Flag("interactive", "i", .bool, "Attach container's STDIN"),
        ]) { inv in
            let client = try inv.ctx.client()
            let attach = inv.flags.bool("attach"), interactive = inv.flags.bool("interactive")
            guard attach || interactive else {
                var failed: [String] = []
                for name in inv.args {
                    do {
                        try client.request("POST", Lifecycle.path(name, "/start"))
                        inv.ctx.out.print(name)
                    } catch {
                        inv.ctx.err.print("\(error)")
                        failed.append(name)
                    }
                }
                if !failed.isEmpty { throw CLIError("Error: failed to start containers: \(failed.joined(separator: ", "))") }
                return 0
            }
            if inv.args.count > 1 { throw CLIError("you cannot start and attach multiple containers at once") }
            let detachKeys = inv.flags.string("detach-keys")
            let keys = try HijackedStreamer.parseDetachKeys(detachKeys ?? "ctrl-p,ctrl-q")
            let c = try client.getJSON(Lifecycle.path(inv.args[0], "/json"))
            let id = c["Id"].stringValue
            let tty = c["Config"]["Tty"].bool
            let stdin = interactive && c["Config"]["OpenStdin"].bool
            let monitorSize = tty && inv.ctx.out.isTerminal
            let watcher = ContainerIO.watchSignals(client, id, proxy: !tty, resizeExec: monitorSize ? false : nil)
            defer { watcher?.stop() }
            let conn = try ContainerIO.attach(client, id, stdin: stdin, stdout: true, stderr: true, detachKeys: detachKeys)
            let waiter = try ContainerIO.Waiter(client, id, condition: c["HostConfig"]["AutoRemove"].bool ? "removed" : "next-exit")
            do {
                try client.request("POST", Lifecycle.path(id, "/start"))
            } catch {
                conn.close()
                throw error
            }
            if monitorSize { ContainerIO.resize(client, id, exec: false) }
            let streamer = HijackedStreamer(conn: conn, tty: tty, stdinFD: stdin ? 0 : nil, out: inv.ctx.out,
                                            err: inv.ctx.err, detachKeys: keys)
            if try streamer.run() == .detached { return 0 }
            let status = waiter.status(inv.ctx.err)
            if status != 0 { throw StatusError(nil, status: status) }
            return 0
        }
    }

    static var attach: Command {
        Command("attach", usage: "[OPTIONS] CONTAINER", "Attach local standard input, output, and error streams to a running container",
                args: .exact(1), flags: [
            Flag("detach-keys", nil, .string, "Override the key sequence for detaching a container"),
            Flag("no-stdin", nil, .bool, "Do not attach STDIN"),
            Flag("sig-proxy", nil, .bool, "Proxy all received signals to the process", default: "true"),
        ]) { inv in
            let client = try inv.ctx.client()
            let detachKeys = inv.flags.string("detach-keys")
            let keys = try HijackedStreamer.parseDetachKeys(detachKeys ?? "ctrl-p,ctrl-q")
            // The wait (condition not-running) is registered first; its answer is the exit status.
            let waiter = try ContainerIO.Waiter(client, inv.args[0], condition: nil)
            let c = try client.getJSON(Lifecycle.path(inv.args[0], "/json"))
            let id = c["Id"].stringValue
            guard c["State"]["Running"].bool else { throw CLIError("You cannot attach to a stopped container, start it first") }
            if c["State"]["Paused"].bool { throw CLIError("You cannot attach to a paused container, unpause it first") }
            if c["State"]["Restarting"].bool { throw CLIError("You cannot attach to a restarting container, wait until it is running") }
            let tty = c["Config"]["Tty"].bool
            let stdin = !inv.flags.bool("no-stdin") && c["Config"]["OpenStdin"].bool
            if !inv.flags.bool("no-stdin") && tty && !Terminal.isTerminal(0) { throw CLIError("the input device is not a TTY") }
            let monitorSize = tty && inv.ctx.out.isTerminal
            let watcher = ContainerIO.watchSignals(client, id, proxy: inv.flags.bool("sig-proxy", default: true) && !tty,
                                                   resizeExec: monitorSize ? false : nil)
            defer { watcher?.stop() }
            let conn = try ContainerIO.attach(client, id, stdin: stdin, stdout: true, stderr: true, detachKeys: detachKeys)
            if monitorSize { ContainerIO.resize(client, id, exec: false) }
            let streamer = HijackedStreamer(conn: conn, tty: tty, stdinFD: stdin ? 0 : nil, out: inv.ctx.out,
                                            err: inv.ctx.err, detachKeys: keys)
            if try streamer.run() == .detached { throw CLIError("read escape sequence") }
            let status = waiter.status(inv.ctx.err)
            if status != 0 { throw StatusError(nil, status: status) }
            return 0
        }
    }
}
