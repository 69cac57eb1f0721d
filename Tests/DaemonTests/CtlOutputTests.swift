import Foundation
import XCTest

/// What berth-ctl prints and how it exits, against a real supervisor.
final class CtlOutputTests: SupervisorTestCase {
    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        let v = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        XCTAssertNotNil(v, "not a JSON object: \(text)", file: file, line: line)
        return v ?? [:]
    }

    func testErrorsAreOneLineAndExitOne() throws {
        let missing = run(try ctlPath, ["--address", sandbox.root + "/nothing.sock", "ls"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "berth-ctl: connect \(sandbox.root)/nothing.sock: No such file or directory\n")
        XCTAssertEqual(missing.stdout, "")

        let daemon = try startSupervisor()
        let cases: [([String], String)] = [
            (["get", "no-such-task"], "no-such-task"),
            (["frobnicate"], "unknown verb \"frobnicate\""),
            (["kill", "--signal", "NOPE", "x"], "invalid signal \"NOPE\""),
            (["run", "/nonexistent-bundle", "x"], "bundle /nonexistent-bundle: No such file or directory"),
            (["exec", "x", "true"], "exec needs --exec-id"),
            (["get"], "expected ID"),
            (["ls", "--bogus"], "unknown flag: --bogus"),
        ]
        for (args, text) in cases {
            let r = try ctl(daemon, args)
            XCTAssertEqual(r.status, 1, "\(args): \(r)")
            XCTAssertTrue(r.stderr.hasPrefix("berth-ctl: "), "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(text), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "\(args): one line: \(r.stderr)")
        }
    }

    func testListIsATableAndGetIsJSON() throws {
        let daemon = try startSupervisor()
        let id = newID("ls")
        let b = try makeBundle(["/bin/sleep", "100"], for: id)
        try ctlExpect(0, daemon, ["create", "--label", "owner=tests", b.path, id])
        let info = try daemon.get(id)

        let lines = try ctlExpect(0, daemon, ["ls"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ").map(String.init), ["ID", "PID", "STATUS", "RUNTIME"])
        let row = try XCTUnwrap(lines.first { $0.hasPrefix(id + " ") }, "\(lines)")
        XCTAssertEqual(row.split(separator: " ").map(String.init), [id, "\(info.pid)", "created", info.runtime])
        // Columns line up under their headings.
        let header = try XCTUnwrap(lines.first)
        for heading in ["PID", "STATUS", "RUNTIME"] {
            let col = try XCTUnwrap(header.range(of: heading)).lowerBound.utf16Offset(in: header)
            let value = heading == "PID" ? "\(info.pid)" : heading == "STATUS" ? "created" : info.runtime
            XCTAssertEqual(try XCTUnwrap(row.range(of: " " + value)).lowerBound.utf16Offset(in: row) + 1, col, "\(heading): \(lines)")
        }
        XCTAssertEqual(try ctlExpect(0, daemon, ["ls", "-q"]).stdout.split(separator: "\n").map(String.init), [id])

        let got = json(try ctlExpect(0, daemon, ["get", id]).stdout)
        XCTAssertEqual(got["id"] as? String, id)
        XCTAssertEqual(got["status"] as? String, "created")
        XCTAssertEqual(got["bundle"] as? String, b.path)
        XCTAssertEqual(got["labels"] as? [String: String], ["owner": "tests"])
        XCTAssertEqual(got["shimAddress"] as? String, info.shimAddress)

        try ctlExpect(0, daemon, ["delete", id])
        XCTAssertEqual(try ctlExpect(0, daemon, ["ls"]).stdout, "ID   PID   STATUS   RUNTIME\n")
    }

    func testTraceDumpsEveryFrameBothWays() throws {
        let daemon = try startSupervisor()
        let r = try ctlExpect(0, daemon, ["--trace", "ls"])
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.stderr)
        XCTAssertEqual(lines.map { String($0.prefix(2)) }, ["> ", "< ", "> ", "< "])
        let frames = lines.map { json(String($0.dropFirst(2))) }
        XCTAssertEqual(frames[0]["method"] as? String, "Hello")
        XCTAssertEqual((frames[1]["result"] as? [String: Any])?["protocol"] as? String, "berth.supervisor")
        XCTAssertEqual(frames[2]["method"] as? String, "Task.List")
        XCTAssertNotNil((frames[3]["result"] as? [String: Any])?["tasks"])
        XCTAssertTrue(r.stdout.hasPrefix("ID "))
    }

    func testRunKeepsStreamsApartAndExitsWithTheTaskStatus() throws {
        let daemon = try startSupervisor()
        let id = newID("run")
        let b = try makeBundle(["/bin/sh", "-c", "echo one; echo two >&2; echo three; exit 42"], for: id)
        let r = try ctlExpect(42, daemon, ["run", "--rm", b.path, id])
        XCTAssertEqual(r.stdout, "one\nthree\n")
        XCTAssertEqual(r.stderr, "two\n")
        XCTAssertFalse(try ctlExpect(0, daemon, ["ls"]).stdout.contains(id), "--rm deletes the task")

        // Killed by a signal (from another berth-ctl): 128+N, like a shell.
        let k = newID("sig")
        let bk = try makeBundle(["/bin/sleep", "100"], for: k)
        let running = try spawn(try ctlPath, ["--address", daemon.address, "run", "--rm", bk.path, k])
        XCTAssertTrue(eventually { (try? daemon.get(k).status) == "running" })
        try ctlExpect(0, daemon, ["kill", "--signal", "SIGKILL", k])
        XCTAssertEqual(running.wait(timeout: 30).status, 137)
        assertNothingLeft(id)
        assertNothingLeft(k)
    }

    func testWaitPrintsTheStatusAndEventsPrintJSONLines() throws {
        let daemon = try startSupervisor()
        // --replay: whenever it gets to subscribe, the task's events are all there.
        let events = try spawn(try ctlPath, ["--address", daemon.address, "events", "--replay", "--topic", "TaskStart", "--topic", "TaskExit"])
        let id = newID("wait")
        let b = try makeBundle(["/bin/sh", "-c", "sleep 0.3; exit 7"], for: id)
        try ctlExpect(0, daemon, ["run", "-d", b.path, id])
        XCTAssertEqual(try ctlExpect(0, daemon, ["wait", id]).stdout, "7\n")
        XCTAssertEqual(try ctlExpect(0, daemon, ["wait", id]).stdout, "7\n", "a late wait gets the same status")
        XCTAssertTrue(eventually { events.currentStdout.contains("TaskExit") }, events.currentStdout)
        events.terminate()
        let printed = events.currentStdout.split(separator: "\n").map { json(String($0)) }
        let mine = printed.filter { ($0["params"] as? [String: Any])?["id"] as? String == id }
        XCTAssertEqual(mine.map { $0["event"] as? String }, ["TaskStart", "TaskExit"], "\(printed)")
        XCTAssertEqual((mine.last?["params"] as? [String: Any])?["exitStatus"] as? Int, 7)
        try ctlExpect(0, daemon, ["rm", id])
    }

    func testExecRunsTheTaskProcessWithNewArgs() throws {
        let daemon = try startSupervisor()
        let id = newID("exec")
        let b = try makeBundle(["/bin/sleep", "100"], for: id)
        try ctlExpect(0, daemon, ["run", "-d", b.path, id])
        let path = ((b["process.env"] as? [String]) ?? []).first { $0.hasPrefix("PATH=") } ?? "PATH=?"
        let r = try ctlExpect(5, daemon, ["exec", "--exec-id", "x", "--env", "EXTRA=1", id, "/bin/sh", "-c",
                                          "echo $PATH; echo $EXTRA; pwd; exit 5"])
        XCTAssertEqual(r.stdout, "\(path.dropFirst(5))\n1\n/\n")
        // The exec is deleted once waited for, so its id can be used again.
        XCTAssertEqual(try ctlExpect(0, daemon, ["exec", "--exec-id", "x", id, "echo", "again"]).stdout, "again\n")
        try ctlExpect(0, daemon, ["kill", "-s", "KILL", id])
        XCTAssertEqual(try ctlExpect(0, daemon, ["wait", id]).out, "137")
        try ctlExpect(0, daemon, ["delete", id])
        assertNothingLeft(id, bundle: b)
    }

    func testAttachStreamsLiveOutputUntilTheExit() throws {
        let daemon = try startSupervisor()
        let id = newID("attach")
        let b = try makeBundle(["/bin/sh", "-c", "echo early; sleep 2; echo late; echo late-err >&2; exit 6"], for: id)
        try ctlExpect(0, daemon, ["run", "-d", b.path, id])
        let r = try ctlExpect(6, daemon, ["attach", id])
        XCTAssertEqual(r.stdout, "late\n", "attach streams what comes after it")
        XCTAssertEqual(r.stderr, "late-err\n")
        try ctlExpect(0, daemon, ["delete", id])
    }

    func testShimVerbsTalkToTheShimDirectly() throws {
        let daemon = try startSupervisor()
        let id = newID("shim")
        let b = try makeBundle(["/bin/sleep", "100"], for: id)
        try ctlExpect(0, daemon, ["run", "-d", b.path, id])
        let info = try daemon.get(id)
        let state = json(try ctlExpect(0, daemon, ["shim", "--socket", info.shimAddress, "state"]).stdout)
        XCTAssertEqual(state["id"] as? String, id)
        XCTAssertEqual(state["status"] as? String, "running")
        XCTAssertEqual(state["pid"] as? Int, Int(info.pid))
        XCTAssertEqual(try ctlExpect(0, daemon, ["shim", "--socket", info.shimAddress, "pids"]).out, "\(info.pid)")
        let trace = try ctlExpect(0, daemon, ["--trace", "shim", "--socket", info.shimAddress, "state"]).stderr
        XCTAssertTrue(trace.contains("\"protocol\":\"berth.shim\""), trace)
        let exec = try ctlExpect(3, daemon, ["shim", "--socket", info.shimAddress, "exec", "--exec-id", "s1", "/bin/sh", "-c", "echo via-shim; exit 3"])
        XCTAssertEqual(exec.stdout, "via-shim\n")
        try finish(daemon, id)
    }

    private func processStatusLines(_ pid: Int32) -> String {
        (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    }
}
