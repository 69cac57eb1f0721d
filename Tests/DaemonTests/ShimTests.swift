import Foundation
import XCTest
import Wire
import ShimAPI

/// berth-shim with real containers: the daemon's life, the task lifecycle, cleanup.
final class ShimTests: ShimTestCase {
    func testLifecycleExitStatusPassesThrough() throws {
        let id = newID("life")
        let bundle = try makeBundle(["/bin/sh", "-c", "echo hello; exit 3"], for: id)
        let shim = try startShim(id)
        let client = try connect(shim)
        XCTAssertEqual(client.server.protocol, ShimProtocol.name)
        XCTAssertTrue(client.server.server.hasPrefix("berth-shim"))
        let events = try connect(shim)
        _ = try events.call(ShimMethod.subscribe, SubscribeParams(), Empty.self)

        let created = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self)
        XCTAssertGreaterThan(created.pid, 0)
        var state = try client.call(ShimMethod.state, ProcessRef(), ProcessState.self)
        XCTAssertEqual(state.status, "created")
        XCTAssertEqual(state.pid, created.pid)
        XCTAssertEqual(state.bundle, bundle.path)
        // The create params are persisted for `berth-shim delete`.
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(shim.stateDir)/task.json"))

        let started = try client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        XCTAssertEqual(started.pid, created.pid)
        let exit = try client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        XCTAssertEqual(exit.exitStatus, 3)
        XCTAssertEqual(exit.pid, created.pid)
        XCTAssertTrue(exit.exitedAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"#, options: .regularExpression) != nil,
                      exit.exitedAt)
        state = try client.call(ShimMethod.state, ProcessRef(), ProcessState.self)
        XCTAssertEqual(state.status, "stopped")
        XCTAssertEqual(state.exitStatus, 3)

        let start = nextEvent(events, [ShimEvent.taskStart])
        XCTAssertEqual(start?.params["pid"] as? Int, Int(created.pid))
        let exited = nextEvent(events, [ShimEvent.taskExit])
        XCTAssertEqual(exited?.params["exitStatus"] as? Int, 3)
        XCTAssertEqual(exited?.params["id"] as? String, id)

        let deleted = try client.call(ShimMethod.delete, ProcessRef(), ExitResult.self)
        XCTAssertEqual(deleted, exit)
        assertCode(.notFound) { _ = try client.call(ShimMethod.state, ProcessRef(), ProcessState.self) }
        _ = try client.call(ShimMethod.shutdown, Empty(), Empty.self)
        XCTAssertTrue(eventually(timeout: 5) { !ProcessTable.isAlive(shim.pid) })
        assertNothingLeft(id, bundle: bundle)
    }

    func testStartReturnsOnceServingAndOutlivesItsParent() throws {
        let id = newID("detach")
        let shim = try startShim(id)
        // `start` has exited; the daemon already answers, without a retry.
        let client = try RPCClient(path: shim.socket, protocolName: ShimProtocol.name, version: ShimProtocol.version,
                                   clientName: "test")
        XCTAssertTrue(ProcessTable.isAlive(shim.pid))
        XCTAssertNotEqual(ProcessTable.parent(of: shim.pid), getpid())
        // Its own session, so the terminal or process group of whoever started it cannot touch it.
        XCTAssertEqual(getsid(shim.pid), shim.pid)
        XCTAssertEqual(ProcessTable.status(shim.pid, "PPid").flatMap { Int32($0) }, ProcessTable.parent(of: shim.pid))
        // cwd is / so it keeps no directory busy.
        XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(shim.pid)/cwd"), "/")

        // A second start for the same id finds it serving and prints the same address.
        let again = try startShim(id)
        XCTAssertEqual(again.pid, shim.pid)
        XCTAssertEqual(ProcessTable.pidsWithCommandLine(containing: "--id \(id) ").count, 1)

        _ = try client.call(ShimMethod.shutdown, Empty(), Empty.self)
        XCTAssertTrue(eventually(timeout: 5) { !ProcessTable.isAlive(shim.pid) })
        assertNothingLeft(id)
    }

    func testStartFailureIsReported() throws {
        let id = newID("fail")
        let blocker = "\(sandbox.root)/not-a-dir-\(id)"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data())
        let result = run(shimBinary, ["start", "--id", id, "--socket-dir", blocker + "/shims"])
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertTrue(result.stderr.contains("berth-shim"), result.stderr)
        XCTAssertTrue(result.stderr.contains("Not a directory"), result.stderr)
        XCTAssertEqual(result.stdout, "")

        let bad = run(shimBinary, ["start", "--id", "../x", "--socket-dir", sandbox.shimDir])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("invalid id"), bad.stderr)
    }

    func testShutdownRefusedWhileTheTaskExists() throws {
        let t = try createdTask("shutdown", ["/bin/sleep", "30"])
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.shutdown, Empty(), Empty.self) }
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.shutdown, Empty(), Empty.self) }
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.delete, ProcessRef(), ExitResult.self) }
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self) }
        // A container's pid 1 ignores signals it has no handler for, except SIGKILL.
        _ = try t.client.call(ShimMethod.kill, KillParams(signal: SIGKILL), Empty.self)
        let exit = try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        XCTAssertEqual(exit.exitStatus, 128 + SIGKILL)
        // Stopped but not deleted: still refused.
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.shutdown, Empty(), Empty.self) }
        assertCode(.notFound) { _ = try t.client.call(ShimMethod.kill, KillParams(signal: SIGTERM), Empty.self) }
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testDeleteOfACreatedTaskKillsIt() throws {
        let t = try createdTask("created-del", ["/bin/sleep", "30"])
        let pid = try t.client.call(ShimMethod.state, ProcessRef(), ProcessState.self).pid
        let exit = try t.client.call(ShimMethod.delete, ProcessRef(), ExitResult.self)
        XCTAssertEqual(exit.pid, pid)
        XCTAssertEqual(exit.exitStatus, 137)
        _ = try t.client.call(ShimMethod.shutdown, Empty(), Empty.self)
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testCreateFailureCarriesTheRuntimeMessage() throws {
        let id = newID("badcreate")
        let bundle = try makeBundle(["/bin/true"], for: id) { b in b["root.path"] = "no-such-rootfs" }
        let shim = try startShim(id)
        let client = try connect(shim)
        let error = wireError { _ = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self) }
        XCTAssertEqual(error?.code, .internalError)
        XCTAssertTrue(error?.message.contains("OCI runtime create failed") ?? false, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("no-such-rootfs") ?? false, error?.message ?? "")
        // No half-made task: the shim serves on, and a good create works.
        assertCode(.notFound) { _ = try client.call(ShimMethod.state, ProcessRef(), ProcessState.self) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sandbox.runtimeRoot)/\(id)"))
        bundle["root.path"] = "rootfs"
        try bundle.save()
        _ = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self)
        _ = try client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        XCTAssertEqual(try client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 0)
        try finish(id, shim, client, bundle: bundle)
    }

    func testBadRequestsGetClearErrorsAndTheShimServesOn() throws {
        let id = newID("bad")
        let bundle = try makeBundle(["/bin/sleep", "30"], for: id)
        let shim = try startShim(id)
        let client = try connect(shim)
        assertCode(.notFound) { _ = try client.call(ShimMethod.start, ProcessRef(), PidResult.self) }
        assertCode(.notFound) { _ = try client.call(ShimMethod.wait, ProcessRef(), ExitResult.self) }
        assertCode(.notFound) { _ = try client.call(ShimMethod.stats, Empty(), StatsResult.self) }
        let missing = wireError { _ = try client.call(ShimMethod.create, ["id": id], PidResult.self) }
        XCTAssertEqual(missing?.code, .invalidArgument)
        XCTAssertTrue(missing?.message.contains("params.bundle") ?? false, missing?.message ?? "")
        let typed = wireError { _ = try client.call(ShimMethod.kill, ["signal": "nine"], Empty.self) }
        XCTAssertEqual(typed?.code, .invalidArgument)
        XCTAssertTrue(typed?.message.contains("params.signal") ?? false, typed?.message ?? "")
        var other = createParams(id, bundle)
        other.id = "someone-else"
        assertCode(.invalidArgument) { _ = try client.call(ShimMethod.create, other, PidResult.self) }
        var noRuntime = createParams(id, bundle)
        noRuntime.runtime = "no-such-runtime-binary"
        assertCode(.invalidArgument) { _ = try client.call(ShimMethod.create, noRuntime, PidResult.self) }
        var relative = createParams(id, bundle)
        relative.bundle = "relative/bundle"
        assertCode(.invalidArgument) { _ = try client.call(ShimMethod.create, relative, PidResult.self) }

        _ = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self)
        assertCode(.alreadyExists) { _ = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self) }
        assertCode(.invalidArgument) { _ = try client.call(ShimMethod.kill, KillParams(signal: 0), Empty.self) }
        assertCode(.invalidArgument) { _ = try client.call(ShimMethod.writeStdin, WriteStdinParams(data: "%%%"), Empty.self) }
        assertCode(.failedPrecondition) { _ = try client.call(ShimMethod.writeStdin, WriteStdinParams(data: base64("x")), Empty.self) }
        assertCode(.failedPrecondition) { _ = try client.call(ShimMethod.resizePty, ResizeParams(width: 80, height: 24), Empty.self) }
        assertCode(.failedPrecondition) { _ = try client.call(ShimMethod.resume, Empty(), Empty.self) }
        assertCode(.unimplemented) { _ = try client.call("Task.Frobnicate", Empty(), Empty.self) }
        // The same connection and a new one still work.
        XCTAssertEqual(try client.call(ShimMethod.state, ProcessRef(), ProcessState.self).status, "created")
        XCTAssertEqual(try connect(shim).call(ShimMethod.state, ProcessRef(), ProcessState.self).status, "created")
        try finish(id, shim, client, bundle: bundle)
    }

    func testTraceLogsEveryFrame() throws {
        let id = newID("trace")
        let shim = try startShim(id, flags: ["--trace"])
        let client = try connect(shim)
        assertCode(.notFound) { _ = try client.call(ShimMethod.state, ProcessRef(), ProcessState.self) }
        _ = try client.call(ShimMethod.shutdown, Empty(), Empty.self)
        XCTAssertTrue(eventually(timeout: 5) { !ProcessTable.isAlive(shim.pid) })
        let log = (try? String(contentsOfFile: shim.logPath, encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains(#"< {"id":"#) || log.contains(#"< {""#), log)
        XCTAssertTrue(log.contains("Task.State"), log)
        XCTAssertTrue(log.contains("NotFound"), log)
        assertNothingLeft(id)
    }
}
