import Foundation
import XCTest

/// Devices, the time namespace and personality.
extension ConfigTests {
    /// The spec's default devices exist with their numbers, plus one from linux.devices (a second
    /// /dev/null under another name) that the device cgroup lets the container use.
    func testDefaultAndExtraDevices() throws {
        let script = """
            for d in null zero full random urandom tty ptmx berth-null; do stat -c "%n %F %t:%T" /dev/$d; done
            echo hi > /dev/berth-null && echo extra-writable
            head -c 4 /dev/zero | wc -c
            for l in fd stdin stdout stderr; do readlink /dev/$l; done
            """
        let result = try runOnce(["sh", "-c", script]) {
            $0.append("linux.devices", ["path": "/dev/berth-null", "type": "c", "major": 1, "minor": 3,
                                        "fileMode": 0o666, "uid": 0, "gid": 0] as JSONObject)
            $0.append("linux.resources.devices", ["allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"] as JSONObject)
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out.split(separator: "\n").map(String.init), [
            "/dev/null character special file 1:3",
            "/dev/zero character special file 1:5",
            "/dev/full character special file 1:7",
            "/dev/random character special file 1:8",
            "/dev/urandom character special file 1:9",
            "/dev/tty character special file 5:0",
            "/dev/ptmx symbolic link 0:0",
            "/dev/berth-null character special file 1:3",
            "extra-writable",
            "4",
            "/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2",
        ])
    }

    func testTimeNamespaceOffsets() throws {
        // runc 1.1.5 has no time namespace support (runc 1.2 added it); crun 1.8.1 fails to
        // create the container here ("write to sync socket: Broken pipe").
        if isRunc || isCrun { throw XCTSkip("\(runtimeBinary.kind) does not run containers with a time namespace") }
        let year = 365 * 24 * 3600
        let result = try runOnce(["sh", "-c", "cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime"]) {
            $0.setNamespace("time")
            $0["linux.timeOffsets"] = [
                "monotonic": ["secs": year, "nanosecs": 0] as JSONObject,
                "boottime": ["secs": year, "nanosecs": 0] as JSONObject,
            ] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        let lines = result.out.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(lines.prefix(2).sorted(), ["boottime \(year) 0", "monotonic \(year) 0"])
        let uptime = lines.count > 2 ? Int(lines[2]) ?? 0 : 0
        XCTAssertGreaterThanOrEqual(uptime, year, "uptime inside includes the boottime offset")
    }

    func testPersonality() throws {
        // runc 1.1.5 ignores linux.personality (runc 1.2 added it).
        if isRunc { throw XCTSkip("runc 1.1.5 does not set personality") }
        let result = try runOnce(["uname", "-m"]) { $0["linux.personality"] = ["domain": "LINUX32"] as JSONObject }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "i686")
    }
}
