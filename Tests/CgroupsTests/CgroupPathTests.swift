import Foundation
import OCISpec
import XCTest

@testable import Cgroups

/// Mount-table parsing, mode detection and path resolution, from canned /proc texts.
final class CgroupPathTests: XCTestCase {
    static let hybridMountInfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
    static let hybridSelf = """
        9:name=systemd:/
        8:pids:/
        7:blkio:/
        6:freezer:/
        5:devices:/
        4:memory:/process_api/61eaffab
        3:cpuset:/
        2:cpuacct:/
        1:cpu:/
        0::/
        """
    static let comountedMountInfo = """
        25 24 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs ro,mode=755
        26 25 0:23 / /sys/fs/cgroup/systemd rw shared:9 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
        27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw shared:10 - cgroup cgroup rw,cpu,cpuacct
        28 25 0:25 / /sys/fs/cgroup/memory rw shared:11 - cgroup cgroup rw,memory
        """
    static let unifiedMountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        29 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        """

    func testModeDetection() throws {
        XCTAssertEqual(try CgroupManager.detectMode(mountInfo: Self.hybridMountInfo), .hybrid)
        XCTAssertEqual(try CgroupManager.detectMode(mountInfo: Self.comountedMountInfo), .legacy)
        XCTAssertEqual(try CgroupManager.detectMode(mountInfo: Self.unifiedMountInfo), .unified)
        XCTAssertThrowsError(try CgroupManager.detectMode(mountInfo: "22 1 8:1 / / rw - ext4 /dev/sda1 rw"))
    }

    func testHybridPaths() throws {
        let m = try CgroupManager(cgroupsPath: "/berth/c1", containerID: "c1",
                                  mountInfo: Self.hybridMountInfo, selfCgroup: Self.hybridSelf)
        XCTAssertEqual(m.mode, .hybrid)
        XCTAssertEqual(m.paths["cpu"], "/sys/fs/cgroup/cpu/berth/c1")
        XCTAssertEqual(m.paths["cpuacct"], "/sys/fs/cgroup/cpuacct/berth/c1")
        XCTAssertEqual(m.paths["memory"], "/sys/fs/cgroup/memory/berth/c1")
        XCTAssertEqual(m.paths["name=systemd"], "/sys/fs/cgroup/systemd/berth/c1")
        XCTAssertEqual(m.paths[""], "/sys/fs/cgroup/unified/berth/c1")
        XCTAssertNil(m.paths["hugetlb"])
        XCTAssertFalse(m.needsDeviceBPF)
    }

    func testCoMountedControllersShareOneDirectory() throws {
        let m = try CgroupManager(cgroupsPath: nil, containerID: "abc",
                                  mountInfo: Self.comountedMountInfo, selfCgroup: "")
        XCTAssertEqual(m.mode, .legacy)
        XCTAssertEqual(m.paths["cpu"], "/sys/fs/cgroup/cpu,cpuacct/berth/abc")
        XCTAssertEqual(m.paths["cpuacct"], m.paths["cpu"])
        XCTAssertNil(m.paths[""])
        XCTAssertEqual(m.directories.count, 3, "cpu,cpuacct counted once")
        XCTAssertThrowsError(try m.apply(LinuxResources(unified: ["memory.high": "1"]))) { error in
            XCTAssertEqual("\(error)", "unified resources require cgroup v2")
        }
    }

    func testRelativePathUsesOwnCgroup() throws {
        let m = try CgroupManager(cgroupsPath: "berth/c1", containerID: "c1",
                                  mountInfo: Self.hybridMountInfo, selfCgroup: Self.hybridSelf)
        XCTAssertEqual(m.paths["memory"], "/sys/fs/cgroup/memory/process_api/61eaffab/berth/c1")
        XCTAssertEqual(m.paths["pids"], "/sys/fs/cgroup/pids/berth/c1")
        XCTAssertEqual(m.paths[""], "/sys/fs/cgroup/unified/berth/c1")
        // A relative path cannot climb out of our own cgroup.
        let up = try CgroupManager(cgroupsPath: "../../etc", containerID: "c1",
                                   mountInfo: Self.hybridMountInfo, selfCgroup: Self.hybridSelf)
        XCTAssertEqual(up.paths["memory"], "/sys/fs/cgroup/memory/process_api/61eaffab/etc")
        XCTAssertThrowsError(try CgroupManager(cgroupsPath: "x", containerID: "c1",
                                               mountInfo: Self.hybridMountInfo, selfCgroup: "0::/\n")) {
            XCTAssertEqual("\($0)", #"cannot resolve relative cgroups path "x": no cpu entry in /proc/self/cgroup"#)
        }
    }

    func testRelativePathStripsMountRoot() throws {
        // Inside a container without a cgroup namespace the mount shows only our subtree.
        let mi = "29 22 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw"
        let m = try CgroupManager(cgroupsPath: "sub/c", containerID: "c",
                                  mountInfo: mi, selfCgroup: "0::/docker/abc/init\n")
        XCTAssertEqual(m.mode, .unified)
        XCTAssertEqual(m.paths, ["": "/sys/fs/cgroup/init/sub/c"])
        XCTAssertTrue(m.needsDeviceBPF)
        XCTAssertEqual(m.unifiedPath, "/sys/fs/cgroup/init/sub/c")
    }

    func testDefaultAndInvalidIDs() throws {
        let m = try CgroupManager(cgroupsPath: "", containerID: "xyz",
                                  mountInfo: Self.unifiedMountInfo, selfCgroup: "0::/\n")
        XCTAssertEqual(m.paths[""], "/sys/fs/cgroup/berth/xyz")
        XCTAssertThrowsError(try CgroupManager(cgroupsPath: nil, containerID: "../x",
                                               mountInfo: Self.unifiedMountInfo, selfCgroup: ""))
        for rootLike in ["/", ".", "/a/..", "//"] {
            XCTAssertThrowsError(try CgroupManager(cgroupsPath: rootLike, containerID: "x",
                                                   mountInfo: Self.unifiedMountInfo, selfCgroup: "0::/\n"), rootLike)
        }
    }

    func testSystemdPathTranslation() throws {
        XCTAssertEqual(try CgroupLocation.systemdToCgroupfs("system.slice:berth:c1"), "/system.slice/berth-c1.scope")
        XCTAssertEqual(try CgroupLocation.systemdToCgroupfs("user-1000.slice:docker:x"),
                       "/user.slice/user-1000.slice/docker-x.scope")
        XCTAssertEqual(try CgroupLocation.systemdToCgroupfs(":berth:c1"), "/system.slice/berth-c1.scope")
        XCTAssertEqual(try CgroupLocation.systemdToCgroupfs("-.slice::c1"), "/c1.scope")
        XCTAssertEqual(try CgroupLocation.systemdToCgroupfs("machine.slice:p:my.slice"), "/machine.slice/my.slice")
        XCTAssertThrowsError(try CgroupLocation.systemdToCgroupfs("system:berth:c1"))
        XCTAssertThrowsError(try CgroupLocation.systemdToCgroupfs("a--b.slice:p:n"))
        XCTAssertThrowsError(try CgroupLocation.systemdToCgroupfs("system.slice:p:"))
        let m = try CgroupManager(cgroupsPath: "system.slice:berth:c1", containerID: "c1",
                                  mountInfo: Self.hybridMountInfo, selfCgroup: Self.hybridSelf)
        XCTAssertEqual(m.paths["pids"], "/sys/fs/cgroup/pids/system.slice/berth-c1.scope")
        XCTAssertEqual(m.paths[""], "/sys/fs/cgroup/unified/system.slice/berth-c1.scope")
    }

    func testMountInfoEscapes() {
        let mi = #"40 31 0:37 / /sys/fs/cgroup/with\040space rw - cgroup cgroup rw,pids"#
        let t = CgroupMountTable(mountInfo: mi)
        XCTAssertEqual(t.v1.first?.mountPoint, "/sys/fs/cgroup/with space")
        XCTAssertEqual(t.v1.first?.controllers, ["pids"])
    }

    func testConversions() throws {
        XCTAssertEqual(CgroupConvert.cpuWeight(fromShares: 1024), 39)
        XCTAssertEqual(CgroupConvert.cpuWeight(fromShares: 2), 1)
        XCTAssertEqual(CgroupConvert.cpuWeight(fromShares: 262_144), 10_000)
        XCTAssertEqual(CgroupConvert.cpuWeight(fromShares: 0), 0)
        XCTAssertEqual(CgroupConvert.ioWeight(fromBlkioWeight: 10), 1)
        XCTAssertEqual(CgroupConvert.ioWeight(fromBlkioWeight: 1000), 10_000)
        XCTAssertEqual(CgroupConvert.ioWeight(fromBlkioWeight: 500), 4950)
        XCTAssertEqual(try CgroupConvert.swapMax(swap: 200, limit: 100), 100)
        XCTAssertEqual(try CgroupConvert.swapMax(swap: 0, limit: -1), -1)
        XCTAssertEqual(try CgroupConvert.swapMax(swap: -1, limit: 100), -1)
        XCTAssertEqual(try CgroupConvert.swapMax(swap: 0, limit: 100), 0)
        XCTAssertThrowsError(try CgroupConvert.swapMax(swap: 50, limit: 100))
        XCTAssertThrowsError(try CgroupConvert.swapMax(swap: 50, limit: 0))
    }

    func testDeviceRuleLines() throws {
        XCTAssertEqual(try V1.deviceRuleLine(LinuxDeviceCgroup(allow: false, access: "rwm")), "a *:* rwm")
        XCTAssertEqual(try V1.deviceRuleLine(LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rw")),
                       "c 1:3 rw")
        XCTAssertEqual(try V1.deviceRuleLine(LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil)),
                       "c 136:* rwm")
        XCTAssertThrowsError(try V1.deviceRuleLine(LinuxDeviceCgroup(allow: true, type: "x")))
        XCTAssertThrowsError(try V1.deviceRuleLine(LinuxDeviceCgroup(allow: true, type: "c", access: "rx")))
    }

    func testErrorText() {
        let e = CgroupError.syscall("write", "/sys/fs/cgroup/memory/berth/c1/memory.limit_in_bytes",
                                    value: "1000", errno: EBUSY)
        XCTAssertEqual(e.description,
                       #"write /sys/fs/cgroup/memory/berth/c1/memory.limit_in_bytes "1000": Device or resource busy"#)
        XCTAssertEqual(e.errno, EBUSY)
    }

    func testManagerRoundTripsThroughJSON() throws {
        let m = try CgroupManager(cgroupsPath: "/berth/c1", containerID: "c1",
                                  mountInfo: Self.hybridMountInfo, selfCgroup: Self.hybridSelf)
        let back = try JSONDecoder().decode(CgroupManager.self, from: JSONEncoder().encode(m))
        XCTAssertEqual(back.mode, m.mode)
        XCTAssertEqual(back.paths, m.paths)
        XCTAssertEqual(back.mountPoints, m.mountPoints)
    }

    func testStatsJSONUsesRuncKeys() throws {
        var s = CgroupStats()
        s.cpu.usage.total = 5
        s.cpu.usage.percpuKernel = [1, 2]
        s.memory.usage.limit = 10
        s.memory.raw = ["cache": 3]
        s.blkio.ioServiceBytesRecursive = [.init(major: 8, minor: 0, op: "Read", value: 7)]
        s.blkio.ioQueuedRecursive = [.init(major: 8, minor: 0, op: "Read", value: 1)]
        s.hugetlb["2MB"] = .init()
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(s), as: UTF8.self)
        XCTAssertTrue(json.contains(#""percpu_kernel":[1,2]"#), json)
        XCTAssertTrue(json.contains(#""usage":{"kernel":0,"percpu_kernel":[1,2],"total":5,"user":0}"#), json)
        XCTAssertTrue(json.contains(#""usage":{"failcnt":0,"limit":10}"#), json)
        XCTAssertTrue(json.contains(#""ioQueueRecursive""#), json)
        XCTAssertTrue(json.contains(#""hugetlb":{"2MB":{"failcnt":0}}"#), json)
        XCTAssertTrue(json.contains(#""pids":{}"#), json)
        XCTAssertTrue(json.contains(#""throttling":{}"#), json)
        XCTAssertEqual(try JSONDecoder().decode(CgroupStats.self, from: Data(json.utf8)), s)
        // What runc prints when a container has no hugetlb controller.
        let runc = #"{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},"memory":{"usage":{"limit":0,"failcnt":0},"#
            + #""swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},"#
            + #""pids":{},"blkio":{},"hugetlb":null}"#
        XCTAssertEqual(try JSONDecoder().decode(CgroupStats.self, from: Data(runc.utf8)), CgroupStats())
    }
}
