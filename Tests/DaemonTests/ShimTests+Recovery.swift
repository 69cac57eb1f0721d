import Foundation
import XCTest
import Wire
import ShimAPI

/// Exits kept for late callers, cleanup after a dead shim, and the shim's cost.
final class ShimRecoveryTests: ShimTestCase {
    func testLateWaitAndReconnectSeeTheKeptExit() throws {
        let t = try createdTask("late", ["/bin/sh", "-c", "exit 7"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        t.client.close()
        // Nobody waits while it exits.
        let exitFile = "\(t.shim.stateDir)/exit.json"
        XCTAssertTrue(eventually { FileManager.default.fileExists(atPath: exitFile) })
        let onDisk = try JSONDecoder().decode(ExitResult.self, from: Data(contentsOf: URL(fileURLWithPath: exitFile)))
        XCTAssertEqual(onDisk.exitStatus, 7)

        let again = try connect(t.shim)
        let state = try again.call(ShimMethod.state, ProcessRef(), ProcessState.self)
        XCTAssertEqual(state.status, "stopped")
        XCTAssertEqual(state.exitStatus, 7)
        XCTAssertEqual(state.exitedAt, onDisk.exitedAt)
        let exit = try again.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        XCTAssertEqual(exit, onDisk)
        // Any number of late waiters get the same answer.
        XCTAssertEqual(try connect(t.shim).call(ShimMethod.wait, ProcessRef(), ExitResult.self), onDisk)
        try finish(t.id, t.shim, again, bundle: t.bundle)
    }

    func testConcurrentWaitersAllWakeUp() throws {
        let t = try createdTask("waiters", ["/bin/sleep", "1"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        let clients = try (0..<4).map { _ in try connect(t.shim) }
        let lock = NSLock()
        nonisolated(unsafe) var results: [Int32] = []
        let group = DispatchGroup()
        for c in clients {
            group.enter()
            Thread {
                if let r = try? c.call(ShimMethod.wait, ProcessRef(), ExitResult.self) {
                    lock.lock(); results.append(r.exitStatus); lock.unlock()
                }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 15), .success)
        lock.lock(); defer { lock.unlock() }
        XCTAssertEqual(results, [0, 0, 0, 0])
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testShimDeleteCleansUpAfterTheShimWasKilled() throws {
        let t = try createdTask("kill9", ["/bin/sleep", "60"])
        let pid = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self).pid
        XCTAssertTrue(ProcessTable.isAlive(pid))
        kill(t.shim.pid, SIGKILL)
        XCTAssertTrue(eventually { !ProcessTable.isAlive(t.shim.pid) })
        // The container outlives its shim; the shim's files are still there.
        XCTAssertTrue(ProcessTable.isAlive(pid))
        XCTAssertTrue(FileManager.default.fileExists(atPath: t.shim.socket))

        let deleted = run(shimBinary, ["delete", "--id", t.id, "--socket-dir", sandbox.shimDir])
        XCTAssertEqual(deleted.status, 0, "\(deleted)")
        let result = try JSONDecoder().decode(ExitResult.self, from: Data(deleted.out.utf8))
        XCTAssertEqual(result.exitStatus, 137)
        XCTAssertEqual(result.pid, pid)
        XCTAssertTrue(eventually { !ProcessTable.isAlive(pid) })
        assertNothingLeft(t.id, bundle: t.bundle, context: "after berth-shim delete")
        // Again: nothing to do, still a clean answer.
        let twice = run(shimBinary, ["delete", "--id", t.id, "--socket-dir", sandbox.shimDir])
        XCTAssertEqual(twice.status, 0, "\(twice)")
    }

    func testShimDeleteReportsARecordedExit() throws {
        let t = try createdTask("kill9-exited", ["/bin/sh", "-c", "exit 9"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        kill(t.shim.pid, SIGKILL)
        XCTAssertTrue(eventually { !ProcessTable.isAlive(t.shim.pid) })
        let deleted = run(shimBinary, ["delete", "--id", t.id, "--socket-dir", sandbox.shimDir])
        XCTAssertEqual(deleted.status, 0, "\(deleted)")
        XCTAssertEqual(try JSONDecoder().decode(ExitResult.self, from: Data(deleted.out.utf8)).exitStatus, 9)
        assertNothingLeft(t.id, bundle: t.bundle, context: "after berth-shim delete")
    }

    /// Not a pass/fail check: prints the idle RSS of a shim holding a running container and the
    /// time of create+start+wait+delete of /bin/true through a shim (best of a few runs).
    func testReportCost() throws {
        let t = try createdTask("cost", ["/bin/sleep", "60"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        usleep(500_000)
        let rss = ProcessTable.rssKiB(t.shim.pid) ?? -1
        try finish(t.id, t.shim, t.client, bundle: t.bundle)

        var times: [Double] = []
        for i in 0..<5 {
            let id = newID("cost-true\(i)")
            let bundle = try makeBundle(["/bin/true"], for: id)
            let shim = try startShim(id, flags: [])
            let client = try connect(shim)
            let begin = Date()
            _ = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self)
            _ = try client.call(ShimMethod.start, ProcessRef(), PidResult.self)
            _ = try client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
            _ = try client.call(ShimMethod.delete, ProcessRef(), ExitResult.self)
            times.append(Date().timeIntervalSince(begin) * 1000)
            _ = try client.call(ShimMethod.shutdown, Empty(), Empty.self)
            assertNothingLeft(id, bundle: bundle)
        }
        let line = String(format: "SHIM-COST runtime=%@ idleRSS=%d KiB lifecycle(/bin/true) best=%.1f ms median=%.1f ms",
                          runtime.path, rss, times.min() ?? -1, times.sorted()[times.count / 2])
        print(line)
    }
}
