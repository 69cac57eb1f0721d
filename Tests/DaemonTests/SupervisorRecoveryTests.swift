import Foundation
import XCTest
import Wire
import ShimAPI
import SupervisorAPI

/// The supervisor's crashes and its shims' crashes: tasks survive the one, are stopped with a
/// reason and cleaned up after the other, and nothing else is disturbed.
final class SupervisorRecoveryTests: SupervisorTestCase {
    func testSupervisorCrashKeepsTasksInTheirStates() throws {
        let sup = try startSupervisor()
        let a = try runTask(sup, "rca", ["/bin/sleep", "300"])
        let b = try runTask(sup, "rcb", ["/bin/sleep", "300"])
        let c = try runTask(sup, "rcc", ["/bin/sleep", "300"])
        let created = try createTask(sup, "rcd", ["/bin/sleep", "300"])
        _ = try sup.call(SupervisorMethod.pause, TaskRef(id: b.id), Empty.self)
        let ids = [a.id, b.id, c.id, created.id]
        let before = try sup.list().filter { ids.contains($0.id) }.sorted { $0.id < $1.id }
        XCTAssertEqual(before.map(\.status), ["running", "paused", "running", "created"])

        sup.crash()
        for t in before {
            XCTAssertTrue(ProcessTable.isAlive(t.shimPid), "shim of \(t.id) died with the supervisor")
            XCTAssertTrue(ProcessTable.isAlive(t.pid), "container \(t.id) died with the supervisor")
        }
        try sup.launch()
        let after = try sup.list().filter { ids.contains($0.id) }.sorted { $0.id < $1.id }
        XCTAssertEqual(after, before, "tasks changed across a supervisor crash")

        // Still fully driven by the new supervisor, events included.
        let events = try subscribe(sup)
        _ = try sup.call(SupervisorMethod.resume, TaskRef(id: b.id), Empty.self)
        XCTAssertNotNil(events.first(SupervisorEvent.taskResumed, b.id))
        _ = try sup.call(SupervisorMethod.start, TaskRef(id: created.id), PidResult.self)
        XCTAssertNotNil(events.first(SupervisorEvent.taskStart, created.id))
        for id in ids {
            _ = try sup.call(SupervisorMethod.kill, TaskKillParams(id: id, signal: SIGKILL), Empty.self)
            XCTAssertEqual(try sup.call(SupervisorMethod.wait, TaskRef(id: id), ExitResult.self).exitStatus, 137)
            XCTAssertEqual(events.first(SupervisorEvent.taskExit, id)?.event.exitStatus, 137)
            _ = try sup.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
        }
        for (id, bundle) in [(a.id, a.bundle), (b.id, b.bundle), (c.id, c.bundle), (created.id, created.bundle)] {
            assertNothingLeft(id, bundle: bundle)
        }
    }

    func testExitAndShimDeathWhileSupervisorIsDownAreReported() throws {
        let sup = try startSupervisor()
        let ends = try runTask(sup, "down-exit", Self.waitForGo(exit: 7))
        let orphan = try runTask(sup, "down-shim", ["/bin/sleep", "300"])
        let bystander = try runTask(sup, "down-ok", ["/bin/sleep", "300"])
        let orphanShim = try sup.get(orphan.id).shimPid
        let endsShim = try sup.get(ends.id).shimPid

        sup.crash()
        release(ends.bundle)
        XCTAssertTrue(eventually(timeout: 10) { !ProcessTable.isAlive(ends.pid) }, "container did not exit")
        XCTAssertTrue(ProcessTable.killAndWait([orphanShim]), "shim did not die")
        XCTAssertTrue(ProcessTable.isAlive(endsShim), "the shim of an exited container must stay until deleted")

        try sup.launch()
        let info = try sup.get(ends.id)
        XCTAssertEqual(info.status, "stopped")
        XCTAssertEqual(info.exitStatus, 7)
        XCTAssertNil(info.reason)
        XCTAssertEqual(try sup.call(SupervisorMethod.wait, TaskRef(id: ends.id), ExitResult.self).exitStatus, 7)

        let gone = try sup.get(orphan.id)
        XCTAssertEqual(gone.status, "stopped")
        XCTAssertEqual(gone.reason, "shim exited unexpectedly")
        XCTAssertNotNil(gone.exitStatus)
        XCTAssertEqual(try sup.get(bystander.id).status, "running")

        // Exits found during recovery were published before anyone could subscribe: replay has them.
        let replayed = try subscribe(sup, replay: true)
        XCTAssertEqual(replayed.first(SupervisorEvent.taskExit, ends.id, timeout: 5)?.event.exitStatus, 7)
        XCTAssertEqual(replayed.first(SupervisorEvent.taskExit, orphan.id, timeout: 5)?.event.reason, "shim exited unexpectedly")
        let live = try subscribe(sup)
        XCTAssertNil(live.first(SupervisorEvent.taskExit, ends.id, timeout: 0.5), "replay without asking for it")

        XCTAssertEqual(sandbox.cgroupLeftovers(of: orphan.id), [], "cgroup of the dead shim's container left")
        XCTAssertFalse(ProcessTable.isAlive(orphan.pid), "container of the dead shim still runs")
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: orphan.id), ExitResult.self)
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: ends.id), ExitResult.self)
        assertNothingLeft(orphan.id, bundle: orphan.bundle)
        assertNothingLeft(ends.id, bundle: ends.bundle)
        try finish(sup, bystander.id)
        assertNothingLeft(bystander.id, bundle: bystander.bundle)
    }

    func testShimKilledTaskStopsWithReasonOthersUndisturbed() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup)
        let victim = try runTask(sup, "shimkill", ["/bin/sleep", "300"])
        let other = try runTask(sup, "shimkeep", ["/bin/sleep", "300"])
        let victimInfo = try sup.get(victim.id)
        let otherInfo = try sup.get(other.id)

        // A waiter blocked on the victim is answered too.
        let victimID = victim.id
        let waiter = Outcome.run { try sup.call(SupervisorMethod.wait, TaskRef(id: victimID), ExitResult.self) }
        usleep(200_000)

        XCTAssertTrue(ProcessTable.killAndWait([victimInfo.shimPid]))
        let exit = events.first(SupervisorEvent.taskExit, victim.id)
        XCTAssertEqual(exit?.event.reason, "shim exited unexpectedly")
        XCTAssertNotNil(exit?.event.exitStatus)
        let info = try sup.get(victim.id)
        XCTAssertEqual(info.status, "stopped")
        XCTAssertEqual(info.reason, "shim exited unexpectedly")
        XCTAssertEqual(info.exitStatus, exit?.event.exitStatus)

        let answered = waiter.wait(timeout: 20)
        XCTAssertEqual(try answered?.get().exitStatus, info.exitStatus, "the blocked Wait was not answered")

        // Cleaned up: container, cgroup, runtime state, shim socket.
        XCTAssertFalse(ProcessTable.isAlive(victim.pid), "container of the killed shim still runs")
        XCTAssertEqual(sandbox.cgroupLeftovers(of: victim.id), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sandbox.runtimeRoot)/\(victim.id)"), "runtime state left")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sandbox.shimDir)/\(victim.id).sock"), "shim socket left")
        assertCode(.failedPrecondition, try sup.call(SupervisorMethod.kill, TaskKillParams(id: victim.id, signal: SIGKILL), Empty.self))

        // Nothing else disturbed.
        XCTAssertEqual(try sup.get(other.id), otherInfo)
        XCTAssertTrue(ProcessTable.isAlive(otherInfo.shimPid))
        XCTAssertTrue(ProcessTable.isAlive(other.pid))
        XCTAssertTrue(events.of(other.id).allSatisfy { $0.name != SupervisorEvent.taskExit })

        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: victim.id), ExitResult.self)
        XCTAssertNotNil(events.first(SupervisorEvent.taskDelete, victim.id))
        assertNothingLeft(victim.id, bundle: victim.bundle)
        try finish(sup, other.id)
        assertNothingLeft(other.id, bundle: other.bundle)
    }

    func testRecoveryUndoesUnfinishedCreatesAndKeepsUnreadableRecords() throws {
        let sup = try startSupervisor()
        XCTAssertEqual(sup.stop()?.status, 0)
        // The supervisor died inside a create: its record says "creating", and the shim it had
        // started runs with no container. Nobody was told the task exists, so it is undone.
        let id = newID("halfmade")
        let bundle = try makeBundle(["/bin/sleep", "300"], for: id)
        let shim = try Self.require(Binaries.shim)
        let started = run(shim, ["start", "--id", id, "--socket-dir", sandbox.shimDir])
        XCTAssertEqual(started.status, 0, "\(started)")
        let record: [String: Any] = ["id": id, "bundle": bundle.path, "runtime": runtime.path, "terminal": false, "stdin": false,
                                     "createdAt": "2026-01-01T00:00:00Z", "status": "creating", "pid": 0, "shimPid": 0,
                                     "shimStartTime": 0]
        let recordPath = "\(sup.root)/tasks/\(id).json"
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: recordPath))
        // And a record nobody can read: reported, left alone.
        let brokenPath = "\(sup.root)/tasks/broken.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: brokenPath))

        try sup.launch()
        assertCode(.notFound, try sup.get(id))
        XCTAssertEqual(try sup.list().map(\.id), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: recordPath), "record of an unfinished create kept")
        XCTAssertTrue(FileManager.default.fileExists(atPath: brokenPath), "an unreadable record was destroyed")
        XCTAssertTrue(sup.stderr.contains("broken.json"), "unreadable record not reported: \(sup.stderr)")
        assertNothingLeft(id, bundle: bundle)

        // The id is usable.
        _ = try sup.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: bundle.path), TaskInfo.self)
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
        assertNothingLeft(id, bundle: bundle)
    }
}
