import Foundation
import XCTest
import Wire
import ShimAPI
import SupervisorAPI

/// Bad requests get the right error code and a message naming what is wrong; the
/// supervisor keeps serving and leaves nothing behind.
final class SupervisorBadInputTests: SupervisorTestCase {
    private struct CreateWithoutBundle: Encodable { var id: String }
    private struct KillWithoutSignal: Encodable { var id: String }

    func testUnknownTasksAreNotFound() throws {
        let sup = try startSupervisor()
        let ref = TaskRef(id: "no-such-task")
        assertCode(.notFound, try sup.get("no-such-task"), contains: "no-such-task")
        assertCode(.notFound, try sup.call(SupervisorMethod.start, ref, Empty.self))
        assertCode(.notFound, try sup.call(SupervisorMethod.wait, ref, ExitResult.self))
        assertCode(.notFound, try sup.call(SupervisorMethod.delete, ref, ExitResult.self))
        assertCode(.notFound, try sup.call(SupervisorMethod.pause, ref, Empty.self))
        assertCode(.notFound, try sup.call(SupervisorMethod.stats, ref, Empty.self))
        assertCode(.notFound, try sup.call(SupervisorMethod.kill, TaskKillParams(id: "no-such-task", signal: 9), Empty.self))
    }

    func testDuplicateAndMalformedCreates() throws {
        let sup = try startSupervisor()
        let t = try createTask(sup, "dup", ["/bin/sleep", "300"])
        assertCode(.alreadyExists, try sup.call(SupervisorMethod.create, TaskCreateParams(id: t.id, bundle: t.bundle.path), TaskInfo.self),
                   contains: t.id)
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.create, CreateWithoutBundle(id: "x1"), TaskInfo.self),
                   contains: "params.bundle: required field is missing")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.create, TaskCreateParams(id: "../evil", bundle: t.bundle.path), TaskInfo.self),
                   contains: "params.id")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.create, TaskCreateParams(id: "", bundle: t.bundle.path), TaskInfo.self),
                   contains: "params.id")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.create, TaskCreateParams(id: "x2", bundle: "relative/path"), TaskInfo.self),
                   contains: "params.bundle")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.create, TaskCreateParams(id: "x3", bundle: sandbox.root + "/nowhere"), TaskInfo.self),
                   contains: "config.json")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.kill, KillWithoutSignal(id: t.id), Empty.self),
                   contains: "params.signal: required field is missing")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.kill, TaskKillParams(id: t.id, signal: 0), Empty.self),
                   contains: "params.signal")
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.subscribe, SubscribeParams(topics: ["TaskExit", "Bogus"]), Empty.self),
                   contains: "params.topics[1]")
        XCTAssertEqual(try sup.list().map(\.id), [t.id], "a refused create left a task")

        _ = try sup.call(SupervisorMethod.start, TaskRef(id: t.id), PidResult.self)
        assertCode(.failedPrecondition, try sup.call(SupervisorMethod.delete, TaskRef(id: t.id), ExitResult.self), contains: "running")
        XCTAssertEqual(try sup.get(t.id).status, "running", "a refused delete changed the task")
        try finish(sup, t.id)
        assertNothingLeft(t.id, bundle: t.bundle)
    }

    func testFailedCreateIsUndone() throws {
        let sup = try startSupervisor()
        let events = try subscribe(sup)
        let id = newID("badcfg")
        // Every runtime mounts at create time, so every one fails here.
        let badMount: [String: Any] = ["destination": "/missing", "type": "bind", "source": sandbox.root + "/no-such-dir",
                                       "options": ["rbind"]]
        let bundle = try makeBundle(["/bin/sleep", "1"], for: id) { b in b.append("mounts", badMount) }
        XCTAssertThrowsError(try sup.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: bundle.path), TaskInfo.self)) { e in
            XCTAssertNotEqual((e as? WireError)?.message ?? "", "", "\(e)")
        }
        assertCode(.notFound, try sup.get(id))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sup.root)/tasks/\(id).json"), "record of a failed create left")
        XCTAssertEqual(events.of(id).map(\.name), [], "events for a task that was never created")
        assertNothingLeft(id, bundle: bundle)

        // The id is free again, and the supervisor still serves.
        bundle["mounts"] = (bundle["mounts"] as? [[String: Any]] ?? []).filter { $0["destination"] as? String != "/missing" }
        try bundle.save()
        _ = try sup.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: bundle.path), TaskInfo.self)
        _ = try sup.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self)
        assertNothingLeft(id, bundle: bundle)
    }

    func testUnknownRuntimeIsAClearError() throws {
        let sup = try startSupervisor()
        let id = newID("nort")
        let bundle = try makeBundle(["/bin/true"], for: id)
        assertCode(.invalidArgument, try sup.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: bundle.path, runtime: "rel/runc"), TaskInfo.self),
                   contains: "params.runtime")
        XCTAssertThrowsError(try sup.call(SupervisorMethod.create,
                                          TaskCreateParams(id: id, bundle: bundle.path, runtime: "/nonexistent/runtime"), TaskInfo.self))
        assertCode(.notFound, try sup.get(id))
        assertNothingLeft(id, bundle: bundle)
    }
}
