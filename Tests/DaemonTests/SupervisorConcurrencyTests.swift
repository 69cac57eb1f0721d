import Foundation
import XCTest
import Wire
import ShimAPI
import SupervisorAPI

/// Many clients at once: every create and start succeeds, every exit is reaped and reported.
final class SupervisorConcurrencyTests: SupervisorTestCase {
    func testFiftyTasksCreatedAndStartedConcurrently() throws {
        let count = 50
        let sup = try startSupervisor()
        let events = try subscribe(sup, topics: [SupervisorEvent.taskExit])
        var tasks: [(id: String, bundle: TestBundle)] = []
        for i in 0..<count {
            let id = newID("many")
            tasks.append((id, try makeBundle(Self.waitForGo(exit: i % 7), for: id)))
        }

        let started = Date()
        let outcomes = tasks.map { t in
            let (id, path) = (t.id, t.bundle.path)
            return Outcome.run {
                let c = try sup.client()
                defer { c.close() }
                let created = try c.call(SupervisorMethod.create, TaskCreateParams(id: id, bundle: path), TaskInfo.self)
                let running = try c.call(SupervisorMethod.start, TaskRef(id: id), PidResult.self)
                return (created, running.pid)
            }
        }
        var pids: [String: Int32] = [:]
        for (t, o) in zip(tasks, outcomes) {
            guard let r = o.wait(timeout: 300) else { return XCTFail("create+start of \(t.id) did not return") }
            switch r {
            case .success(let (info, pid)):
                XCTAssertEqual(info.status, "created")
                XCTAssertEqual(info.pid, pid)
                pids[t.id] = pid
            case .failure(let e):
                XCTFail("create+start of \(t.id): \(e)")
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(pids.count, count)

        let infos = try sup.list()
        XCTAssertEqual(infos.filter { $0.status == "running" }.count, count, "\(infos.map { "\($0.id) \($0.status)" })")
        let rss = ProcessTable.rssKiB(sup.pid) ?? -1
        print("berth-supervisor RSS with \(count) running containers: \(rss) KiB (\(String(format: "%.2f", elapsed)) s to create and start them from \(count) connections)")
        XCTAssertLessThan(rss, 200 * 1024, "supervisor RSS")

        for t in tasks { release(t.bundle) }
        let exits = events.await(count: count, timeout: 120) { e in pids[e.event.id] != nil }
        XCTAssertEqual(exits.count, count, "TaskExit events received")
        for (i, t) in tasks.enumerated() {
            XCTAssertEqual(exits.first { $0.event.id == t.id }?.event.exitStatus, Int32(i % 7), "exit of \(t.id)")
        }
        XCTAssertEqual(exits.count, Set(exits.map(\.event.id)).count, "an exit reported twice: \(exits)")

        // Reaped: no zombie is left under any shim.
        let shims = try sup.list().map(\.shimPid)
        let zombies = ProcessTable.zombieChildren(of: shims)
        XCTAssertEqual(zombies, [], "zombies under the shims")
        for (i, t) in tasks.enumerated() {
            XCTAssertEqual(try sup.get(t.id).exitStatus, Int32(i % 7))
        }

        let deletions = tasks.map { t in
            let id = t.id
            return Outcome.run { try sup.call(SupervisorMethod.delete, TaskRef(id: id), ExitResult.self) }
        }
        for (t, d) in zip(tasks, deletions) {
            guard let r = d.wait(timeout: 120) else { XCTFail("delete of \(t.id) did not return"); continue }
            if case .failure(let e) = r { XCTFail("delete of \(t.id): \(e)") }
        }
        XCTAssertEqual(try sup.list().count, 0)
        for t in tasks { assertNothingLeft(t.id, bundle: t.bundle) }
    }
}

extension ProcessTable {
    /// Zombie processes whose parent is one of `parents`.
    static func zombieChildren(of parents: [Int32]) -> [Int32] {
        let wanted = Set(parents)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            state(pid) == "Z" && parent(of: pid).map(wanted.contains) == true
        }
    }
}
