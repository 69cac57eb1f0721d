import Foundation
import XCTest

/// root, mounts, maskedPaths and readonlyPaths, checked through /proc/self/mountinfo and by
/// trying to write.
extension ConfigTests {
    func testBindMountReadOnlyAndTmpfsOptions() throws {
        let hostDir = try env.makeDirectory("hostdir")
        try Data("from the host\n".utf8).write(to: hostDir.appendingPathComponent("hello.txt"))
        let script = """
            cat /mnt/host/hello.txt
            touch /mnt/host/new 2>&1 || echo touch-failed
            stat -c 'mode=%a' /mnt/scratch
            echo data > /mnt/scratch/file && echo tmpfs-writable
            cat /proc/self/mountinfo >&2
            """
        let bundle = try makeBundle(["sh", "-c", script])
        bundle.addMount(destination: "/mnt/host", type: "bind", source: hostDir.path, options: ["bind", "ro", "nosuid", "nodev"])
        bundle.addMount(destination: "/mnt/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "mode=750", "noexec"])
        let result = try run(newID("mounts"), bundle)
        XCTAssertEqual(result.status, 0, result.description)
        let lines = result.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "from the host")
        XCTAssertTrue(lines.contains { $0.contains("Read-only file system") }, "write to a ro bind mount fails: \(lines)")
        XCTAssertTrue(lines.contains("touch-failed"))
        XCTAssertTrue(lines.contains("mode=750"), "\(lines)")
        XCTAssertTrue(lines.contains("tmpfs-writable"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: hostDir.appendingPathComponent("new").path))

        let mounts = MountInfo.parse(result.stderr)
        let bind = try XCTUnwrap(mounts.last { $0.mountPoint == "/mnt/host" }, "no /mnt/host in mountinfo:\n\(result.stderr)")
        XCTAssertTrue(bind.options.isSuperset(of: ["ro", "nosuid", "nodev"]), "bind mount options \(bind.options)")
        let tmpfs = try XCTUnwrap(mounts.last { $0.mountPoint == "/mnt/scratch" }, "no /mnt/scratch in mountinfo")
        XCTAssertEqual(tmpfs.fsType, "tmpfs")
        XCTAssertTrue(tmpfs.options.contains("noexec"), "tmpfs options \(tmpfs.options)")
        XCTAssertTrue(tmpfs.superOptions.isSuperset(of: ["size=1024k", "mode=750"]), "tmpfs superblock options \(tmpfs.superOptions)")
    }

    func testReadOnlyRoot() throws {
        let result = try runOnce(["sh", "-c", "touch /x 2>&1; echo rc=$?; cat /proc/self/mountinfo"]) {
            $0["root.readonly"] = true
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertTrue(result.out.contains("Read-only file system"), result.out)
        XCTAssertTrue(result.out.contains("rc=1"), result.out)
        let root = MountInfo.parse(result.out).last { $0.mountPoint == "/" }
        XCTAssertEqual(root?.options.contains("ro"), true, "root mount is ro: \(result.out)")
    }

    func testWritableRoot() throws {
        let bundle = try makeBundle(["sh", "-c", "echo written > /x; echo rc=$?"])
        bundle["root.readonly"] = false
        let result = try run(newID("rwroot"), bundle)
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "rc=0")
        let onHost = try String(contentsOf: bundle.rootfs.appendingPathComponent("x"), encoding: .utf8)
        XCTAssertEqual(onHost, "written\n", "the write landed in the bundle's rootfs")
    }

    /// A masked file reads as /dev/null, a masked directory is an empty read-only tmpfs.
    /// /proc/timer_list stands in for /proc/kcore, which kernels without CONFIG_PROC_KCORE
    /// (this one) do not have: a runtime skips masked paths that do not exist.
    func testMaskedPaths() throws {
        let hostSize = (FileManager.default.contents(atPath: "/proc/timer_list") ?? Data()).count
        XCTAssertGreaterThan(hostSize, 0, "/proc/timer_list has content on the host")
        let script = """
            echo timer_list=$(cat /proc/timer_list | wc -c)
            echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c)
            echo firmware=$(ls -A /sys/firmware | wc -l)
            touch /sys/firmware/x 2>/dev/null && echo firmware-writable
            cat /proc/self/mountinfo >&2
            """
        let result = try runOnce(["sh", "-c", script]) {
            $0["linux.maskedPaths"] = ["/proc/kcore", "/proc/timer_list", "/sys/firmware"]
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "timer_list=0\nkcore=0\nfirmware=0")
        let mounts = MountInfo.parse(result.stderr)
        let firmware = try XCTUnwrap(mounts.last { $0.mountPoint == "/sys/firmware" }, "/sys/firmware is masked by a mount")
        XCTAssertEqual(firmware.fsType, "tmpfs")
        XCTAssertTrue(firmware.options.contains("ro"), "\(firmware.options)")
        XCTAssertNotNil(mounts.last { $0.mountPoint == "/proc/timer_list" }, "/proc/timer_list is masked by a bind mount")
    }

    func testReadonlyPaths() throws {
        let script = """
            echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null && echo wrote || echo denied
            cat /proc/self/mountinfo >&2
            """
        let result = try runOnce(["sh", "-c", script]) {
            $0["linux.readonlyPaths"] = ["/proc/sys", "/proc/sysrq-trigger"]
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "denied")
        let procSys = try XCTUnwrap(MountInfo.parse(result.stderr).last { $0.mountPoint == "/proc/sys" })
        XCTAssertTrue(procSys.options.contains("ro"), "\(procSys.options)")
    }
}
