import Foundation
import OCISpec
import XCTest

@testable import Cgroups

/// The pure cgroup v2 code path, driven against plain files in a temporary directory that
/// a fake mountinfo names as the cgroup2 mount. Files the kernel would provide are
/// created by the test before the manager writes them.
final class CgroupFakeTreeTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "berth-fake-cgroup-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try put(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma")
        try put(root, "cgroup.subtree_control", "")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func put(_ dir: String, _ file: String, _ content: String) throws {
        try content.write(toFile: dir + "/" + file, atomically: false, encoding: .utf8)
    }

    func get(_ dir: String, _ file: String) throws -> String {
        try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
    }

    func manager(_ path: String = "/berth/c1", mountInfoExtra: String = "") throws -> CgroupManager {
        let mi = "29 22 0:26 / \(root) rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n" + mountInfoExtra
        return try CgroupManager(cgroupsPath: path, containerID: "c1", mountInfo: mi, selfCgroup: "0::/\n")
    }

    /// The files a kernel would show in a leaf with every controller enabled.
    func populateLeaf(_ dir: String) throws {
        for f in ["cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems",
                  "memory.max", "memory.swap.max", "memory.low", "pids.max", "io.weight", "io.max",
                  "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "rdma.max", "memory.high", "cgroup.procs",
                  "cgroup.freeze", "cgroup.kill"] {
            try put(dir, f, "")
        }
        try put(dir, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma")
    }

    func testCreateEnablesControllersInEveryAncestor() throws {
        let m = try manager()
        XCTAssertEqual(m.mode, .unified)
        let leaf = try XCTUnwrap(m.paths[""])
        XCTAssertEqual(leaf, root + "/berth/c1")
        // The intermediate cgroup exists with its own controller list, as the kernel would show.
        try FileManager.default.createDirectory(atPath: root + "/berth", withIntermediateDirectories: false)
        try put(root + "/berth", "cgroup.controllers", "cpu memory pids")
        try put(root + "/berth", "cgroup.subtree_control", "")
        try m.create()
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: leaf, isDirectory: &isDir) && isDir.boolValue)
        XCTAssertEqual(try get(root, "cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids +rdma")
        XCTAssertEqual(try get(root + "/berth", "cgroup.subtree_control"), "+cpu +memory +pids")
        // Idempotent.
        try m.create()
    }

    func testApplyWritesV2Files() throws {
        let m = try manager()
        try m.create()
        let leaf = try XCTUnwrap(m.paths[""])
        try populateLeaf(leaf)
        // No device rules: on v2 they become an eBPF program, which needs a real cgroup2
        // directory (DeviceFilterV2LiveTests).
        let r = LinuxResources(
            memory: LinuxMemory(limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20, swappiness: 10),
            cpu: LinuxCPU(shares: 1024, quota: 50_000, burst: 1000, period: 100_000, cpus: "0", mems: "0", idle: 0),
            pids: LinuxPids(limit: 32),
            blockIO: LinuxBlockIO(weight: 500, weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 1000)],
                                  throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 1_048_576)]),
            hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 21)],
            network: LinuxNetwork(classID: 7),
            rdma: ["mlx5_0": LinuxRdma(hcaHandles: 2, hcaObjects: 10)],
            unified: ["memory.high": "50000000", "pids.max": "40"])
        try m.apply(r)
        XCTAssertEqual(try get(leaf, "cpu.weight"), "39")
        XCTAssertEqual(try get(leaf, "cpu.max"), "50000 100000")
        XCTAssertEqual(try get(leaf, "cpu.max.burst"), "1000")
        XCTAssertEqual(try get(leaf, "cpu.idle"), "0")
        XCTAssertEqual(try get(leaf, "cpuset.cpus"), "0")
        XCTAssertEqual(try get(leaf, "memory.max"), String(64 << 20))
        XCTAssertEqual(try get(leaf, "memory.swap.max"), String(32 << 20))
        XCTAssertEqual(try get(leaf, "memory.low"), String(32 << 20))
        XCTAssertEqual(try get(leaf, "io.weight"), "8:0 10000", "the last write is the per-device one")
        XCTAssertEqual(try get(leaf, "io.max"), "8:0 rbps=1048576")
        XCTAssertEqual(try get(leaf, "hugetlb.2MB.max"), String(4 << 21))
        XCTAssertEqual(try get(leaf, "hugetlb.2MB.rsvd.max"), String(4 << 21))
        XCTAssertEqual(try get(leaf, "rdma.max"), "mlx5_0 hca_handle=2 hca_object=10")
        XCTAssertEqual(try get(leaf, "memory.high"), "50000000")
        XCTAssertEqual(try get(leaf, "pids.max"), "40", "unified keys override the structured fields")
        XCTAssertTrue(m.needsDeviceBPF)

        try m.apply(LinuxResources(memory: LinuxMemory(limit: -1), cpu: LinuxCPU(quota: -1),
                                   pids: LinuxPids(limit: 0), blockIO: LinuxBlockIO(weight: 500)))
        XCTAssertEqual(try get(leaf, "memory.max"), "max")
        XCTAssertEqual(try get(leaf, "memory.swap.max"), "max")
        XCTAssertEqual(try get(leaf, "cpu.max"), "max 100000")
        XCTAssertEqual(try get(leaf, "pids.max"), "max")
        XCTAssertEqual(try get(leaf, "io.weight"), "4950")
    }

    func testApplyErrors() throws {
        let m = try manager()
        try m.create()
        let leaf = try XCTUnwrap(m.paths[""])
        try put(leaf, "cgroup.controllers", "memory")
        XCTAssertThrowsError(try m.apply(LinuxResources(pids: LinuxPids(limit: 5)))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("write \(leaf)/pids.max \"5\": No such file or directory"), text)
            XCTAssertTrue(text.contains("controller \"pids\" is not available"), text)
        }
        XCTAssertThrowsError(try m.apply(LinuxResources(memory: LinuxMemory(limit: 100, swap: 50))))
        XCTAssertThrowsError(try m.apply(LinuxResources(cpu: LinuxCPU(realtimeRuntime: 1000))))
        XCTAssertThrowsError(try m.apply(LinuxResources(memory: LinuxMemory(limit: -2)))) {
            XCTAssertEqual("\($0)", "invalid memory limit -2: must be -1 (unlimited) or a byte count")
        }
        XCTAssertThrowsError(try m.apply(LinuxResources(unified: ["../escape": "1"])))
        try populateLeaf(leaf)
        try put(leaf, "memory.current", "1000000\n")
        XCTAssertThrowsError(try m.apply(LinuxResources(memory: LinuxMemory(limit: 4096, checkBeforeUpdate: true)))) {
            XCTAssertEqual("\($0)", "rejecting memory limit 4096 below usage 1000000")
        }
    }

    func testFreezeThawAndProcs() throws {
        let m = try manager()
        try m.create()
        let leaf = try XCTUnwrap(m.paths[""])
        try populateLeaf(leaf)
        try put(leaf, "cgroup.events", "populated 1\nfrozen 1\n")
        try m.freeze()
        XCTAssertEqual(try get(leaf, "cgroup.freeze"), "1")
        XCTAssertTrue(m.isFrozen())
        try m.thaw()
        XCTAssertEqual(try get(leaf, "cgroup.freeze"), "0")
        XCTAssertFalse(m.isFrozen())

        try m.addProcess(4242)
        XCTAssertEqual(try get(leaf, "cgroup.procs"), "4242")
        try FileManager.default.createDirectory(atPath: leaf + "/sub", withIntermediateDirectories: false)
        try put(leaf + "/sub", "cgroup.procs", "7\n8\n")
        XCTAssertEqual(try m.pids().sorted(), [7, 8, 4242])
        try m.killAll(signal: SIGKILL)
        XCTAssertEqual(try get(leaf, "cgroup.kill"), "1")
    }

    func testStatsFromV2Files() throws {
        let m = try manager()
        try m.create()
        let leaf = try XCTUnwrap(m.paths[""])
        try put(leaf, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 30\n")
        try put(leaf, "memory.current", "4096\n")
        try put(leaf, "memory.peak", "8192\n")
        try put(leaf, "memory.max", "max\n")
        try put(leaf, "memory.stat", "anon 100\nfile 200\n")
        try put(leaf, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
        try put(leaf, "memory.swap.current", "10\n")
        try put(leaf, "memory.swap.max", "1000\n")
        try put(leaf, "pids.current", "3\n")
        try put(leaf, "pids.max", "max\n")
        try put(leaf, "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n")
        try put(leaf, "hugetlb.2MB.current", "2097152\n")
        try put(leaf, "hugetlb.2MB.events", "max 4\n")
        try put(leaf, "hugetlb.2MB.max", "max\n")
        let s = try m.stats()
        XCTAssertEqual(s.cpu.usage.total, 1_500_000)
        XCTAssertEqual(s.cpu.usage.user, 1_000_000)
        XCTAssertEqual(s.cpu.usage.kernel, 500_000)
        XCTAssertEqual(s.cpu.throttling.throttledPeriods, 2)
        XCTAssertEqual(s.cpu.throttling.throttledTime, 30_000)
        XCTAssertEqual(s.memory.usage.usage, 4096)
        XCTAssertEqual(s.memory.usage.max, 8192)
        XCTAssertEqual(s.memory.usage.limit, UInt64.max)
        XCTAssertEqual(s.memory.usage.failcnt, 3)
        XCTAssertEqual(s.memory.cache, 200)
        XCTAssertEqual(s.memory.raw["anon"], 100)
        XCTAssertEqual(s.memory.swap.usage, 4106)
        XCTAssertEqual(s.memory.swap.limit, UInt64.max)
        XCTAssertEqual(s.pids.current, 3)
        XCTAssertEqual(s.pids.limit, 0)
        XCTAssertEqual(s.blkio.ioServiceBytesRecursive,
                       [.init(major: 8, minor: 0, op: "Read", value: 100), .init(major: 8, minor: 0, op: "Write", value: 200)])
        XCTAssertEqual(s.blkio.ioServicedRecursive.map(\.value), [1, 2])
        XCTAssertEqual(s.hugetlb["2MB"]?.usage, 2_097_152)
        XCTAssertEqual(s.hugetlb["2MB"]?.failcnt, 4)
        XCTAssertEqual(s.hugetlb.count, 1)
        XCTAssertEqual(m.oomKillCount(), 1)
    }

    func testDestroyRemovesNestedCgroups() throws {
        let m = try manager()
        try m.create()
        let leaf = try XCTUnwrap(m.paths[""])
        try FileManager.default.createDirectory(atPath: leaf + "/a/b", withIntermediateDirectories: true)
        try m.destroy()
        XCTAssertFalse(FileManager.default.fileExists(atPath: leaf))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/berth"), "parents are left alone")
        try m.destroy()  // missing is fine
    }
}
