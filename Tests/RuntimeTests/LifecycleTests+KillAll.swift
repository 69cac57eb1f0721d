import Foundation
import XCTest

/// kill --all and delete --force of a paused container: the operations that must reach every
/// process of the container's cgroup, not only its init.
extension LifecycleTests {
    /// Background sleeps plus an init; "ready" once they all exist.
    static let family = "sleep 1000 & sleep 1000 & echo ready; exec sleep 1000"

    private func containerPids(_ id: String) -> [Int32] {
        let result = runtime(["ps", "--format", "json", id])
        guard result.status == 0 else { return [] }
        return ((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [NSNumber] ?? []).map(\.int32Value)
    }

    /// Without a pid namespace of its own, killing the init leaves the other processes alive
    /// (nothing tears a namespace down), so only kill --all can reach them.
    func testKillAllReachesEveryProcessWithoutPidNamespace() throws {
        let id = newID("killall")
        let bundle = try makeBundle(["sh", "-c", Self.family])
        bundle["linux.namespaces"] = (bundle["linux.namespaces"] as? [JSONObject] ?? []).filter { $0["type"] as? String != "pid" }
        try createAndStart(id, bundle)
        XCTAssertTrue(eventually { containerPids(id).count == 3 }, "init and two sleeps: \(containerPids(id))")
        let pids = containerPids(id)
        let killed = runtime(["kill", "--all", id, "KILL"])
        XCTAssertEqual(killed.status, 0, killed.description)
        XCTAssertTrue(eventually { pids.allSatisfy { !ProcessScan.isRunning($0) } },
                      "every process is gone: \(pids.filter(ProcessScan.isRunning).map(ProcessScan.describe))")
        XCTAssertTrue(waitForStatus(id, "stopped"))
        XCTAssertEqual(runtime(["delete", id]).status, 0)
        assertNothingLeft(id: id, bundle: bundle, context: "after kill --all and delete")
    }

    /// In a pid namespace the init ignores TERM (pid 1 has no default action) while the other
    /// processes die of it: kill --all TERM must still reach them, and the init survives.
    func testKillAllSignalsEveryProcessInPidNamespace() throws {
        let id = newID("killallns")
        try createAndStart(id, try makeBundle(["sh", "-c", "sleep 1000 & sleep 1000 & echo ready; while true; do sleep 1; done"]))
        let initPid = try XCTUnwrap(pidOf(id))
        XCTAssertTrue(eventually { containerPids(id).count >= 3 }, "init and two sleeps: \(containerPids(id))")
        let others = containerPids(id).filter { $0 != initPid && ProcessScan.commandLine($0).hasPrefix("sleep 1000") }
        XCTAssertEqual(others.count, 2, "two background sleeps: \(containerPids(id).map(ProcessScan.describe))")
        let killed = runtime(["kill", "--all", id, "TERM"])
        XCTAssertEqual(killed.status, 0, killed.description)
        XCTAssertTrue(eventually { others.allSatisfy { !ProcessScan.isRunning($0) } },
                      "the background sleeps got TERM: \(others.filter(ProcessScan.isRunning).map(ProcessScan.describe))")
        XCTAssertTrue(ProcessScan.isRunning(initPid), "pid 1 ignores an unhandled TERM")
        XCTAssertEqual(status(id), "running")
    }

    /// Frozen processes cannot act on SIGKILL until thawed; delete --force must still end them.
    func testDeleteForceOfPausedContainer() throws {
        let id = newID("delpaused")
        let bundle = try makeBundle(["sh", "-c", Self.family])
        try createAndStart(id, bundle)
        XCTAssertTrue(eventually { containerPids(id).count == 3 }, "init and two sleeps: \(containerPids(id))")
        let pids = containerPids(id)
        XCTAssertEqual(runtime(["pause", id]).status, 0)
        XCTAssertEqual(status(id), "paused")

        let deleted = runtime(["delete", "--force", id], timeout: 20)
        XCTAssertEqual(deleted.status, 0, "delete --force of a paused container: \(deleted)")
        XCTAssertNotEqual(runtime(["state", id]).status, 0, "the container is gone")
        XCTAssertTrue(eventually { pids.allSatisfy { !ProcessScan.isRunning($0) } },
                      "no frozen process left: \(pids.filter(ProcessScan.isRunning).map(ProcessScan.describe))")
        assertNothingLeft(id: id, bundle: bundle, context: "after delete --force of a paused container")
    }

    func testDeleteWithoutForceOfPausedContainerFails() throws {
        let id = newID("delpaused-noforce")
        try createAndStart(id, try makeBundle(Self.sleeper))
        XCTAssertEqual(runtime(["pause", id]).status, 0)
        let refused = runtime(["delete", id])
        XCTAssertNotEqual(refused.status, 0, "delete of a paused container needs --force: \(refused)")
        XCTAssertFalse(refused.stderr.isEmpty)
        XCTAssertEqual(status(id), "paused", "the container stays as it was")
    }
}
