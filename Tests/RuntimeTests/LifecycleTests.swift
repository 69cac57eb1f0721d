import Foundation
import XCTest

/// The create/start/state/kill/delete state machine and its errors, plus run, list, ps,
/// pause/resume, kill by signal name and number, and exec. These must pass for runc and crun
/// too: they test the runtime-spec and runc's command line, not berth-runtime's quirks.
final class LifecycleTests: RuntimeTestCase {
    static let sleeper = ["sleep", "1000"]

    func testCreateStartKillDelete() throws {
        let id = newID("life")
        let bundle = try makeBundle(Self.sleeper)
        let created = try create(id, bundle)
        XCTAssertEqual(created.status, 0, "create: \(created)")

        let state = try XCTUnwrap(self.state(id), "state after create")
        XCTAssertEqual(state["id"] as? String, id)
        XCTAssertEqual(state["status"] as? String, "created")
        XCTAssertNotNil(state["ociVersion"] as? String)
        let pid = try XCTUnwrap((state["pid"] as? NSNumber)?.int32Value)
        XCTAssertGreaterThan(pid, 0)
        XCTAssertTrue(ProcessScan.isRunning(pid), "the created container's process \(pid) exists and waits")
        let reportedBundle = try XCTUnwrap(state["bundle"] as? String)
        XCTAssertEqual(URL(fileURLWithPath: reportedBundle).resolvingSymlinksInPath().path,
                       bundle.dir.resolvingSymlinksInPath().path)

        XCTAssertEqual(runtime(["start", id]).status, 0)
        XCTAssertEqual(status(id), "running")
        XCTAssertEqual(pidOf(id), pid, "start runs the user process in the process that create made")

        let killed = runtime(["kill", id, "KILL"])
        XCTAssertEqual(killed.status, 0, "kill: \(killed)")
        XCTAssertTrue(waitForStatus(id, "stopped"), "status after SIGKILL: \(status(id) ?? "none")")

        let deleted = runtime(["delete", id])
        XCTAssertEqual(deleted.status, 0, "delete: \(deleted)")
        let after = runtime(["state", id])
        XCTAssertNotEqual(after.status, 0, "state of a deleted container must fail: \(after)")
        XCTAssertFalse(after.stderr.isEmpty)
        assertNothingLeft(id: id, bundle: bundle, context: "after delete")
    }

    func testCreateWithDuplicateIDFails() throws {
        let id = newID("dup")
        let first = try makeBundle(Self.sleeper)
        XCTAssertEqual(try create(id, first).status, 0)
        let pidBefore = pidOf(id)

        // Not prepared: the first container's config (cgroupsPath, marker) stays the one in use.
        let second = try makeBundle(Self.sleeper)
        second["linux.cgroupsPath"] = "/\(cgroupParent)/\(id)-dup"
        try second.save()
        let again = try create(id, second, prepareConfig: false)
        XCTAssertNotEqual(again.status, 0, "a second create with id \(id) must fail: \(again)")
        XCTAssertFalse(again.stderr.isEmpty)
        if isBerth { XCTAssertTrue(again.stderr.contains("exists"), again.stderr) }
        XCTAssertEqual(status(id), "created", "the first container is untouched")
        XCTAssertEqual(pidOf(id), pidBefore)
        XCTAssertEqual(env.cgroups.leftovers(of: "\(id)-dup"), [], "the failed create made no cgroup")
    }

    func testStartOfUnknownContainerFails() throws {
        let result = runtime(["start", env.uniqueID("nosuch")])
        XCTAssertNotEqual(result.status, 0, result.description)
        XCTAssertFalse(result.stderr.isEmpty)
    }

    func testStateOfUnknownContainerFails() throws {
        let id = env.uniqueID("nosuch")
        let result = runtime(["state", id])
        XCTAssertNotEqual(result.status, 0, result.description)
        XCTAssertFalse(result.stderr.isEmpty)
        if isBerth { XCTAssertTrue(result.stderr.contains(id), "the error names the container: \(result.stderr)") }
    }

    func testStartTwiceFails() throws {
        let id = newID("twice")
        try createAndStart(id, try makeBundle(Self.sleeper))
        let second = runtime(["start", id])
        XCTAssertNotEqual(second.status, 0, "start of a running container must fail: \(second)")
        XCTAssertFalse(second.stderr.isEmpty)
        XCTAssertEqual(status(id), "running")
    }

    func testDeleteOfRunningContainerNeedsForce() throws {
        let id = newID("delrun")
        let bundle = try makeBundle(Self.sleeper)
        try createAndStart(id, bundle)
        let pid = try XCTUnwrap(pidOf(id))

        let refused = runtime(["delete", id])
        XCTAssertNotEqual(refused.status, 0, "delete without --force of a running container must fail: \(refused)")
        XCTAssertFalse(refused.stderr.isEmpty)
        XCTAssertEqual(status(id), "running", "the container keeps running")
        XCTAssertTrue(ProcessScan.isRunning(pid))

        let forced = runtime(["delete", "--force", id])
        XCTAssertEqual(forced.status, 0, "delete --force: \(forced)")
        XCTAssertNotEqual(runtime(["state", id]).status, 0)
        XCTAssertTrue(eventually { !ProcessScan.isRunning(pid) }, "delete --force killed \(pid)")
        assertNothingLeft(id: id, bundle: bundle, context: "after delete --force")
    }

    func testDeleteForceOfCreatedContainer() throws {
        let id = newID("delcreated")
        let bundle = try makeBundle(Self.sleeper)
        XCTAssertEqual(try create(id, bundle).status, 0)
        let pid = try XCTUnwrap(pidOf(id))
        XCTAssertEqual(runtime(["delete", "--force", id]).status, 0)
        XCTAssertTrue(eventually { !ProcessScan.isRunning(pid) })
        assertNothingLeft(id: id, bundle: bundle, context: "after delete --force of a created container")
    }

    func testKillOfStoppedContainerFails() throws {
        let id = newID("killstopped")
        try createAndStart(id, try makeBundle(Self.sleeper))
        XCTAssertEqual(runtime(["kill", id, "KILL"]).status, 0)
        XCTAssertTrue(waitForStatus(id, "stopped"))
        let again = runtime(["kill", id, "KILL"])
        XCTAssertNotEqual(again.status, 0, "kill of a stopped container must fail: \(again)")
        XCTAssertFalse(again.stderr.isEmpty)
        if isRunc || isBerth { XCTAssertTrue(again.stderr.contains("container not running"), again.stderr) }
        XCTAssertEqual(runtime(["delete", id]).status, 0, "a stopped container deletes without --force")
    }

    func testRunPassesExitCodeThrough() throws {
        let result = try runOnce(["sh", "-c", "echo out; echo err >&2; exit 3"])
        XCTAssertEqual(result.status, 3, result.description)
        XCTAssertEqual(result.out, "out")
        XCTAssertTrue(result.stderr.contains("err"), result.stderr)
    }

    func testRunDeletesTheContainerAfterwards() throws {
        let id = newID("runrm")
        let bundle = try makeBundle(["true"])
        XCTAssertEqual(try run(id, bundle).status, 0)
        XCTAssertNotEqual(runtime(["state", id]).status, 0, "run without --detach deletes the container when it exits")
        assertNothingLeft(id: id, bundle: bundle, context: "after run")
    }

    func testRunDetach() throws {
        let id = newID("detach")
        let result = try run(id, try makeBundle(Self.sleeper), extra: ["--detach"])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(status(id), "running")
    }

    func testListJSON() throws {
        let id = newID("list")
        XCTAssertEqual(try create(id, try makeBundle(Self.sleeper)).status, 0)
        let listed = runtime(["list", "--format", "json"])
        XCTAssertEqual(listed.status, 0, listed.description)
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [JSONObject],
                                    "list --format json prints an array: \(listed.stdout)")
        let mine = try XCTUnwrap(entries.first { $0["id"] as? String == id }, "\(id) in \(listed.stdout)")
        XCTAssertEqual(mine["status"] as? String, "created")
        XCTAssertEqual((mine["pid"] as? NSNumber)?.int32Value, pidOf(id))
    }

    func testPsJSONListsInitPid() throws {
        let id = newID("ps")
        try createAndStart(id, try makeBundle(Self.sleeper))
        let pid = try XCTUnwrap(pidOf(id))
        let listed = runtime(["ps", "--format", "json", id])
        XCTAssertEqual(listed.status, 0, listed.description)
        let pids = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [NSNumber],
                                 "ps --format json prints an array of pids: \(listed.stdout)")
        XCTAssertTrue(pids.map(\.int32Value).contains(pid), "\(pid) in \(listed.stdout)")
    }

    func testPauseAndResume() throws {
        let id = newID("pause")
        try createAndStart(id, try makeBundle(Self.sleeper))
        let paused = runtime(["pause", id])
        XCTAssertEqual(paused.status, 0, paused.description)
        XCTAssertEqual(status(id), "paused")
        let pid = try XCTUnwrap(pidOf(id))
        XCTAssertTrue(eventually { ProcessScan.isFrozen(pid) }, "the init process is frozen")
        let resumed = runtime(["resume", id])
        XCTAssertEqual(resumed.status, 0, resumed.description)
        XCTAssertEqual(status(id), "running")
        XCTAssertTrue(eventually { !ProcessScan.isFrozen(pid) }, "the init process runs again")
    }

    /// No descriptor of the runtime's caller reaches the container (CVE-2024-21626 was a leaked
    /// directory fd), unless --preserve-fds passes it on as fd 3. The container's init is looked
    /// at from the host once it has exec'd `sleep`, so nothing inside adds descriptors of its own.
    func testCallerDescriptorsReachContainerOnlyWithPreserveFds() throws {
        let marker = try env.makeDirectory("fds").appendingPathComponent("marker")
        try Data("preserved\n".utf8).write(to: marker)

        func descriptors(preserve: Bool) throws -> [String: String] {
            let id = newID("fds")
            let created = try create(id, try makeBundle(Self.sleeper), extra: preserve ? ["--preserve-fds", "1"] : [],
                                     extraFiles: [marker.path])
            XCTAssertEqual(created.status, 0, created.description)
            XCTAssertEqual(runtime(["start", id]).status, 0)
            let pid = try XCTUnwrap(pidOf(id))
            XCTAssertTrue(eventually { ProcessScan.commandLine(pid).hasPrefix("sleep 1000") }, "the init exec'd sleep")
            var table: [String: String] = [:]
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
                table[fd] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "?"
            }
            return table
        }

        let plain = try descriptors(preserve: false)
        XCTAssertEqual(plain.keys.sorted(), ["0", "1", "2"], "only stdio in the container: \(plain)")
        let preserved = try descriptors(preserve: true)
        XCTAssertEqual(preserved.keys.sorted(), ["0", "1", "2", "3"], "\(preserved)")
        XCTAssertEqual(preserved["3"], marker.path, "--preserve-fds 1 passes fd 3 on")
    }

    /// pid 1 of a pid namespace ignores signals it has no handler for, so the process traps TERM.
    /// It says "ready" once the trap is set, so the signal cannot arrive before the handler.
    func testKillBySignalNameAndNumber() throws {
        let script = "trap 'echo trapped; exit 7' TERM; echo ready; while true; do sleep 0.1; done"
        for signal in ["TERM", "SIGTERM", "15"] {
            let id = newID("sig")
            let runner = try runInBackground(id, try makeBundle(["sh", "-c", script]))
            XCTAssertTrue(eventually { runner.currentStdout.contains("ready") }, "container \(id) started")
            let killed = runtime(["kill", id, signal])
            XCTAssertEqual(killed.status, 0, "kill \(signal): \(killed)")
            let result = runner.wait(timeout: 20)
            XCTAssertEqual(result.status, 7, "kill \(signal) reached the trap: \(result)")
            XCTAssertEqual(result.out, "ready\ntrapped")
        }
    }
}

extension ProcessScan {
    /// The freezer has stopped the task (state D or the freezer's "frozen" flag in v2).
    static func isFrozen(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        // v1 freezer tasks sleep in "D (disk sleep)"; v2 reports "S" with the frozen bit not shown,
        // so fall back to the cgroup's own file.
        if status.contains("State:\tD") { return true }
        if let cgroup = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8),
           let line = cgroup.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) {
            let path = line.dropFirst(3)
            let base = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified"
            if let frozen = try? String(contentsOfFile: "\(base)\(path)/cgroup.freeze", encoding: .utf8) {
                return frozen.hasPrefix("1")
            }
        }
        return false
    }
}
