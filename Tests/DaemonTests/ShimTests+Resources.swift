import Foundation
import XCTest
import Wire
import ShimAPI
import OCISpec

/// Pause/resume, stats, OOM, update, kill --all: the container's cgroup through the shim.
final class ShimResourceTests: ShimTestCase {
    func testPauseAndResume() throws {
        let t = try createdTask("pause", ["/bin/sh", "-c", "while true; do date +%s%N > /dev/null; sleep 0.05; done"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        let events = try connect(t.shim)
        _ = try events.call(ShimMethod.subscribe, SubscribeParams(topics: [ShimEvent.taskPaused, ShimEvent.taskResumed]), Empty.self)
        _ = try t.client.call(ShimMethod.pause, Empty(), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.state, ProcessRef(), ProcessState.self).status, "paused")
        XCTAssertEqual(nextEvent(events, [ShimEvent.taskPaused])?.params["id"] as? String, t.id)
        // Frozen: the init sits in the refrigerator (D state or the freezer's own), CPU time stands still.
        let before = try t.client.call(ShimMethod.stats, Empty(), StatsResult.self).cpu.usage.total
        usleep(300_000)
        let after = try t.client.call(ShimMethod.stats, Empty(), StatsResult.self).cpu.usage.total
        XCTAssertEqual(before, after)
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.pause, Empty(), Empty.self) }
        _ = try t.client.call(ShimMethod.resume, Empty(), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.state, ProcessRef(), ProcessState.self).status, "running")
        XCTAssertEqual(nextEvent(events, [ShimEvent.taskResumed])?.params["id"] as? String, t.id)
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.resume, Empty(), Empty.self) }
        // SIGKILL reaches a paused task too.
        _ = try t.client.call(ShimMethod.pause, Empty(), Empty.self)
        _ = try t.client.call(ShimMethod.kill, KillParams(signal: SIGKILL), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 137)
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testStatsMemoryRisesWhenTheContainerAllocates() throws {
        // 48 MiB into the container's /dev/shm (tmpfs pages are charged to its memory cgroup).
        let t = try createdTask("stats", ["/bin/sh", "-c", "sleep 1; dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 2>/dev/null; sleep 60"]) { b in
            b["mounts"] = (b["mounts"] as? [JSONObject] ?? []).map { m in
                var m = m
                if m["destination"] as? String == "/dev/shm" { m["options"] = ["nosuid", "nodev", "mode=1777", "size=128m"] }
                return m
            }
        }
        // The baseline before Start, so a slow machine cannot take it after the allocation.
        let first = try t.client.call(ShimMethod.stats, Empty(), StatsResult.self)
        let pid = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self).pid
        let pids = try t.client.call(ShimMethod.pids, Empty(), PidsResult.self)
        XCTAssertTrue(pids.pids.contains(pid), "\(pids.pids) lacks \(pid)")
        XCTAssertGreaterThanOrEqual(first.pids.current, 1)
        var last = first
        let rose = eventually(timeout: 10) {
            last = (try? t.client.call(ShimMethod.stats, Empty(), StatsResult.self)) ?? last
            return last.memory.usage.usage >= first.memory.usage.usage + 40 << 20
        }
        XCTAssertTrue(rose, "memory usage went from \(first.memory.usage.usage) to \(last.memory.usage.usage) only")
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    /// Without linux.cgroupsPath the runtime picks the cgroup, and on v1 each controller's
    /// directory sits under a different parent (the shim's own, per hierarchy).
    func testStatsAndPidsWithTheRuntimesDefaultCgroup() throws {
        let id = newID("defcg")
        let bundle = try makeBundle(["/bin/sleep", "60"], for: id)
        bundle["linux.cgroupsPath"] = nil
        try bundle.save()
        // berth-runtime's default is /berth/<id>: the container's directories go with it, the
        // shared parent does not (as with runc's parents); remove it when nothing else uses it.
        addTeardown {
            let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
            for h in hierarchies { _ = rmdir("/sys/fs/cgroup/\(h)/berth") }
            _ = rmdir("/sys/fs/cgroup/berth")
        }
        let shim = try startShim(id)
        let client = try connect(shim)
        _ = try client.call(ShimMethod.create, createParams(id, bundle), PidResult.self)
        let pid = try client.call(ShimMethod.start, ProcessRef(), PidResult.self).pid
        XCTAssertEqual(try client.call(ShimMethod.pids, Empty(), PidsResult.self).pids, [pid])
        let stats = try client.call(ShimMethod.stats, Empty(), StatsResult.self)
        XCTAssertGreaterThan(stats.memory.usage.usage, 0)
        // Tasks, not processes: the runtime's helper threads may linger for a moment.
        XCTAssertGreaterThanOrEqual(stats.pids.current, 1)
        _ = try client.call(ShimMethod.pause, Empty(), Empty.self)
        _ = try client.call(ShimMethod.resume, Empty(), Empty.self)
        try finish(id, shim, client, bundle: bundle)
    }

    func testOOMKillIsPublished() throws {
        let t = try createdTask("oom", ["/bin/sh", "-c", "sleep 0.5; x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"]) { b in
            b["linux.resources.memory"] = ["limit": 32 << 20, "swap": 32 << 20] as JSONObject
        }
        let events = try connect(t.shim)
        _ = try events.call(ShimMethod.subscribe, SubscribeParams(topics: [ShimEvent.taskOOM, ShimEvent.taskExit]), Empty.self)
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        let first = nextEvent(events, [ShimEvent.taskOOM, ShimEvent.taskExit], timeout: 30)
        XCTAssertEqual(first?.name, ShimEvent.taskOOM, "\(String(describing: first))")
        XCTAssertEqual(first?.params["id"] as? String, t.id)
        _ = try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testUpdateChangesTheCgroup() throws {
        let t = try createdTask("update", ["/bin/sleep", "60"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.update, UpdateParams(resources: LinuxResources(pids: LinuxPids(limit: 42))), Empty.self)
        let stats = try t.client.call(ShimMethod.stats, Empty(), StatsResult.self)
        XCTAssertEqual(stats.pids.limit, 42)
        let pidsMax = sandbox.cgroupDirectory(of: t.id, controller: "pids") + "/pids.max"
        XCTAssertEqual((try? String(contentsOfFile: pidsMax, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), "42")
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testKillAllReachesEveryProcess() throws {
        let t = try createdTask("killall", ["/bin/sh", "-c", "sleep 100 & sleep 100 & wait"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        var pids: [Int32] = []
        XCTAssertTrue(eventually { pids = (try? t.client.call(ShimMethod.pids, Empty(), PidsResult.self).pids) ?? []; return pids.count == 3 },
                      "\(pids)")
        _ = try t.client.call(ShimMethod.kill, KillParams(signal: SIGKILL, all: true), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 137)
        XCTAssertTrue(eventually { pids.allSatisfy { !ProcessTable.isAlive($0) } })
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }
}
