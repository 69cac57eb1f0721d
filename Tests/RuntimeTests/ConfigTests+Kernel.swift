import Foundation
import XCTest

/// Resources (cgroups), seccomp, sysctl and namespaces.
extension ConfigTests {
    /// Limits seen from inside through the fixture's /sys/fs/cgroup mount, and on the host in the
    /// container's cgroup directories.
    func testCgroupLimits() throws {
        let layout = env.cgroups
        let inside = layout.isUnified
            ? ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/cpu.max"]
            : ["/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"]
        let id = newID("limits")
        let bundle = try makeBundle(["cat"] + inside)
        bundle["linux.resources.memory"] = ["limit": 67_108_864] as JSONObject
        bundle["linux.resources.pids"] = ["limit": 50] as JSONObject
        bundle["linux.resources.cpu"] = ["quota": 50_000, "period": 100_000] as JSONObject
        let created = try create(id, bundle)
        XCTAssertEqual(created.status, 0, created.description)

        func host(_ controller: String, _ file: String) -> String? {
            let path = "\(layout.directory(of: id, controller: controller))/\(file)"
            return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let pid = try XCTUnwrap(pidOf(id))
        if layout.isUnified {
            XCTAssertEqual(host("memory", "memory.max"), "67108864")
            XCTAssertEqual(host("pids", "pids.max"), "50")
            XCTAssertEqual(host("cpu", "cpu.max"), "50000 100000")
            XCTAssertTrue(host("memory", "cgroup.procs")?.split(separator: "\n").contains("\(pid)") ?? false)
        } else {
            XCTAssertEqual(host("memory", "memory.limit_in_bytes"), "67108864")
            XCTAssertEqual(host("pids", "pids.max"), "50")
            XCTAssertEqual(host("cpu", "cpu.cfs_quota_us"), "50000")
            XCTAssertEqual(host("cpu", "cpu.cfs_period_us"), "100000")
            for controller in ["memory", "pids", "cpu"] {
                XCTAssertTrue(host(controller, "cgroup.procs")?.split(separator: "\n").contains("\(pid)") ?? false,
                              "\(pid) is in the \(controller) cgroup of \(id)")
            }
        }

        XCTAssertEqual(runtime(["start", id]).status, 0)
        XCTAssertTrue(waitForStatus(id, "stopped"))
        let seen = output(of: id)
        let expected = layout.isUnified ? "67108864\n50\n50000 100000" : "67108864\n50\n50000"
        XCTAssertEqual(seen.stdout.trimmingCharacters(in: .whitespacesAndNewlines), expected, seen.stderr)
        XCTAssertEqual(runtime(["delete", id]).status, 0)
        assertNothingLeft(id: id, bundle: bundle, context: "after delete")
    }

    /// SCMP_ACT_ERRNO without errnoRet means EPERM.
    func testSeccompRuleTurnsSyscallIntoEPERM() throws {
        let result = try runOnce(["sh", "-c", "mkdir /tmp/x 2>&1; echo mkdir=$?; touch /tmp/y; echo touch=$?"]) {
            $0["root.readonly"] = false
            $0["linux.seccomp"] = [
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [["names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"] as JSONObject],
            ] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertTrue(result.out.contains("Operation not permitted"), result.out)
        XCTAssertTrue(result.out.contains("mkdir=1"), result.out)
        XCTAssertTrue(result.out.contains("touch=0"), result.out)
    }

    func testSeccompErrnoRet() throws {
        let result = try runOnce(["sh", "-c", "mkdir /tmp/x 2>&1; echo mkdir=$?"]) {
            $0["root.readonly"] = false
            $0["linux.seccomp"] = [
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [["names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": Int(ENOSPC)] as JSONObject],
            ] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertTrue(result.out.contains("No space left on device"), result.out)
        XCTAssertTrue(result.out.contains("mkdir=1"), result.out)
    }

    /// A rule with an argument condition: kill(_, SIGUSR1) is refused, kill(_, 0) is not.
    func testSeccompArgumentCondition() throws {
        let result = try runOnce(["sh", "-c", "kill -USR1 $$ 2>&1; echo usr1=$?; kill -0 $$; echo zero=$?"]) {
            $0["linux.seccomp"] = [
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [
                    ["names": ["kill"], "action": "SCMP_ACT_ERRNO",
                     "args": [["index": 1, "value": Int(SIGUSR1), "op": "SCMP_CMP_EQ"] as JSONObject]] as JSONObject,
                ],
            ] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertTrue(result.out.contains("Operation not permitted"), result.out)
        XCTAssertTrue(result.out.contains("usr1=1"), result.out)
        XCTAssertTrue(result.out.contains("zero=0"), result.out)
    }

    func testSysctlInNewNetworkNamespace() throws {
        let result = try runOnce(["cat", "/proc/sys/net/ipv4/ip_forward"]) {
            $0["linux.sysctl"] = ["net.ipv4.ip_forward": "1"]
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "1")
    }

    /// The container's root is host uid 100000, so the rootfs is a copy owned by it.
    func testUserNamespaceMapping() throws {
        let script = "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c '%u:%g' /bin/busybox"
        let result = try runOnce(["sh", "-c", script], rootfs: .copied(ownerUID: 100_000, ownerGID: 100_000), hint: "userns") {
            $0.setNamespace("user")
            $0["linux.uidMappings"] = [["containerID": 0, "hostID": 100_000, "size": 65536] as JSONObject]
            $0["linux.gidMappings"] = [["containerID": 0, "hostID": 100_000, "size": 65536] as JSONObject]
        }
        XCTAssertEqual(result.status, 0, result.description)
        let lines = result.out.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(lines, ["0 100000 65536", "0 100000 65536", "0", "0", "0:0"])
    }

    /// Container B joins container A's network namespace by path.
    func testJoinNetworkNamespaceByPath() throws {
        let a = newID("netns-a")
        try createAndStart(a, try makeBundle(LifecycleTests.sleeper))
        let pidA = try XCTUnwrap(pidOf(a))
        let nsA = try XCTUnwrap(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pidA)/ns/net"))
        let hostNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        XCTAssertNotEqual(nsA, hostNS, "A has its own network namespace")

        let fromA = runtime(["exec", a, "/bin/readlink", "/proc/self/ns/net"])
        XCTAssertEqual(fromA.out, nsA, fromA.description)
        let result = try runOnce(["readlink", "/proc/self/ns/net"], hint: "netns-b") {
            $0.setNamespace("network", path: "/proc/\(pidA)/ns/net")
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, nsA, "B is in A's network namespace")
    }

    /// A new namespace of each type differs from the host's; the cgroup namespace root is "/".
    func testNewNamespacesDifferFromHost() throws {
        let types = ["pid", "net", "ipc", "uts", "mnt", "cgroup"]
        let script = types.map { "readlink /proc/self/ns/\($0)" }.joined(separator: "; ") + "; grep '^0::' /proc/self/cgroup || true"
        let result = try runOnce(["sh", "-c", script]) { $0.setNamespace("cgroup") }
        XCTAssertEqual(result.status, 0, result.description)
        let lines = result.out.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, types.count, result.out)
        for (index, type) in types.enumerated() where index < lines.count {
            let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(type)")
            XCTAssertNotEqual(lines[index], host, "\(type) namespace is new")
        }
        if lines.count > types.count { XCTAssertEqual(lines[types.count], "0::/", "cgroup namespace root") }
    }
}
