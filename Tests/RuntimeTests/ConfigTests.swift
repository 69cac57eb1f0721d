import Foundation
import XCTest

/// config.json coverage, each field checked from inside the container (its stdout) or from the
/// host. This file: the process and its identity; the other ConfigTests+*.swift files: the
/// filesystem, kernel features, hooks and the terminal.
final class ConfigTests: RuntimeTestCase {
    func testHostname() throws {
        let result = try runOnce(["hostname"]) { $0["hostname"] = "berth-host" }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "berth-host")
    }

    func testDomainname() throws {
        // runc 1.1.5 ignores domainname (support came in runc 1.2).
        if isRunc { throw XCTSkip("runc 1.1.5 does not set domainname") }
        let result = try runOnce(["cat", "/proc/sys/kernel/domainname"]) { $0["domainname"] = "berth.example" }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "berth.example")
    }

    func testUserGroupsAndAdditionalGids() throws {
        let result = try runOnce(["grep", "-E", "^(Uid|Gid|Groups):", "/proc/self/status"]) {
            $0["process.user"] = ["uid": 1000, "gid": 1001, "additionalGids": [2000, 3000]] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        let fields = ProcStatus.parse(result.stdout)
        XCTAssertEqual(fields["Uid"], "1000 1000 1000 1000")
        XCTAssertEqual(fields["Gid"], "1001 1001 1001 1001")
        XCTAssertEqual(fields["Groups"], "2000 3000")
    }

    /// As uid 1000, exec keeps only the ambient set in permitted and effective; bounding and
    /// inheritable are kept as given. Expected masks: CHOWN=bit 0, KILL=5, NET_BIND_SERVICE=10, SYS_TIME=25.
    func testCapabilitiesAsNonRoot() throws {
        let result = try runOnce(["grep", "^Cap", "/proc/self/status"]) {
            $0["process.user"] = ["uid": 1000, "gid": 1000] as JSONObject
            $0["process.capabilities"] = [
                "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_TIME"],
                "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "ambient": ["CAP_NET_BIND_SERVICE"],
            ] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        let caps = ProcStatus.parse(result.stdout)
        XCTAssertEqual(caps["CapBnd"], "0000000002000421")
        XCTAssertEqual(caps["CapInh"], "0000000000000420")
        XCTAssertEqual(caps["CapPrm"], "0000000000000400")
        XCTAssertEqual(caps["CapEff"], "0000000000000400")
        XCTAssertEqual(caps["CapAmb"], "0000000000000400")
    }

    /// As root, exec fills permitted from the bounding set, but with no_new_privs the result is
    /// capped by the permitted set the runtime left, which is what this checks.
    func testCapabilitiesAsRootWithNoNewPrivileges() throws {
        let result = try runOnce(["grep", "^Cap", "/proc/self/status"]) {
            $0["process.noNewPrivileges"] = true
            $0["process.capabilities"] = [
                "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_TIME"],
                "permitted": ["CAP_CHOWN", "CAP_KILL"],
                "effective": ["CAP_CHOWN", "CAP_KILL"],
            ] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        let caps = ProcStatus.parse(result.stdout)
        XCTAssertEqual(caps["CapBnd"], "0000000002000421")
        XCTAssertEqual(caps["CapPrm"], "0000000000000021")
        XCTAssertEqual(caps["CapEff"], "0000000000000021")
        XCTAssertEqual(caps["CapInh"], "0000000000000000")
        XCTAssertEqual(caps["CapAmb"], "0000000000000000")
    }

    func testRlimits() throws {
        let result = try runOnce(["sh", "-c", "ulimit -n; grep -E '^Max (open files|processes)' /proc/self/limits"]) {
            $0["process.rlimits"] = [
                ["type": "RLIMIT_NOFILE", "soft": 1234, "hard": 1234] as JSONObject,
                ["type": "RLIMIT_NPROC", "soft": 77, "hard": 88] as JSONObject,
            ]
        }
        XCTAssertEqual(result.status, 0, result.description)
        let lines = result.out.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(lines, ["1234", "Max processes 77 88 processes", "Max open files 1234 1234 files"])
    }

    func testNoNewPrivileges() throws {
        for (flag, expected) in [(true, "1"), (false, "0")] {
            let result = try runOnce(["grep", "^NoNewPrivs:", "/proc/self/status"]) {
                $0["process.noNewPrivileges"] = flag
            }
            XCTAssertEqual(result.status, 0, result.description)
            XCTAssertEqual(ProcStatus.parse(result.stdout)["NoNewPrivs"], expected, "noNewPrivileges \(flag)")
        }
    }

    func testOomScoreAdj() throws {
        let result = try runOnce(["cat", "/proc/self/oom_score_adj"]) { $0["process.oomScoreAdj"] = 500 }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "500")
    }

    func testEnvAndCwd() throws {
        let result = try runOnce(["sh", "-c", "echo \"$FOO|$EMPTY|$PATH\"; pwd"]) {
            $0["process.env"] = ["PATH=/bin:/sbin", "FOO=bar baz", "EMPTY="]
            $0["process.cwd"] = "/tmp"
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "bar baz||/bin:/sbin\n/tmp")
    }

    func testUmask() throws {
        let result = try runOnce(["sh", "-c", "umask"]) {
            $0["process.user"] = ["uid": 0, "gid": 0, "umask": 0o027] as JSONObject
        }
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "0027")
    }

    func testExitCodes() throws {
        for code in [0, 1, 42, 255] {
            let result = try runOnce(["sh", "-c", "exit \(code)"])
            XCTAssertEqual(result.status, Int32(code), result.description)
        }
    }

    func testExitBySignalIsReportedAs128PlusSignal() throws {
        // pid 1 of the namespace cannot be killed by its own SIGKILL, so the init is a shell
        // that execs into a child-less sleep and is killed from the host.
        let id = newID("sigexit")
        let runner = try runInBackground(id, try makeBundle(["sh", "-c", "echo ready; exec sleep 1000"]))
        XCTAssertTrue(eventually { runner.currentStdout.contains("ready") })
        XCTAssertEqual(runtime(["kill", id, "KILL"]).status, 0)
        XCTAssertEqual(runner.wait(timeout: 20).status, 128 + SIGKILL)
    }

    func testPidNamespaceMakesInitPidOne() throws {
        let result = try runOnce(["sh", "-c", "echo $$"])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertEqual(result.out, "1")
    }
}

/// "Key:\tvalue" lines of /proc/<pid>/status, values with whitespace collapsed to one space.
enum ProcStatus {
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].split(whereSeparator: \.isWhitespace).joined(separator: " ")
            fields[String(line[..<colon])] = value
        }
        return fields
    }
}
