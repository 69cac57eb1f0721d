import CLinux
import Foundation
import OCISpec
import XCTest

@testable import Cgroups

/// Device filters loaded into the real kernel, as root. Each test gets its own cgroup2
/// directory "berth-devtest-<random>" (on a hybrid host under /sys/fs/cgroup/unified, where
/// device programs are enforced although no controller is enabled), removed in tearDown.
final class DeviceFilterV2LiveTests: XCTestCase {
    var dir = ""
    var mountInfoLine = ""
    var children: [pid_t] = []

    override func setUpWithError() throws {
        try XCTSkipUnless(getuid() == 0, "needs root")
        let mountInfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        let line = mountInfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") }
        let fields = line?.split(separator: " ") ?? []
        try XCTSkipUnless(fields.count > 4, "needs a cgroup2 mount")
        mountInfoLine = String(line ?? "")
        dir = "\(fields[4])/berth-devtest-\(UInt32.random(in: 0...UInt32.max))"
        // mkdir here, not CgroupManager.create: that would enable controllers in the host's root.
        guard mkdir(dir, 0o755) == 0 else {
            throw XCTSkip("mkdir \(dir): \(String(cString: strerror(errno)))")
        }
    }

    override func tearDownWithError() throws {
        for pid in children {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        children = []
        // Removing the cgroup also drops the programs attached to it.
        if !dir.isEmpty, rmdir(dir) != 0, errno != ENOENT {
            XCTFail("rmdir \(dir): \(String(cString: strerror(errno)))")
        }
    }

    func manager() throws -> CgroupManager {
        let name = String(dir.split(separator: "/").last ?? "")
        let m = try CgroupManager(cgroupsPath: "/" + name, containerID: "c", mountInfo: mountInfoLine,
                                  selfCgroup: "0::/\n")
        XCTAssertEqual(m.paths[""], dir)
        XCTAssertTrue(m.needsDeviceBPF)
        return m
    }

    func testEveryGeneratedProgramPassesTheVerifier() throws {
        let sets: [[LinuxDeviceCgroup]] = [
            [], [LinuxDeviceCgroup(allow: true, type: "a")],
            [LinuxDeviceCgroup(allow: false, access: "rwm"),
             LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
             LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rwm"),
             LinuxDeviceCgroup(allow: true, type: "b", minor: Int64(Int32.max) + 9, access: "m")],
            [LinuxDeviceCgroup(allow: true, type: "a"), LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 5, access: "w")],
        ]
        for rules in sets {
            let fd = try DeviceFilterV2.load(DeviceFilterV2.program(for: rules))
            close(fd)
        }
    }

    func testVerifierLogInError() {
        // r0 is never set: the verifier refuses with EACCES and says why.
        XCTAssertThrowsError(try DeviceFilterV2.load([DeviceFilterV2.Instruction(code: 0x95)])) {
            let text = "\($0)"
            XCTAssertTrue(text.hasPrefix("bpf BPF_PROG_LOAD: Permission denied\nverifier log:\n"), text)
            XCTAssertTrue(text.contains("R0 !read_ok"), text)
        }
    }

    func testErrorsNameCallAndPath() {
        XCTAssertThrowsError(try DeviceFilterV2.install([.mov32(dst: 0, imm: 1), .exit], cgroupDir: "/nonexistent-berth")) {
            XCTAssertEqual("\($0)", "open /nonexistent-berth: No such file or directory")
        }
        XCTAssertThrowsError(try DeviceFilterV2.install([.mov32(dst: 0, imm: 1), .exit], cgroupDir: "/tmp")) {
            XCTAssertEqual("\($0)", "bpf BPF_PROG_QUERY (BPF_CGROUP_DEVICE) /tmp: Bad file descriptor")
        }
    }

    func testUpdateLeavesOneProgram() throws {
        let m = try manager()
        let rules = [LinuxDeviceCgroup(allow: false, access: "rwm"),
                     LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm")]
        try m.apply(LinuxResources(devices: rules))
        let first = try DeviceFilterV2.attachedProgramIDs(cgroupDir: dir)
        XCTAssertEqual(first.count, 1)
        try m.apply(LinuxResources(devices: rules + [LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "r")]))
        let second = try DeviceFilterV2.attachedProgramIDs(cgroupDir: dir)
        XCTAssertEqual(second.count, 1)
        XCTAssertNotEqual(first, second, "the new filter replaced the old one")
        try m.apply(LinuxResources(devices: []))
        XCTAssertEqual(try DeviceFilterV2.attachedProgramIDs(cgroupDir: dir), second, "an empty list changes nothing")

        // Two programs left by someone else (or a crash between attach and detach): both go.
        let dirFD = try DeviceFilterV2.openDirectory(dir)
        defer { close(dirFD) }
        let extra = try DeviceFilterV2.load([.mov32(dst: 0, imm: 1), .exit])
        defer { close(extra) }
        XCTAssertEqual(berth_bpf_attach_device_prog(dirFD, extra, -1), 0, String(cString: strerror(errno)))
        XCTAssertEqual(try DeviceFilterV2.attachedProgramIDs(cgroupDir: dir).count, 2)
        try m.apply(LinuxResources(devices: rules))
        let third = try DeviceFilterV2.attachedProgramIDs(cgroupDir: dir)
        XCTAssertEqual(third.count, 1)
        XCTAssertFalse(second.contains(third[0]))
    }

    func testKernelEnforcesTheFilter() throws {
        let candidates: [String] = ["/usr/bin/python3", "/usr/local/bin/python3"]
        let python = candidates.first { Glibc.access($0, X_OK) == 0 }
        let exe = try XCTUnwrap(python, "needs python3")
        let scratch = NSTemporaryDirectory() + "berth-devtest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        try manager().apply(LinuxResources(devices: [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "r"),
        ]))
        // The child reports ready, waits until it has been moved into the cgroup, then tries.
        let script = """
            import os, sys
            os.write(1, b"ready\\n")
            os.read(0, 1)
            def t(name, f):
                try:
                    f(); print(name, "ok")
                except OSError as e:
                    print(name, e.errno)
            def op(path, flags):
                os.close(os.open(path, flags))
            t("null-w", lambda: op("/dev/null", os.O_WRONLY))
            t("null-rw", lambda: op("/dev/null", os.O_RDWR))
            t("zero-r", lambda: op("/dev/zero", os.O_RDONLY))
            t("zero-w", lambda: op("/dev/zero", os.O_WRONLY))
            t("full-r", lambda: op("/dev/full", os.O_RDONLY))
            t("mknod", lambda: os.mknod(sys.argv[1] + "/null", 0o600 | 0o020000, os.makedev(1, 3)))
            """
        let child = try spawn([exe, "-c", script, scratch])
        XCTAssertEqual(try readLine(child.output), "ready")
        try CgroupFS.write(dir, "cgroup.procs", String(child.pid))
        XCTAssertEqual(write(child.input, "g", 1), 1)
        let report = try readAll(child.output)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        children.removeAll { $0 == child.pid }
        XCTAssertEqual(status, 0, report)
        let eperm = String(EPERM)
        XCTAssertEqual(report, """
            null-w ok
            null-rw ok
            zero-r ok
            zero-w \(eperm)
            full-r \(eperm)
            mknod \(eperm)

            """)
    }

    // MARK: child process

    func spawn(_ args: [String]) throws -> (pid: pid_t, input: Int32, output: Int32) {
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw CgroupError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        for fd in [toChild[0], toChild[1], fromChild[0], fromChild[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, args[0], &actions, nil, &argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw CgroupError("posix_spawn \(args[0]): \(String(cString: strerror(rc)))")
        }
        children.append(pid)
        addTeardownBlock {
            close(toChild[1])
            close(fromChild[0])
        }
        return (pid, toChild[1], fromChild[0])
    }

    func readLine(_ fd: Int32) throws -> String {
        var out: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 10 { out.append(byte) }
        return String(decoding: out, as: UTF8.self)
    }

    func readAll(_ fd: Int32) throws -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
