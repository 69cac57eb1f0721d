import Foundation
import XCTest

/// exec into a running container. Commands are given by absolute path: crun does not look
/// programs up in the container's PATH when --env replaces the environment.
extension LifecycleTests {
    private func runningContainer(_ hint: String) throws -> String {
        let id = newID(hint)
        try createAndStart(id, try makeBundle(Self.sleeper))
        return id
    }

    func testExecSeesTheContainer() throws {
        let id = try runningContainer("exec")
        let result = runtime(["exec", id, "/bin/cat", "/etc/hostname"])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "oci", "/etc/hostname of the busybox rootfs")

        // The exec'd process joins the container's pid namespace: the init is pid 1 there.
        let ps = runtime(["exec", id, "/bin/sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"])
        XCTAssertEqual(ps.status, 0, ps.description)
        XCTAssertEqual(ps.out, "sleep 1000")
    }

    func testExecWithEnv() throws {
        let id = try runningContainer("execenv")
        let result = runtime(["exec", "--env", "FOO=bar baz", id, "/bin/sh", "-c", "echo \"$FOO\""])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "bar baz")
    }

    func testExecWithCwd() throws {
        let id = try runningContainer("execcwd")
        let result = runtime(["exec", "--cwd", "/tmp", id, "/bin/pwd"])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "/tmp")
    }

    func testExecAsUser() throws {
        let id = try runningContainer("execuser")
        let result = runtime(["exec", "--user", "65534:65534", id, "/bin/sh", "-c", "id -u; id -g"])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "65534\n65534")
    }

    func testExecPassesExitCodeThrough() throws {
        let id = try runningContainer("execrc")
        let result = runtime(["exec", id, "/bin/sh", "-c", "echo from-exec; exit 5"])
        XCTAssertEqual(result.status, 5, result.description)
        XCTAssertEqual(result.out, "from-exec")
        XCTAssertEqual(status(id), "running", "a failing exec leaves the container running")
    }

    func testExecWithProcessFile() throws {
        let id = try runningContainer("execfile")
        let process: JSONObject = [
            "terminal": false,
            "user": ["uid": 65534, "gid": 65534] as JSONObject,
            "args": ["/bin/sh", "-c", "echo via-process-file; id -u; pwd; echo $MARK"],
            "env": ["PATH=/bin", "MARK=marked"],
            "cwd": "/tmp",
        ]
        let file = try env.makeDirectory("process").appendingPathComponent("process.json")
        try JSONSerialization.data(withJSONObject: process).write(to: file)
        let result = runtime(["exec", "--process", file.path, id])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "via-process-file\n65534\n/tmp\nmarked")
    }

    func testExecIntoStoppedContainerFails() throws {
        let id = try runningContainer("execstopped")
        XCTAssertEqual(runtime(["kill", id, "KILL"]).status, 0)
        XCTAssertTrue(waitForStatus(id, "stopped"))
        let result = runtime(["exec", id, "/bin/true"])
        XCTAssertNotEqual(result.status, 0, "exec into a stopped container must fail: \(result)")
        XCTAssertFalse(result.stderr.isEmpty)
    }
}
