import Foundation
import XCTest
import Wire
import ShimAPI
import OCISpec

/// Task.Exec: processes beside the init, each with its own stdio, TTY and exit status.
final class ShimExecTests: ShimTestCase {
    private func execProcess(_ args: [String], terminal: Bool = false) -> OCISpec.Process {
        OCISpec.Process(terminal: terminal, user: User(uid: 0, gid: 0), args: args,
                        env: ["PATH=/bin:/usr/bin", "TERM=xterm"], cwd: "/")
    }

    func testExecHasItsOwnStdioAndExitStatus() throws {
        let t = try createdTask("exec", ["/bin/sleep", "60"])
        // Exec needs a running task.
        assertCode(.failedPrecondition) {
            _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "e0", process: execProcess(["/bin/true"])), Empty.self)
        }
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        let events = try connect(t.shim)
        _ = try events.call(ShimMethod.subscribe, SubscribeParams(topics: [ShimEvent.execStarted, ShimEvent.taskExit]), Empty.self)

        _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "e1", process: execProcess(["/bin/sh", "-c", "echo in-exec; echo oops >&2; exit 5"])),
                              Empty.self)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(t.shim.stateDir)/exec-e1.json"))
        assertCode(.alreadyExists) {
            _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "e1", process: execProcess(["/bin/true"])), Empty.self)
        }
        assertCode(.invalidArgument) {
            _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "../x", process: execProcess(["/bin/true"])), Empty.self)
        }
        XCTAssertEqual(try t.client.call(ShimMethod.state, ProcessRef(execID: "e1"), ProcessState.self).status, "created")
        let watcher = try connect(t.shim)
        _ = try watcher.call(ShimMethod.attach, AttachParams(execID: "e1"), Empty.self)
        let pid = try t.client.call(ShimMethod.start, ProcessRef(execID: "e1"), PidResult.self).pid
        XCTAssertGreaterThan(pid, 0)
        let exit = try t.client.call(ShimMethod.wait, ProcessRef(execID: "e1"), ExitResult.self)
        XCTAssertEqual(exit.exitStatus, 5)
        XCTAssertEqual(exit.pid, pid)
        let output = collectOutput(watcher, until: ["stdout", "stderr"])
        XCTAssertEqual(output["stdout"], "in-exec\n")
        XCTAssertEqual(output["stderr"], "oops\n")
        // Exec output is not the container's log.
        XCTAssertFalse(logEntries(t.logPath).contains { ($0["log"] as? String) == "in-exec\n" })
        // The exit is on disk too, and the init is untouched.
        let saved = try JSONDecoder().decode(ExitResult.self, from: Data(contentsOf: URL(fileURLWithPath: "\(t.shim.stateDir)/exec-e1.exit.json")))
        XCTAssertEqual(saved, exit)
        XCTAssertEqual(try t.client.call(ShimMethod.state, ProcessRef(), ProcessState.self).status, "running")

        let started = nextEvent(events, [ShimEvent.execStarted])
        XCTAssertEqual(started?.params["execID"] as? String, "e1")
        let exited = nextEvent(events, [ShimEvent.taskExit])
        XCTAssertEqual(exited?.params["execID"] as? String, "e1")
        XCTAssertEqual(exited?.params["exitStatus"] as? Int, 5)

        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.start, ProcessRef(execID: "e1"), PidResult.self) }
        assertCode(.notFound) { _ = try t.client.call(ShimMethod.state, ProcessRef(execID: "nope"), ProcessState.self) }
        assertCode(.notFound) { _ = try t.client.call(ShimMethod.start, ProcessRef(execID: "nope"), PidResult.self) }
        assertCode(.notFound) { _ = try t.client.call(ShimMethod.kill, KillParams(execID: "e1", signal: SIGKILL), Empty.self) }
        XCTAssertEqual(try t.client.call(ShimMethod.delete, ProcessRef(execID: "e1"), ExitResult.self), exit)
        assertCode(.notFound) { _ = try t.client.call(ShimMethod.wait, ProcessRef(execID: "e1"), ExitResult.self) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(t.shim.stateDir)/exec-e1.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(t.shim.stateDir)/exec-e1.exit.json"))
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testExecWithTTYAndKill() throws {
        let t = try createdTask("exec-tty", ["/bin/sleep", "60"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "tty", process: execProcess(["/bin/sh", "-c", "tty; stty size"], terminal: true)),
                              Empty.self)
        let watcher = try connect(t.shim)
        _ = try watcher.call(ShimMethod.attach, AttachParams(execID: "tty"), Empty.self)
        // Before start the pty does not exist yet.
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.resizePty, ResizeParams(execID: "tty", width: 90, height: 30), Empty.self) }
        _ = try t.client.call(ShimMethod.start, ProcessRef(execID: "tty"), PidResult.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(execID: "tty"), ExitResult.self).exitStatus, 0)
        let out = collectOutput(watcher, until: ["stdout"])["stdout"] ?? ""
        XCTAssertTrue(out.contains("/dev/pts/"), out)

        // A long exec killed by signal reports 128+N; with stdin it reads what we write.
        _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "cat", process: execProcess(["/bin/cat"]), stdin: true), Empty.self)
        let catWatcher = try connect(t.shim)
        _ = try catWatcher.call(ShimMethod.attach, AttachParams(execID: "cat"), Empty.self)
        _ = try t.client.call(ShimMethod.start, ProcessRef(execID: "cat"), PidResult.self)
        _ = try t.client.call(ShimMethod.writeStdin, WriteStdinParams(execID: "cat", data: base64("ping\n")), Empty.self)
        XCTAssertEqual(nextEvent(catWatcher, [ShimEvent.output])?.params["data"] as? String, base64("ping\n"))
        _ = try t.client.call(ShimMethod.kill, KillParams(execID: "cat", signal: SIGKILL), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(execID: "cat"), ExitResult.self).exitStatus, 137)

        // An exec never started is over when the task ends: its waiter is released.
        _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "never", process: execProcess(["/bin/true"])), Empty.self)
        _ = try t.client.call(ShimMethod.kill, KillParams(signal: SIGKILL), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 137)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(execID: "never"), ExitResult.self).exitStatus, 255)
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.start, ProcessRef(execID: "never"), PidResult.self) }
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testFailedExecStartCarriesTheRuntimeMessage() throws {
        let t = try createdTask("exec-bad", ["/bin/sleep", "60"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.exec, ExecParams(execID: "bad", process: execProcess(["/no/such/program"])), Empty.self)
        // runc and berth-runtime fail the exec command itself; a runtime may also start the
        // process and report its failure as an exit status (127), which is just as good.
        do {
            _ = try t.client.call(ShimMethod.start, ProcessRef(execID: "bad"), PidResult.self)
        } catch let e as WireError {
            XCTAssertTrue(e.message.contains("OCI runtime exec failed"), e.message)
            XCTAssertTrue(e.message.contains("/no/such/program"), e.message)
        }
        // The exec is over; its waiters are not left hanging.
        let exit = try t.client.call(ShimMethod.wait, ProcessRef(execID: "bad"), ExitResult.self)
        XCTAssertNotEqual(exit.exitStatus, 0)
        XCTAssertEqual(try t.client.call(ShimMethod.state, ProcessRef(), ProcessState.self).status, "running")
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }
}
