import Foundation
import OCISpec
import XCTest

@testable import Cgroups

/// Against the machine's real cgroupfs, as root. Each test works under its own
/// "/berth_test_<pid>_<random>" and removes it in tearDown, even after a failure.
final class CgroupLiveTests: XCTestCase {
    var base = ""
    var managers: [CgroupManager] = []
    var children: [pid_t] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "needs root")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/sys/fs/cgroup"), "needs cgroupfs")
        // No dashes: the systemd-style test uses it as a slice name, where a dash means nesting.
        base = "/berth_test_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
    }

    override func tearDownWithError() throws {
        for pid in children {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        children = []
        for m in managers {
            try? m.thaw()
            try? m.destroy()
            // Also the per-test directories that create() made above the container's cgroup.
            for dir in Set(m.paths.values) {
                guard let hit = dir.range(of: base) else { continue }
                let top = dir[hit.upperBound...].firstIndex(of: "/").map { String(dir[..<$0]) } ?? dir
                try? CgroupManager.removeTree(top)
            }
        }
        managers = []
    }

    func makeManager(_ path: String) throws -> CgroupManager {
        let m = try CgroupManager(cgroupsPath: path, containerID: "c")
        managers.append(m)
        return m
    }

    func read(_ dir: String?, _ file: String) throws -> String {
        let d = try XCTUnwrap(dir, "no directory for \(file)")
        return try String(contentsOfFile: d + "/" + file, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func spawn(_ args: [String]) throws -> pid_t {
        try spawnGated(args).pid
    }

    /// Starts `args` with stdin on a pipe; the child can block on `read` until `gate` is
    /// written, so that what it does next is charged to the cgroup it has been moved into.
    func spawnGated(_ args: [String]) throws -> (pid: pid_t, gate: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CgroupError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, args[0], &actions, nil, &argv, environ)
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            throw CgroupError("posix_spawn \(args[0]): \(String(cString: strerror(rc)))")
        }
        children.append(pid)
        return (pid, fds[1])
    }

    func open(gate: Int32) {
        _ = write(gate, "go\n", 3)
        close(gate)
    }

    /// The one-letter state in /proc/<pid>/status ("R", "S", "D", "T", "Z").
    func processState(_ pid: pid_t) -> String {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("State:") {
            return line.dropFirst("State:".count).trimmingCharacters(in: .whitespaces).prefix(1).description
        }
        return "?"
    }

    /// utime + stime from /proc/<pid>/stat, in ticks.
    func cpuTicks(_ pid: pid_t) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Int(fields[11]), let s = Int(fields[12]) else { return -1 }
        return u + s
    }

    /// Independent of the code under test: cgroup.controllers exists only at a cgroup2 root.
    func expectedMode() -> CgroupMode {
        let fm = FileManager.default
        if fm.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") { return .unified }
        if fm.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.controllers") { return .hybrid }
        return .legacy
    }

    func testDetectMode() throws {
        XCTAssertEqual(try CgroupManager.detectMode(), expectedMode())
    }

    func testCreateApplyAndReadBack() throws {
        let m = try makeManager(base + "/c")
        try m.create()
        for dir in Set(m.paths.values) {
            var isDir: ObjCBool = false
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue, dir)
        }
        let v1 = m.mode != .unified
        if v1 {
            XCTAssertFalse(try read(m.paths["cpuset"], "cpuset.cpus").isEmpty, "cpuset inherited from parent")
            XCTAssertFalse(try read(m.paths["cpuset"], "cpuset.mems").isEmpty)
        }
        let blkioWeightFile = v1 ? "blkio.weight" : "io.weight"
        let blkioDir = v1 ? m.paths["blkio"] : m.paths[""]
        let hasBlkioWeight = blkioDir.map { FileManager.default.fileExists(atPath: $0 + "/" + blkioWeightFile) } ?? false
        let hugetlbDir = m.paths["hugetlb"] ?? m.paths[""]
        let hugetlbFile = m.paths["hugetlb"] != nil ? "hugetlb.2MB.limit_in_bytes" : "hugetlb.2MB.max"
        let hasHugetlb = hugetlbDir.map { FileManager.default.fileExists(atPath: $0 + "/" + hugetlbFile) } ?? false

        var r = LinuxResources(
            memory: LinuxMemory(limit: 64 << 20, reservation: 32 << 20),
            cpu: LinuxCPU(shares: 512, quota: 50_000, period: 100_000),
            pids: LinuxPids(limit: 32))
        if hasBlkioWeight { r.blockIO = LinuxBlockIO(weight: 500) }
        if hasHugetlb { r.hugepageLimits = [LinuxHugepageLimit(pageSize: "2MB", limit: 2 << 21)] }
        if v1, m.paths["devices"] != nil {
            r.devices = [
                LinuxDeviceCgroup(allow: false, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
                LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rw"),
            ]
        }
        try m.apply(r)

        if v1 {
            XCTAssertEqual(try read(m.paths["memory"], "memory.limit_in_bytes"), String(64 << 20))
            XCTAssertEqual(try read(m.paths["memory"], "memory.soft_limit_in_bytes"), String(32 << 20))
            XCTAssertEqual(try read(m.paths["pids"], "pids.max"), "32")
            XCTAssertEqual(try read(m.paths["cpu"], "cpu.shares"), "512")
            XCTAssertEqual(try read(m.paths["cpu"], "cpu.cfs_quota_us"), "50000")
            XCTAssertEqual(try read(m.paths["cpu"], "cpu.cfs_period_us"), "100000")
            if m.paths["devices"] != nil {
                XCTAssertEqual(try read(m.paths["devices"], "devices.list"), "c 1:3 rwm\nc 136:* rw")
            }
            if hasBlkioWeight { XCTAssertEqual(try read(m.paths["blkio"], "blkio.weight"), "500") }
        } else {
            XCTAssertEqual(try read(m.paths[""], "memory.max"), String(64 << 20))
            XCTAssertEqual(try read(m.paths[""], "pids.max"), "32")
            XCTAssertEqual(try read(m.paths[""], "cpu.weight"), "20")
            XCTAssertEqual(try read(m.paths[""], "cpu.max"), "50000 100000")
            if hasBlkioWeight { XCTAssertEqual(try read(m.paths[""], "io.weight"), "default 4950") }
        }
        if hasHugetlb { XCTAssertEqual(try read(hugetlbDir, hugetlbFile), String(2 << 21)) }
        let v2Controllers = (try? read(m.mountPoints[""], "cgroup.controllers")) ?? ""
        if m.mode == .hybrid, m.paths["hugetlb"] == nil, v2Controllers.split(separator: " ").contains("hugetlb") {
            XCTAssertTrue(hasHugetlb, "create() enables hugetlb on the cgroup2 side")
        }

        // Lifting the limits again.
        try m.apply(LinuxResources(memory: LinuxMemory(limit: -1), pids: LinuxPids(limit: 0)))
        if v1 {
            XCTAssertEqual(try read(m.paths["pids"], "pids.max"), "max")
            XCTAssertGreaterThan(UInt64(try read(m.paths["memory"], "memory.limit_in_bytes")) ?? 0, 1 << 40)
        }
    }

    func testUnifiedResourcesOnHybridGoToCgroup2() throws {
        let m = try makeManager(base + "/c")
        try XCTSkipUnless(m.mode == .hybrid, "hybrid hosts only")
        try m.create()
        try m.apply(LinuxResources(unified: ["cgroup.max.descendants": "5"]))
        XCTAssertEqual(try read(m.paths[""], "cgroup.max.descendants"), "5")
    }

    func testProcessLifecycle() throws {
        let m = try makeManager(base + "/c")
        try m.create()
        try m.apply(LinuxResources(memory: LinuxMemory(limit: 64 << 20), pids: LinuxPids(limit: 32)))
        // A busy loop, so that a frozen process is visibly not running. It starts (exec, so a
        // fresh address space) only once inside: v1 leaves charges made before a move behind.
        let (pid, gate) = try spawnGated(["/bin/sh", "-c", "read x; exec /bin/sh -c 'while :; do :; done'"])
        try m.addProcess(pid)
        open(gate: gate)
        usleep(50_000)
        XCTAssertTrue(try m.pids().contains(pid))
        for (key, dir) in m.paths {
            XCTAssertTrue(try read(dir, "cgroup.procs").split(separator: "\n").contains(Substring(String(pid))),
                          "pid in \(key.isEmpty ? "cgroup2" : key)")
        }

        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        let state = processState(pid)
        XCTAssertNotEqual(state, "R", "a frozen task is not runnable")
        let ticks = cpuTicks(pid)
        usleep(300_000)
        XCTAssertEqual(cpuTicks(pid), ticks, "no cpu time while frozen")
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        usleep(300_000)
        XCTAssertGreaterThan(cpuTicks(pid), ticks, "runs again after thaw")

        let stats = try m.stats()
        XCTAssertGreaterThan(stats.memory.usage.usage, 0)
        XCTAssertEqual(stats.memory.usage.limit, 64 << 20)
        XCTAssertGreaterThan(stats.cpu.usage.total, 0)
        XCTAssertEqual(stats.pids.current, 1)
        XCTAssertEqual(stats.pids.limit, 32)
        XCTAssertFalse(stats.memory.raw.isEmpty)
        if m.paths["hugetlb"] == nil, let u = m.paths[""], FileManager.default.fileExists(atPath: u + "/hugetlb.2MB.current") {
            XCTAssertNotNil(stats.hugetlb["2MB"], "hugetlb stats from cgroup2 in hybrid mode")
        }
        XCTAssertEqual(m.oomKillCount(), 0)
        _ = try JSONEncoder().encode(stats)

        try m.killAll(signal: SIGKILL)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        children.removeAll { $0 == pid }
        XCTAssertEqual(status & 0x7f, SIGKILL, "killed by SIGKILL")
        XCTAssertFalse(m.isFrozen(), "left thawed")
        XCTAssertEqual(try m.pids(), [])

        try m.destroy()
        for dir in Set(m.paths.values) {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir), "\(dir) removed")
        }
        try m.destroy()
    }

    /// The pure-v2 code path for real: a manager that sees only the cgroup2 mount of a
    /// hybrid host treats it as a unified host (freeze via cgroup.freeze, kill via cgroup.kill).
    func testPureV2PathOnCgroup2Mount() throws {
        let unified = "/sys/fs/cgroup/unified"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: unified + "/cgroup.controllers"), "needs \(unified)")
        let m = try CgroupManager(cgroupsPath: base + "/c", containerID: "c",
                                  mountInfo: "41 31 0:38 / \(unified) rw - cgroup2 cgroup2 rw\n", selfCgroup: "0::/\n")
        managers.append(m)
        XCTAssertEqual(m.mode, .unified)
        XCTAssertEqual(m.paths, ["": unified + base + "/c"])
        try m.create()
        if FileManager.default.fileExists(atPath: unified + base + "/c/hugetlb.2MB.max") {
            try m.apply(LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 21)]))
            XCTAssertEqual(try read(m.paths[""], "hugetlb.2MB.max"), String(4 << 21))
            XCTAssertNotNil(try m.stats().hugetlb["2MB"])
        }
        XCTAssertThrowsError(try m.apply(LinuxResources(pids: LinuxPids(limit: 3)))) {
            XCTAssertTrue("\($0)".contains("controller \"pids\" is not available"), "\($0)")
        }
        let pid = try spawn(["/bin/sleep", "30"])
        try m.addProcess(pid)
        XCTAssertEqual(try m.pids(), [pid])
        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        XCTAssertTrue(try read(m.paths[""], "cgroup.events").contains("frozen 1"))
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        try m.killAll(signal: SIGKILL)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        children.removeAll { $0 == pid }
        XCTAssertEqual(status & 0x7f, SIGKILL)
        try m.destroy()
        XCTAssertFalse(FileManager.default.fileExists(atPath: unified + base + "/c"))
    }

    func testDestroyRemovesChildCgroupsAndFailsWhileBusy() throws {
        let m = try makeManager(base + "/c")
        try m.create()
        let pid = try spawn(["/bin/sleep", "30"])
        try m.addProcess(pid)
        XCTAssertThrowsError(try m.destroy()) { error in
            XCTAssertEqual((error as? CgroupError)?.errno, EBUSY, "\(error)")
        }
        try m.killAll(signal: SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        children.removeAll { $0 == pid }
        for dir in Set(m.paths.values) { mkdir(dir + "/nested", 0o755) }
        try m.destroy()
        for dir in Set(m.paths.values) { XCTAssertFalse(FileManager.default.fileExists(atPath: dir), dir) }
    }

    func testRelativePathIsUnderOwnCgroup() throws {
        let m = try makeManager(String(base.dropFirst()) + "/c")
        let own = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        for line in own.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1] == "memory", let dir = m.paths["memory"] else { continue }
            let mine = parts[2] == "/" ? "" : String(parts[2])
            XCTAssertEqual(dir, "/sys/fs/cgroup/memory" + mine + base + "/c")
        }
        try m.create()
        let pid = try spawn(["/bin/sleep", "30"])
        try m.addProcess(pid)
        XCTAssertEqual(try m.pids(), [pid])
        try m.killAll(signal: SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        children.removeAll { $0 == pid }
        try m.destroy()
    }

    func testSystemdStylePath() throws {
        let m = try makeManager("\(base.dropFirst()).slice:berth:c1")
        for (key, dir) in m.paths {
            XCTAssertTrue(dir.hasSuffix(base + ".slice/berth-c1.scope"), "\(key): \(dir)")
        }
        try m.create()
        try m.destroy()
    }
}
