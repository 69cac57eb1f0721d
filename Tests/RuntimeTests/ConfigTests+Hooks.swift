import Foundation
import XCTest

/// Hooks: order, the state on stdin, failure and timeout.
extension ConfigTests {
    /// A hook that appends "<name> <id> <status>" to `log`, taking id and status from the state
    /// JSON on its stdin (whitespace removed first, so pretty or compact JSON both match).
    private func loggingHook(_ name: String, log: URL) -> JSONObject {
        let script = "s=$(tr -d ' \\n\\t'); "
            + "echo \"\(name) $(echo \"$s\" | grep -o '\"id\":\"[^\"]*\"' | cut -d'\"' -f4)"
            + " $(echo \"$s\" | grep -o '\"status\":\"[^\"]*\"' | cut -d'\"' -f4)\" >> \(log.path)"
        return ["path": "/bin/sh", "args": ["sh", "-c", script], "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]]
    }

    private func readLog(_ log: URL) -> [[String]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// The spec's lifecycle order: prestart, createRuntime, createContainer (create);
    /// startContainer, poststart (start); poststop (delete). Hooks of one kind run in array order.
    /// startContainer runs inside the container, so the log's directory is bind-mounted at the
    /// same path.
    func testHooksRunInOrderWithStateOnStdin() throws {
        let logDir = try env.makeDirectory("hooks")
        let log = logDir.appendingPathComponent("log")
        let id = newID("hooks")
        let bundle = try makeBundle(["true"])
        bundle.addMount(destination: logDir.path, type: "bind", source: logDir.path, options: ["bind", "rw"])
        bundle["hooks"] = [
            "prestart": [loggingHook("prestart", log: log)],
            "createRuntime": [loggingHook("createRuntime-1", log: log), loggingHook("createRuntime-2", log: log)],
            "createContainer": [loggingHook("createContainer", log: log)],
            "startContainer": [loggingHook("startContainer", log: log)],
            "poststart": [loggingHook("poststart", log: log)],
            "poststop": [loggingHook("poststop", log: log)],
        ] as JSONObject

        // runc 1.1.5 runs poststart hooks during create, right after the init process starts
        // (fixed in runc 1.2); the spec runs them after the user program has started.
        let atCreate = ["prestart", "createRuntime-1", "createRuntime-2", "createContainer"] + (isRunc ? ["poststart"] : [])
        let atStart = isRunc ? ["startContainer"] : ["startContainer", "poststart"]

        let created = try create(id, bundle)
        XCTAssertEqual(created.status, 0, created.description)
        XCTAssertEqual(readLog(log).compactMap(\.first), atCreate, "create runs the create-time hooks, in order")
        let started = runtime(["start", id])
        XCTAssertEqual(started.status, 0, started.description)
        XCTAssertTrue(waitForStatus(id, "stopped"))
        XCTAssertEqual(readLog(log).count, 6, "no poststop before delete: \(readLog(log))")
        XCTAssertEqual(runtime(["delete", id]).status, 0)

        let entries = readLog(log)
        XCTAssertEqual(entries.compactMap(\.first), atCreate + atStart + ["poststop"])
        for entry in entries {
            XCTAssertEqual(entry.count > 1 ? entry[1] : nil, id, "hook \(entry.first ?? "?") got the state with the id on stdin")
        }
        // The statuses follow the spec's lifecycle; runc 1.1.5 differs (see the order above).
        if isBerth {
            let statuses = entries.map { $0.count > 2 ? $0[2] : "" }
            XCTAssertEqual(statuses, ["creating", "creating", "creating", "creating", "created", "running", "stopped"])
        }
    }

    func testFailingHookFailsCreateAndLeavesNothing() throws {
        for kind in ["prestart", "createRuntime", "createContainer"] {
            let id = newID("hookfail")
            let bundle = try makeBundle(LifecycleTests.sleeper)
            bundle["hooks"] = [kind: [["path": "/bin/sh", "args": ["sh", "-c", "echo hook-says-no >&2; exit 3"]] as JSONObject]] as JSONObject
            let created = try create(id, bundle)
            XCTAssertNotEqual(created.status, 0, "a failing \(kind) hook fails create: \(created)")
            XCTAssertFalse(created.stderr.isEmpty)
            if isBerth { XCTAssertTrue(created.stderr.contains(kind), "the error names the hook: \(created.stderr)") }
            XCTAssertNotEqual(runtime(["state", id]).status, 0, "no container \(id) after a failed create")
            assertNothingLeft(id: id, bundle: bundle, context: "after a failing \(kind) hook")
        }
    }

    func testHookTimeout() throws {
        let id = newID("hooktimeout")
        let bundle = try makeBundle(LifecycleTests.sleeper)
        // A duration no other process on the machine names (a grep for "sleep 20" would match).
        let duration = "20.0\(getpid())"
        bundle["hooks"] = ["createRuntime": [["path": "/bin/sleep", "args": ["sleep", duration], "timeout": 1] as JSONObject]] as JSONObject
        let created = try create(id, bundle)
        XCTAssertNotEqual(created.status, 0, "a hook past its timeout fails create: \(created)")
        XCTAssertFalse(created.timedOut, "the runtime itself stopped waiting for the hook")
        XCTAssertFalse(created.stderr.isEmpty)
        if isBerth { XCTAssertTrue(created.stderr.lowercased().contains("timed out"), created.stderr) }
        assertNothingLeft(id: id, bundle: bundle, context: "after a hook timeout")
        let left = ProcessScan.pidsMentioning("sleep\u{0}\(duration)\u{0}")
        XCTAssertTrue(left.isEmpty, "the timed-out hook was killed: \(left.map(ProcessScan.describe))")
    }
}
