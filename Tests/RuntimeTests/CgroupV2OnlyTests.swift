import Foundation
import XCTest

/// berth-runtime on a pure cgroup v2 host. On a hybrid host (this machine: v1 controllers plus
/// a cgroup2 tree at /sys/fs/cgroup/unified) every runtime call goes through
/// Tests/fixtures/cgroup-v2-only.sh, a private mount namespace where /sys/fs/cgroup is only that
/// cgroup2 tree; on a pure v2 host the runtime is called directly. The v2 tree here carries only
/// the hugetlb controller (the rest are bound to v1), so the limits tested are hugetlb ones;
/// freezing and killing need no controller.
final class CgroupV2OnlyTests: RuntimeTestCase {
    /// The v2 tree as the host (and so this test process) sees it.
    private var hostV2Root = "/sys/fs/cgroup"
    private var wrapped: RuntimeUnderTest?

    override var runtimeBinary: RuntimeUnderTest { wrapped ?? super.runtimeBinary }

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard isBerth else { throw XCTSkip("runc 1.1.5 and crun 1.8.1 are not driven through the v2-only view") }
        if env.cgroups.isUnified { return }
        hostV2Root = "/sys/fs/cgroup/unified"
        guard FileManager.default.fileExists(atPath: "\(hostV2Root)/cgroup.controllers") else {
            throw XCTSkip("no cgroup2 hierarchy at \(hostV2Root) to show as a pure v2 host")
        }
        // A wrapper with the runtime's name (the kind is given, so --version is never asked).
        let dir = try env.makeDirectory("v2only")
        let wrapper = dir.appendingPathComponent("berth-runtime")
        let fixture = RuntimeUnderTest.fixtures.appendingPathComponent("cgroup-v2-only.sh").path
        let script = "#!/bin/sh\nexec /bin/bash '\(fixture)' '\(super.runtimeBinary.path)' \"$@\"\n"
        try Data(script.utf8).write(to: wrapper)
        chmod(wrapper.path, 0o755)
        wrapped = RuntimeUnderTest(path: wrapper.path, kind: .berth)
    }

    private var hugetlbAvailable: Bool {
        ((try? String(contentsOfFile: "\(hostV2Root)/cgroup.controllers", encoding: .utf8)) ?? "")
            .split(whereSeparator: \.isWhitespace).contains("hugetlb")
    }

    private func v2Dir(_ id: String) -> String { "\(hostV2Root)/\(cgroupParent)/\(id)" }

    private func v2File(_ id: String, _ name: String) -> String {
        ((try? String(contentsOfFile: "\(v2Dir(id))/\(name)", encoding: .utf8)) ?? "<missing \(v2Dir(id))/\(name)>")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testLifecycle() throws {
        let id = newID("v2life")
        let bundle = try makeBundle(["sh", "-c", "sleep 1000 & sleep 1000 & exec sleep 1000"])
        let created = try create(id, bundle)
        XCTAssertEqual(created.status, 0, created.description)
        XCTAssertEqual(status(id), "created")
        let pid = try XCTUnwrap(pidOf(id))
        XCTAssertTrue(FileManager.default.fileExists(atPath: v2Dir(id)), "the container's cgroup is in the v2 tree")
        XCTAssertEqual(env.cgroups.leftovers(of: id), [v2Dir(id)], "and in no v1 hierarchy: the runtime saw a pure v2 host")
        XCTAssertEqual(v2File(id, "cgroup.procs"), String(pid))

        XCTAssertEqual(runtime(["start", id]).status, 0)
        XCTAssertEqual(status(id), "running")
        XCTAssertTrue(eventually { v2File(id, "cgroup.procs").split(separator: "\n").count == 3 },
                      "init and two sleeps in the cgroup: \(v2File(id, "cgroup.procs"))")

        XCTAssertEqual(runtime(["pause", id]).status, 0)
        XCTAssertEqual(status(id), "paused")
        XCTAssertEqual(v2File(id, "cgroup.freeze"), "1")
        XCTAssertTrue(eventually { v2File(id, "cgroup.events").contains("frozen 1") }, v2File(id, "cgroup.events"))
        XCTAssertEqual(runtime(["resume", id]).status, 0)
        XCTAssertEqual(status(id), "running")
        XCTAssertEqual(v2File(id, "cgroup.freeze"), "0")

        let pids = v2File(id, "cgroup.procs").split(separator: "\n").compactMap { Int32($0) }
        XCTAssertEqual(runtime(["kill", "--all", id, "KILL"]).status, 0)
        XCTAssertTrue(eventually { pids.allSatisfy { !ProcessScan.isRunning($0) } }, "kill --all ended \(pids)")
        XCTAssertTrue(waitForStatus(id, "stopped"))
        XCTAssertEqual(runtime(["delete", id]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: v2Dir(id)), "delete removes the v2 cgroup")
        assertNothingLeft(id: id, bundle: bundle, context: "after delete")
    }

    func testForegroundRunAndDeleteForceOfPaused() throws {
        let result = try runOnce(["sh", "-c", "echo v2; exit 4"], hint: "v2run")
        XCTAssertEqual(result.status, 4, result.description)
        XCTAssertEqual(result.out, "v2")

        let id = newID("v2paused")
        let bundle = try makeBundle(["sleep", "1000"])
        try createAndStart(id, bundle)
        XCTAssertEqual(runtime(["pause", id]).status, 0)
        let deleted = runtime(["delete", "--force", id])
        XCTAssertEqual(deleted.status, 0, deleted.description)
        assertNothingLeft(id: id, bundle: bundle, context: "after delete --force of a paused container")
    }

    /// The config's `cgroup` mount at /sys/fs/cgroup is a cgroup2 filesystem showing the
    /// container's own cgroup.
    func testCgroupMountInsideIsCgroup2() throws {
        let result = try runOnce(["sh", "-c", "grep ' /sys/fs/cgroup ' /proc/self/mountinfo; grep -qx 1 /sys/fs/cgroup/cgroup.procs && echo own-cgroup"],
                                 hint: "v2mount") { bundle in
            let mounts = bundle["mounts"] as? [JSONObject] ?? []
            XCTAssertTrue(mounts.contains { $0["destination"] as? String == "/sys/fs/cgroup" && $0["type"] as? String == "cgroup" },
                          "the pristine bundle mounts cgroup at /sys/fs/cgroup")
        }
        XCTAssertEqual(result.status, 0, result.description)
        let lines = result.out.split(separator: "\n").map(String.init)
        let mount = try XCTUnwrap(lines.first.flatMap { MountInfo(line: Substring($0)) }, "a mount at /sys/fs/cgroup: \(result.out)")
        XCTAssertEqual(mount.fsType, "cgroup2", result.out)
        XCTAssertTrue(mount.options.contains("ro"), "mounted read-only as the config asks: \(result.out)")
        XCTAssertEqual(lines.count, 2, "only the one cgroup2 mount, no v1 hierarchies: \(result.out)")
        XCTAssertEqual(lines.last, "own-cgroup", "its cgroup.procs lists the container's init (pid 1): \(result.out)")
    }

    func testHugepageLimitAndUnified() throws {
        guard hugetlbAvailable else { throw XCTSkip("the cgroup2 tree has no hugetlb controller") }
        let id = newID("v2huge")
        let bundle = try makeBundle(["sleep", "1000"])
        bundle["linux.resources.hugepageLimits"] = [["pageSize": "2MB", "limit": 2 * 1024 * 1024] as JSONObject]
        try createAndStart(id, bundle)
        XCTAssertEqual(v2File(id, "hugetlb.2MB.max"), "2097152", "linux.resources.hugepageLimits")

        let update: JSONObject = ["unified": ["hugetlb.2MB.max": "4194304"]]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: update), as: UTF8.self)
        let updated = runtime(["update", "-r", "-", id], stdin: json)
        XCTAssertEqual(updated.status, 0, updated.description)
        XCTAssertEqual(v2File(id, "hugetlb.2MB.max"), "4194304", "update with a unified key")
        XCTAssertEqual(status(id), "running")
    }

    func testUnifiedKeyAtCreate() throws {
        guard hugetlbAvailable else { throw XCTSkip("the cgroup2 tree has no hugetlb controller") }
        let id = newID("v2unified")
        let bundle = try makeBundle(["sleep", "1000"])
        bundle["linux.resources.unified"] = ["hugetlb.2MB.max": "6291456"] as JSONObject
        XCTAssertEqual(try create(id, bundle).status, 0)
        XCTAssertEqual(v2File(id, "hugetlb.2MB.max"), "6291456")
    }

    /// A limit for a controller the v2 tree does not carry is an error naming it, and leaves
    /// nothing behind.
    func testUnavailableControllerIsAClearError() throws {
        let id = newID("v2nomem")
        let bundle = try makeBundle(["true"])
        bundle["linux.resources.memory"] = ["limit": 100 * 1024 * 1024] as JSONObject
        let available = ((try? String(contentsOfFile: "\(hostV2Root)/cgroup.controllers", encoding: .utf8)) ?? "")
        if available.split(whereSeparator: \.isWhitespace).contains("memory") {
            throw XCTSkip("the memory controller is available on this v2 tree")
        }
        let result = try run(id, bundle)
        XCTAssertEqual(result.status, 1, result.description)
        XCTAssertTrue(result.stderr.contains("memory"), "the error names the controller: \(result.stderr)")
        assertNothingLeft(id: id, bundle: bundle, context: "after a failed run")
    }
}
