import Foundation
import XCTest

/// Real traffic against the schemas: a supervisor and its shims run with --trace while
/// berth-ctl takes tasks through their whole lifecycle, then every frame any of them sent
/// or received is validated by Tests/fixtures/validate-frames.py.
final class ProtocolValidationTests: SupervisorTestCase {
    func testLiveTrafficMatchesTheSchemas() throws {
        let (wrapper, shimLogs) = try shimLoggingWrapper()
        let daemon = try startSupervisor(extra: ["--trace", "--shim", wrapper])
        // Its own process, like a user's `berth-ctl events`; --replay so no event can slip past.
        let events = try spawn(try ctlPath, ["--address", daemon.address, "events", "--replay"])

        // A one-shot run: output on both streams, the exit status, --rm.
        let once = newID("once")
        let b1 = try makeBundle(["/bin/sh", "-c", "echo out-line; echo err-line >&2; exit 3"], for: once)
        let r1 = try ctlExpect(3, daemon, ["--trace", "run", "--rm", b1.path, once])
        XCTAssertEqual(r1.stdout, "out-line\n")
        XCTAssertTrue(r1.stderr.contains("err-line\n"), r1.stderr)

        // stdin forwarded (Task.WriteStdin, Task.CloseStdin).
        let cat = newID("cat")
        let b2 = try makeBundle(["/bin/cat"], for: cat)
        let r2 = try ctlExpect(0, daemon, ["run", "--rm", b2.path, cat], stdin: "line one\nline two\n")
        XCTAssertEqual(r2.stdout, "line one\nline two\n")

        // A TTY (Task.ResizePty from the caller's 24x80 terminal).
        let tty = newID("tty")
        let b3 = try makeBundle(["/bin/sh", "-c", "sleep 0.5; stty size"], for: tty) { $0.terminal = true }
        let out = try sandbox.makeDirectory("pty") + "/out"
        let r3 = run("/usr/bin/env", ["python3", Binaries.fixtures + "/pty-run.py", "--timeout", "30", out,
                                      try ctlPath, "--address", daemon.address, "run", "-t", "--rm", b3.path, tty], timeout: 40)
        XCTAssertEqual(r3.status, 0, "\(r3)")
        XCTAssertTrue(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("24 80"))

        // A long-running task through every verb.
        let id = newID("life")
        let b4 = try makeBundle(["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"], for: id)
        try ctlExpect(0, daemon, ["run", "-d", b4.path, id])
        XCTAssertTrue(try ctlExpect(0, daemon, ["ls"]).stdout.contains(id))
        let ex = try ctlExpect(4, daemon, ["exec", "--exec-id", "e1", id, "/bin/sh", "-c", "echo exec-out; exit 4"])
        XCTAssertEqual(ex.stdout, "exec-out\n")
        try ctlExpect(0, daemon, ["pause", id])
        XCTAssertEqual(try daemon.get(id).status, "paused")
        try ctlExpect(0, daemon, ["resume", id])
        XCTAssertEqual(try daemon.get(id).status, "running")
        let stats = try ctlExpect(0, daemon, ["stats", id])
        XCTAssertNotNil((try? JSONSerialization.jsonObject(with: Data(stats.stdout.utf8))) as? [String: Any], stats.stdout)
        try ctlExpect(0, daemon, ["update", "--pids", "200", id])
        let info = try daemon.get(id)
        try ctlExpect(0, daemon, ["shim", "--socket", info.shimAddress, "state"])
        XCTAssertTrue(try ctlExpect(0, daemon, ["shim", "--socket", info.shimAddress, "pids"]).stdout.contains("\(info.pid)"))
        try ctlExpect(0, daemon, ["kill", id])
        XCTAssertEqual(try ctlExpect(0, daemon, ["wait", id]).out, "0")
        try ctlExpect(0, daemon, ["delete", id])
        XCTAssertFalse(try ctlExpect(0, daemon, ["ls"]).stdout.contains(id))

        XCTAssertTrue(eventually(timeout: 10) { events.currentStdout.contains("\"TaskDelete\"") && events.currentStdout.contains(id) },
                      "events: \(events.currentStdout)")
        events.terminate()
        for t in [once, cat, tty, id] { assertNothingLeft(t) }

        // Every frame of the supervisor (server and shim-client side) and of every shim.
        let supervisorLog = try XCTUnwrap(daemon.process?.stderrPath)
        let logs = files(in: shimLogs, endingWith: ".log")
        XCTAssertFalse(logs.isEmpty, "no shim logs in \(shimLogs)")
        let report = try FrameValidator.validate([supervisorLog] + logs, outputDir: sandbox.ioDir)
        XCTAssertEqual(report.status, 0, report.errors)
        XCTAssertEqual(report.invalid, 0, report.errors)
        XCTAssertGreaterThan(report.frames, 100)
        let supervisorMethods: Set = ["Hello", "Task.Create", "Task.Start", "Task.Wait", "Task.Delete", "Task.Exec", "Task.List",
                                      "Task.Get", "Task.Pause", "Task.Resume", "Task.Update", "Task.Stats", "Task.Kill",
                                      "Task.ResizePty", "Events.Subscribe"]
        XCTAssertTrue(supervisorMethods.isSubset(of: report.methods("berth.supervisor")),
                      "not seen: \(supervisorMethods.subtracting(report.methods("berth.supervisor")))")
        let shimMethods: Set = ["Hello", "Task.Create", "Task.Start", "Task.State", "Task.Attach", "Task.WriteStdin",
                                "Task.CloseStdin", "Task.Exec", "Task.Wait", "Task.Delete", "Task.Pause", "Task.Resume",
                                "Task.Update", "Task.Stats", "Task.Pids", "Task.Kill", "Task.ResizePty", "Events.Subscribe"]
        XCTAssertTrue(shimMethods.isSubset(of: report.methods("berth.shim")),
                      "not seen: \(shimMethods.subtracting(report.methods("berth.shim")))")
        let supervisorEvents: Set = ["TaskCreate", "TaskStart", "TaskExit", "TaskExecStarted", "TaskExecExit", "TaskPaused",
                                     "TaskResumed", "TaskDelete"]
        XCTAssertTrue(supervisorEvents.isSubset(of: report.events("berth.supervisor")),
                      "not seen: \(supervisorEvents.subtracting(report.events("berth.supervisor")))")
        let shimEvents: Set = ["TaskStart", "TaskExit", "TaskExecStarted", "TaskPaused", "TaskResumed", "IO.Output", "IO.Closed"]
        XCTAssertTrue(shimEvents.isSubset(of: report.events("berth.shim")),
                      "not seen: \(shimEvents.subtracting(report.events("berth.shim")))")

        // What `berth-ctl events` printed is frames too: bare JSON lines of the supervisor's protocol.
        let printed = try FrameValidator.validate([events.stdoutPath], schemas: [FrameValidator.schemas[1]], outputDir: sandbox.ioDir)
        XCTAssertEqual(printed.invalid, 0, printed.errors)
        XCTAssertTrue(supervisorEvents.isSubset(of: printed.events("berth.supervisor")), "\(printed.summary)")
    }

    /// The validator is only worth its silence if it speaks up: a live trace with one frame
    /// changed must fail.
    func testValidatorCatchesADriftedFrameInALiveTrace() throws {
        let daemon = try startSupervisor(extra: ["--trace"])
        let id = newID("drift")
        let b = try makeBundle(["/bin/true"], for: id)
        try ctlExpect(0, daemon, ["run", "--rm", b.path, id])
        let log = try XCTUnwrap(daemon.process?.stderrPath)
        let good = try FrameValidator.validate([log], outputDir: sandbox.ioDir)
        XCTAssertEqual(good.invalid, 0, good.errors)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let drifted = try sandbox.makeDirectory("drift") + "/trace.log"
        try text.replacingOccurrences(of: "\"status\":\"created\"", with: "\"status\":\"made\"")
            .write(toFile: drifted, atomically: true, encoding: .utf8)
        let bad = try FrameValidator.validate([drifted], outputDir: sandbox.ioDir)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.errors.contains("'made' is not one of"), bad.errors)
    }
}
