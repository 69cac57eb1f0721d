import Foundation
import XCTest

/// Container options that need more than the defaults: runtimes, init, sysctls, ulimits,
/// hosts, network modes, privileged, stop signals, health checks.
final class EngineOptionsTests: EngineTestCase {
    func testRuntimeSelectedPerContainer() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/runc") else { throw XCTSkip("runc is not installed") }
        let name = "rt-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--runtime", "runc", "busybox", "sleep", "1000"]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.HostConfig.Runtime}}", name])), "runc")
        let state = ChildProcess.run("/usr/bin/runc", ["--root", engine.execRoot + "/runtime", "state",
                                                       ok(engine.docker(["inspect", "-f", "{{.Id}}", name]))], outputDir: engine.ioDir)
        XCTAssertTrue(state.stdout.contains("\"status\": \"running\""), "\(state)")
        let bad = engine.docker(["run", "--rm", "--runtime", "nope", "busybox", "true"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown or invalid runtime name: nope"), bad.stderr)
    }

    func testInitSysctlUlimitHosts() throws {
        let out = ok(engine.docker(["run", "--rm", "--init", "--sysctl", "net.ipv4.ip_forward=1", "--ulimit", "nofile=512:1024",
                                    "--add-host", "db.example:10.1.2.3", "--stop-signal", "SIGUSR1", "busybox", "sh", "-c",
                                    "cat /proc/1/comm; cat /proc/sys/net/ipv4/ip_forward; ulimit -n; ulimit -Hn; grep db.example /etc/hosts"]))
        XCTAssertEqual(out.split(separator: "\n").map { $0.replacingOccurrences(of: "\t", with: " ") },
                       ["docker-init", "1", "512", "1024", "10.1.2.3 db.example"])
        let badSysctl = engine.docker(["run", "--rm", "--sysctl", "kernel.panic=1", "busybox", "true"])
        XCTAssertNotEqual(badSysctl.status, 0)
    }

    func testNetworkModes() throws {
        let none = ok(engine.docker(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net | tr '\\n' ' '"]))
        XCTAssertEqual(none, "lo")
        var hostName = [CChar](repeating: 0, count: 256)
        gethostname(&hostName, 255)
        let host = ok(engine.docker(["run", "--rm", "--network", "host", "busybox", "hostname"]))
        XCTAssertEqual(host, String(cString: hostName))
    }

    func testPrivileged() throws {
        let caps = ok(engine.docker(["run", "--rm", "--privileged", "busybox", "sh", "-c",
                                     "grep CapEff /proc/self/status; grep Seccomp: /proc/self/status; touch /sys/.x 2>&1 | grep -c 'Read-only' || true"]))
        let lines = caps.split(separator: "\n").map(String.init)
        // Every capability the host's bounding set has (this host lacks CAP_SYS_RESOURCE).
        let hostBnd = try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("CapBnd:") }?.split(separator: "\t").last.map(String.init) ?? "?"
        XCTAssertTrue(lines[0].hasSuffix(hostBnd), "\(caps) vs host \(hostBnd)")
        XCTAssertTrue(lines[1].hasSuffix("0"), caps)
        let plain = ok(engine.docker(["run", "--rm", "busybox", "grep", "Seccomp:", "/proc/self/status"]))
        XCTAssertTrue(plain.hasSuffix("2"), "the default seccomp profile is not applied: \(plain)")
    }

    func testHealthCheck() throws {
        let name = "health-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms",
                          "--health-retries", "2",
                          // Failures in the start period do not count: "starting" until the first success.
                          "--health-start-period", "2s", "busybox", "sh", "-c", "sleep 1; touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 1000"]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Health.Status}}", name])), "starting")
        XCTAssertTrue(eventually(timeout: 10) {
            self.engine.docker(["inspect", "-f", "{{.State.Health.Status}}", name]).out == "healthy"
        })
        XCTAssertTrue(ok(engine.docker(["ps", "--format", "{{.Status}}", "--filter", "name=\(name)"])).hasSuffix("(healthy)"))
        XCTAssertTrue(eventually(timeout: 10) {
            self.engine.docker(["inspect", "-f", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}", name]).out.hasPrefix("unhealthy")
        }, engine.docker(["inspect", "-f", "{{json .State.Health}}", name]).stdout)
        let log = ok(engine.docker(["inspect", "-f", "{{(index .State.Health.Log 0).ExitCode}}", name]))
        XCTAssertTrue(["0", "1"].contains(log), log)
    }

    func testStopSignalAndTimeout() throws {
        let name = "sig-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--stop-signal", "USR1", "--stop-timeout", "5", "busybox", "sh", "-c",
                          "trap 'echo got usr1; exit 0' USR1; echo trapped; while true; do sleep 0.1; done"]))
        XCTAssertTrue(eventually { self.engine.docker(["logs", name]).out == "trapped" })
        let start = Date()
        ok(engine.docker(["stop", name]))
        XCTAssertLessThan(Date().timeIntervalSince(start), 4, "the stop signal did not reach the trap")
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.ExitCode}}", name])), "0")
        XCTAssertEqual(ok(engine.docker(["logs", name])), "trapped\ngot usr1")
    }
}
