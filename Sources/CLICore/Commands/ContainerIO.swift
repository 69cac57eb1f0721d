import Glibc
import APIClient
import JSON
import LinuxSys

/// The pieces `run`, `start -a`, `attach` and `exec` share: hijacked attach, the wait
/// registered before start, TTY resizing, signal forwarding.
enum ContainerIO {
    /// `POST /containers/{id}/attach?stream=1&stdin=&stdout=&stderr=` upgraded to a raw stream.
    static func attach(_ client: APIClient, _ id: String, stdin: Bool, stdout: Bool, stderr: Bool,
                       detachKeys: String?, logs: Bool = false) throws -> Connection {
        var q = Query()
        q.add("stream", "1")
        q.flag("logs", logs)
        q.flag("stdin", stdin)
        q.flag("stdout", stdout)
        q.flag("stderr", stderr)
        q.addIfNotEmpty("detachKeys", detachKeys)
        return try client.hijack(Lifecycle.path(id, "/attach"), query: q)
    }

    /// `POST /containers/{id}/wait?condition=` sent before the start: the daemon answers
    /// the head at once (so the wait is registered) and the body when the condition is met.
    final class Waiter: @unchecked Sendable {
        private let cond = Condition()
        private var result: Int32?
        private var message: String?

        init(_ client: APIClient, _ id: String, condition: String?) throws {
            var q = Query()
            q.addIfNotEmpty("condition", condition)
            let s = try client.stream("POST", Lifecycle.path(id, "/wait"), query: q)
            spawnThread { [self] in
                var status: Int32 = 125
                var msg: String?
                do {
                    let body = try s.readAll(limit: 1 << 20)
                    let v = try JSON.parse(body)
                    if let m = v["Error"]["Message"].string, !m.isEmpty {
                        msg = "Error waiting for container: \(m)"
                    } else {
                        status = Int32(truncatingIfNeeded: v["StatusCode"].int)
                    }
                } catch {
                    msg = "error waiting for container: \(error)"
                }
                cond.lock()
                result = status
                message = msg
                cond.broadcast()
                cond.unlock()
            }
        }

        /// The exit status (125 when the wait failed, with the reason on stderr).
        func status(_ err: Output) -> Int32 {
            cond.lock()
            while result == nil { _ = cond.wait() }
            let r = result ?? 125, m = message
            cond.unlock()
            if let m { err.print(m) }
            return r
        }
    }

    /// `POST /containers/{id}/resize?h=&w=` (or `/exec/{id}/resize`) from the local terminal size.
    static func resize(_ client: APIClient, _ id: String, exec: Bool) {
        guard let (rows, cols) = Terminal.size(1), rows > 0 || cols > 0 else { return }
        var q = Query()
        q.add("h", String(rows))
        q.add("w", String(cols))
        let path = exec ? "/exec/" + Query.pathEscape(id) + "/resize" : Lifecycle.path(id, "/resize")
        // The TTY may not exist yet right after start: retried briefly, as the docker CLI does.
        for attempt in 0..<10 {
            if (try? client.request("POST", path, query: q)) != nil { return }
            usleep(UInt32((attempt + 1) * 10_000))
        }
    }

    /// Forwards signals to the container (sig-proxy) and the window size on SIGWINCH.
    /// Must be set up before any streaming thread starts, so the signals reach only the watcher.
    static func watchSignals(_ client: APIClient, _ id: String, proxy: Bool, resizeExec: Bool?) -> SignalWatcher? {
        var signals: [Int32] = []
        if proxy { signals += SignalWatcher.proxied.map(\.0) }
        if resizeExec != nil { signals.append(SIGWINCH) }
        if signals.isEmpty { return nil }
        let names = Dictionary(uniqueKeysWithValues: SignalWatcher.proxied)
        return SignalWatcher(signals) { sig in
            if sig == SIGWINCH, let exec = resizeExec {
                resize(client, id, exec: exec)
            } else if let name = names[sig] {
                var q = Query()
                q.add("signal", name)
                _ = try? client.request("POST", Lifecycle.path(id, "/kill"), query: q)
            }
        }
    }

    /// run's toStatusError: 127 when the command is not found, 126 when it cannot be invoked, 125 otherwise.
    static func runStatusError(_ error: Error, path: String) -> StatusError {
        let m = "\(error)"
        let text = "berth: \(m)\n\nRun '\(path) --help' for more information"
        if m.contains("executable file not found") || m.contains("no such file or directory") {
            return StatusError(text, status: 127)
        }
        if m.contains("permission denied") || m.contains("is a directory") {
            return StatusError(text, status: 126)
        }
        return StatusError(text, status: 125)
    }
}
