import Foundation
import XCTest
import Wire
import ShimAPI
import SupervisorAPI
import Cgroups
import OCISpec

/// A task's life through berth-supervisor: create, start, inspect, wait, delete, with the
/// events a subscriber sees; exec, pause/resume and stats.
final class SupervisorLifecycleTests: SupervisorTestCase {
    func testFullLifecycleWithEventsInOrder() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup)
        let t = try createTask(sup, "life", Self.waitForGo(exit: 3))
        XCTAssertEqual(t.info.id, t.id)
        XCTAssertEqual(t.info.status, "created")
        XCTAssertEqual(t.info.bundle, t.bundle.path)
        XCTAssertEqual(t.info.runtime, runtime.path)
        XCTAssertGreaterThan(t.info.pid, 0)
        XCTAssertGreaterThan(t.info.shimPid, 0)
        XCTAssertEqual(t.info.shimAddress, "unix://\(sandbox.shimDir)/\(t.id).sock")
        XCTAssertTrue(ProcessTable.isAlive(t.info.shimPid), "shim pid \(t.info.shimPid) is not running")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(sup.root)/tasks/\(t.id).json"), "no durable record")

        let started = try sup.call(SupervisorMethod.start, TaskRef(id: t.id), PidResult.self)
        XCTAssertEqual(started.pid, t.info.pid)
        var info = try sup.get(t.id)
        XCTAssertEqual(info.status, "running")
        XCTAssertEqual(info.pid, t.info.pid)
        XCTAssertEqual(try sup.list().filter { $0.id == t.id }.map(\.status), ["running"])

        release(t.bundle)
        let exit = try sup.call(SupervisorMethod.wait, TaskRef(id: t.id), ExitResult.self)
        XCTAssertEqual(exit.exitStatus, 3)
        XCTAssertEqual(exit.pid, t.info.pid)
        XCTAssertFalse(exit.exitedAt.isEmpty)
        info = try sup.get(t.id)
        XCTAssertEqual(info.status, "stopped")
        XCTAssertEqual(info.exitStatus, 3)
        XCTAssertNil(info.reason)
        // A late waiter gets the same answer.
        XCTAssertEqual(try sup.call(SupervisorMethod.wait, TaskRef(id: t.id), ExitResult.self).exitStatus, 3)

        let deleted = try sup.call(SupervisorMethod.delete, TaskRef(id: t.id), ExitResult.self)
        XCTAssertEqual(deleted.exitStatus, 3)
        assertCode(.notFound, try sup.get(t.id))
        XCTAssertFalse(try sup.list().contains { $0.id == t.id })
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sup.root)/tasks/\(t.id).json"), "record left behind")

        XCTAssertNotNil(events.first(SupervisorEvent.taskDelete, t.id))
        let seen = events.of(t.id)
        XCTAssertEqual(seen.map(\.name), [SupervisorEvent.taskCreate, SupervisorEvent.taskStart,
                                          SupervisorEvent.taskExit, SupervisorEvent.taskDelete], "\(seen)")
        XCTAssertEqual(seen.first { $0.name == SupervisorEvent.taskExit }?.event.exitStatus, 3)
        XCTAssertEqual(seen.first { $0.name == SupervisorEvent.taskStart }?.event.pid, t.info.pid)
        XCTAssertTrue(eventually(timeout: 5) { !ProcessTable.isAlive(t.info.shimPid) }, "shim still running after delete")
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testIdIsReusableRightAfterDelete() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup)
        let t = try createTask(sup, "reuse", ["/bin/sh", "-c", "exit 2"])
        for round in 0..<3 {
            _ = try sup.call(SupervisorMethod.start, TaskRef(id: t.id), PidResult.self)
            XCTAssertEqual(try sup.call(SupervisorMethod.wait, TaskRef(id: t.id), ExitResult.self).exitStatus, 2)
            _ = try sup.call(SupervisorMethod.delete, TaskRef(id: t.id), ExitResult.self)
            // At once, while the old shim may still be on its way out.
            let again = try sup.call(SupervisorMethod.create, TaskCreateParams(id: t.id, bundle: t.bundle.path), TaskInfo.self)
            XCTAssertEqual(again.status, "created", "round \(round)")
        }
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: t.id), ExitResult.self)
        XCTAssertEqual(events.await(count: 4, timeout: 10) { $0.name == SupervisorEvent.taskDelete && $0.event.id == t.id }.count, 4)
        let names = events.of(t.id).map(\.name)
        let round = [SupervisorEvent.taskCreate, SupervisorEvent.taskStart, SupervisorEvent.taskExit, SupervisorEvent.taskDelete]
        XCTAssertEqual(Array(names.prefix(13)), round + round + round + [SupervisorEvent.taskCreate], "\(names)")
        // Deleting a created task kills its waiting init: the shim may report that exit, before TaskDelete.
        XCTAssertTrue(names.dropFirst(13) == [SupervisorEvent.taskDelete]
                      || names.dropFirst(13) == [SupervisorEvent.taskExit, SupervisorEvent.taskDelete], "\(names)")
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testExecHasItsOwnExitAndEvents() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup)
        let t = try runTask(sup, "exec", ["/bin/sleep", "300"])
        let process = try execProcess(t.bundle, ["/bin/sh", "-c", "exit 5"])
        _ = try sup.call(SupervisorMethod.exec, TaskExecParams(id: t.id, execID: "e1", process: process), Empty.self)
        assertCode(.alreadyExists, try sup.call(SupervisorMethod.exec, TaskExecParams(id: t.id, execID: "e1", process: process), Empty.self))
        let started = try sup.call(SupervisorMethod.start, TaskRef(id: t.id, execID: "e1"), PidResult.self)
        XCTAssertGreaterThan(started.pid, 0)
        let exit = try sup.call(SupervisorMethod.wait, TaskRef(id: t.id, execID: "e1"), ExitResult.self)
        XCTAssertEqual(exit.exitStatus, 5)
        XCTAssertEqual(try sup.get(t.id).status, "running", "the exec's exit must not stop the task")

        let execExit = events.first(SupervisorEvent.execExit, t.id, execID: "e1")
        XCTAssertEqual(execExit?.event.exitStatus, 5)
        XCTAssertEqual(execExit?.event.pid, started.pid)
        XCTAssertNotNil(events.first(SupervisorEvent.execStarted, t.id, execID: "e1"))
        let names = events.of(t.id).filter { $0.event.execID == "e1" }.map(\.name)
        XCTAssertEqual(names, [SupervisorEvent.execStarted, SupervisorEvent.execExit])
        XCTAssertFalse(events.of(t.id).contains { $0.name == SupervisorEvent.taskExit }, "an exec exit reported as the task's")
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: t.id, execID: "e1"), ExitResult.self)

        // SIGKILL: a pid 1 without a handler ignores SIGTERM.
        _ = try sup.call(SupervisorMethod.kill, TaskKillParams(id: t.id, signal: SIGKILL), Empty.self)
        XCTAssertEqual(try sup.call(SupervisorMethod.wait, TaskRef(id: t.id), ExitResult.self).exitStatus, 128 + SIGKILL)
        XCTAssertEqual(events.first(SupervisorEvent.taskExit, t.id)?.event.exitStatus, 128 + SIGKILL)
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: t.id), ExitResult.self)
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testPauseResumeAndStats() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup, topics: [SupervisorEvent.taskPaused, SupervisorEvent.taskResumed])
        let t = try runTask(sup, "pause", ["/bin/sh", "-c", "while true; do sleep 0.1; done"])

        _ = try sup.call(SupervisorMethod.pause, TaskRef(id: t.id), Empty.self)
        XCTAssertEqual(try sup.get(t.id).status, "paused")
        XCTAssertNotNil(events.first(SupervisorEvent.taskPaused, t.id))
        _ = try sup.call(SupervisorMethod.resume, TaskRef(id: t.id), Empty.self)
        XCTAssertEqual(try sup.get(t.id).status, "running")
        XCTAssertNotNil(events.first(SupervisorEvent.taskResumed, t.id))
        XCTAssertEqual(events.of(t.id).map(\.name), [SupervisorEvent.taskPaused, SupervisorEvent.taskResumed],
                       "topics must filter out the other events")

        let stats = try sup.call(SupervisorMethod.stats, TaskRef(id: t.id), StatsResult.self)
        XCTAssertGreaterThan(stats.memory.usage.usage, 0, "memory usage of a running container")
        XCTAssertGreaterThanOrEqual(stats.pids.current, 1, "pids of a running container")

        _ = try sup.call(SupervisorMethod.update, TaskUpdateParams(id: t.id, resources: LinuxResources(pids: LinuxPids(limit: 42))),
                         Empty.self)
        XCTAssertEqual(try sup.call(SupervisorMethod.stats, TaskRef(id: t.id), StatsResult.self).pids.limit, 42)

        try finish(sup, t.id)
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testOOMIsRelayedBeforeTheExit() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup, topics: [SupervisorEvent.taskOOM, SupervisorEvent.taskExit])
        let t = try createTask(sup, "oom", ["/bin/sh", "-c", "sleep 0.5; x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"]) { b in
            b["linux.resources.memory"] = ["limit": 32 << 20, "swap": 32 << 20] as JSONObject
        }
        _ = try sup.call(SupervisorMethod.start, TaskRef(id: t.id), PidResult.self)
        XCTAssertNotNil(events.first(SupervisorEvent.taskOOM, t.id, timeout: 30), "no TaskOOM: \(events.all)")
        _ = try sup.call(SupervisorMethod.wait, TaskRef(id: t.id), ExitResult.self)
        XCTAssertNotNil(events.first(SupervisorEvent.taskExit, t.id))
        XCTAssertEqual(events.of(t.id).first?.name, SupervisorEvent.taskOOM)
        try finish(sup, t.id)
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testRuntimeIsAPerTaskOption() throws {
        // The default runtime does not exist: only the per-task choice can make this work.
        let sup = try startSupervisor(extra: ["--runtime", "/nonexistent/runtime"])
        let id = newID("rtopt")
        let bundle = try makeBundle(["/bin/sh", "-c", "exit 4"], for: id)
        let info = try sup.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: bundle.path, runtime: runtime.path), TaskInfo.self)
        XCTAssertEqual(info.runtime, runtime.path)
        _ = try sup.call(SupervisorMethod.start, TaskRef(id: id), PidResult.self)
        XCTAssertEqual(try sup.call(SupervisorMethod.wait, TaskRef(id: id), ExitResult.self).exitStatus, 4)
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
        assertNothingLeft(id, bundle: bundle)
    }

    func testSigtermStopsOnlyTheSupervisor() throws {
        let sup = try startSupervisor()
        let t = try runTask(sup, "term", ["/bin/sleep", "300"])
        let shimPid = try sup.get(t.id).shimPid
        let result = sup.stop()
        XCTAssertEqual(result?.status, 0, "\(String(describing: result))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: sup.address), "socket left after a clean stop")
        XCTAssertTrue(ProcessTable.isAlive(shimPid), "the shim died with the supervisor")
        XCTAssertTrue(ProcessTable.isAlive(t.pid), "the container died with the supervisor")
        try sup.launch()
        XCTAssertEqual(try sup.get(t.id).status, "running")
        try finish(sup, t.id)
        assertNothingLeft(t.id, bundle: t.bundle)
    }
}
