import Foundation
import XCTest

/// berthd's container lifecycle through the real docker CLI.
final class EngineContainerTests: EngineTestCase {
    func testPingVersionInfo() throws {
        let ping = engine.curl(["-si", "http://d/_ping"])
        XCTAssertTrue(ping.stdout.contains("Api-Version: 1.47"), ping.stdout)
        let head = engine.curl(["-sI", "http://d/v1.45/_ping"])
        XCTAssertTrue(head.stdout.hasPrefix("HTTP/1.1 200"), head.stdout)
        let v = ok(engine.docker(["version", "--format", "{{.Server.APIVersion}} {{.Server.Os}}"]))
        XCTAssertEqual(v, "1.47 linux")
        let info = ok(engine.docker(["info", "--format", "{{.Driver}} {{.DockerRootDir}} {{.Images}}"]))
        XCTAssertEqual(info, "overlay2 \(engine.dataRoot) 1")
    }

    func testRunRemoveEcho() throws {
        let r = engine.docker(["run", "--rm", "busybox", "echo", "hello from berth"])
        XCTAssertEqual(ok(r), "hello from berth")
        XCTAssertEqual(ok(engine.docker(["ps", "-aq"])), "", "--rm left the container")
    }

    func testExitCodesPassThrough() throws {
        XCTAssertEqual(engine.docker(["run", "--rm", "busybox", "sh", "-c", "exit 3"]).status, 3)
        let missing = engine.docker(["run", "--rm", "busybox", "no-such-command"])
        XCTAssertEqual(missing.status, 127, "\(missing)")
        let notExec = engine.docker(["run", "--rm", "busybox", "/etc/passwd"])
        XCTAssertEqual(notExec.status, 126, "\(notExec)")
    }

    func testStdoutStderrAndLogs() throws {
        let name = "logs-\(getpid())"
        ok(engine.docker(["run", "--name", name, "busybox", "sh", "-c", "echo out1; echo err1 >&2; sleep 1; echo out2"]))
        let both = engine.docker(["logs", name])
        XCTAssertEqual(both.stdout, "out1\nout2\n")
        XCTAssertEqual(both.stderr, "err1\n")
        XCTAssertEqual(engine.docker(["logs", "--tail", "1", name]).stdout, "out2\n")
        let ts = engine.docker(["logs", "-t", name]).stdout
        XCTAssertTrue(ts.hasPrefix("20") && ts.contains("Z out1"), ts)
        XCTAssertEqual(engine.docker(["logs", "--since", "2000-01-01T00:00:00Z", "--until", "2001-01-01T00:00:00Z", name]).stdout, "")
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name])), "exited 0")
    }

    func testLogsFollowUntilExit() throws {
        let name = "follow-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done"]))
        let r = engine.docker(["logs", "-f", name], timeout: 20)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout, "line1\nline2\nline3\n")
    }

    func testDetachedStopKillRestartWait() throws {
        let name = "life-\(getpid())"
        let id = ok(engine.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]))
        XCTAssertEqual(id.count, 64)
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Running}}", name])), "true")
        let ps = ok(engine.docker(["ps", "--format", "{{.Names}} {{.Status}}"]))
        XCTAssertTrue(ps.hasPrefix("\(name) Up "), ps)
        let pid = Int32(ok(engine.docker(["inspect", "-f", "{{.State.Pid}}", name]))) ?? 0
        XCTAssertGreaterThan(pid, 0)
        XCTAssertTrue(ProcessTable.isAlive(pid))
        // sleep as pid 1 ignores SIGTERM: stop falls back to SIGKILL after the timeout.
        ok(engine.docker(["stop", "-t", "1", name]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name])), "exited 137")
        XCTAssertFalse(ProcessTable.isAlive(pid))
        ok(engine.docker(["start", name]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}}", name])), "running")
        ok(engine.docker(["restart", "-t", "0", name]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}}", name])), "running")
        ok(engine.docker(["kill", "-s", "KILL", name]))
        XCTAssertEqual(ok(engine.docker(["wait", name])), "137")
        let killAgain = engine.docker(["kill", name])
        XCTAssertNotEqual(killAgain.status, 0)
        XCTAssertTrue(killAgain.stderr.contains("is not running"), killAgain.stderr)
        ok(engine.docker(["rm", name]))
        XCTAssertNotEqual(engine.docker(["inspect", name]).status, 0)
    }

    func testConflictsAndNotFound() throws {
        let name = "conf-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]))
        let dup = engine.docker(["create", "--name", name, "busybox", "true"])
        XCTAssertNotEqual(dup.status, 0)
        XCTAssertTrue(dup.stderr.contains("is already in use by container"), dup.stderr)
        let rm = engine.docker(["rm", name])
        XCTAssertEqual(rm.status, 1)
        XCTAssertTrue(rm.stderr.contains("container is running: stop the container before removing or force remove"), rm.stderr)
        ok(engine.docker(["rm", "-f", name]))
        let missing = engine.docker(["inspect", "no-such-container"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("No such container: no-such-container") || missing.stderr.contains("No such object"), missing.stderr)
        let noImage = engine.docker(["create", "--pull", "never", "no-such-image:1"])
        XCTAssertNotEqual(noImage.status, 0)
        XCTAssertTrue(noImage.stderr.contains("No such image"), noImage.stderr)
        // Bad JSON gets Docker's 400 and the daemon keeps serving.
        let bad = engine.curl(["-s", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                               "-d", "{\"Image\": ", "http://d/containers/create"])
        XCTAssertTrue(bad.stdout.hasSuffix("400"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("\"message\""), bad.stdout)
        let start = engine.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://d/containers/nope/start"])
        XCTAssertEqual(start.stdout, "404")
        XCTAssertEqual(engine.curl(["-s", "http://d/_ping"]).stdout, "OK")
    }

    func testStartRunningIs304() throws {
        let name = "s304-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]))
        let r = engine.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://d/containers/\(name)/start"])
        XCTAssertEqual(r.stdout, "304")
    }

    func testInteractiveStdin() throws {
        let r = engine.docker(["run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo done"], stdin: "line one\nline two\n")
        XCTAssertEqual(r.stdout, "line one\nline two\ndone\n", "\(r)")
    }

    func testExec() throws {
        let name = "exec-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "-e", "FOO=bar", "busybox", "sleep", "1000"]))
        XCTAssertEqual(ok(engine.docker(["exec", name, "sh", "-c", "echo $FOO $BAZ", ])), "bar")
        XCTAssertEqual(ok(engine.docker(["exec", "-e", "BAZ=qux", "-w", "/tmp", name, "sh", "-c", "echo $BAZ $(pwd)"])), "qux /tmp")
        XCTAssertEqual(engine.docker(["exec", name, "sh", "-c", "exit 5"]).status, 5)
        XCTAssertEqual(ok(engine.docker(["exec", "-u", "nobody", name, "id", "-u"])), "65534")
        // --privileged: every capability the daemon has, not the container's default set;
        // -t gives the exec a TERM of its own, as dockerd does, though the container has no tty.
        let capEff = "grep CapEff /proc/self/status | cut -f2"
        let plain = ok(engine.docker(["exec", name, "sh", "-c", capEff]))
        let privileged = ok(engine.docker(["exec", "--privileged", name, "sh", "-c", capEff]))
        XCTAssertEqual(plain, "00000000a80425fb", "Docker's default capability set")
        XCTAssertEqual(privileged, try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("CapEff:") }?.split(separator: "\t").last.map(String.init))
        XCTAssertEqual(ok(engine.docker(["exec", "-t", name, "sh", "-c", "echo $TERM"])), "xterm")
        XCTAssertEqual(ok(engine.docker(["exec", name, "sh", "-c", "echo ${TERM:-none}"])), "none")
        let piped = engine.docker(["exec", "-i", name, "cat"], stdin: "via stdin\n")
        XCTAssertEqual(piped.stdout, "via stdin\n")
        ok(engine.docker(["exec", "-d", name, "sh", "-c", "echo detached > /tmp/d"]))
        XCTAssertTrue(eventually { self.engine.docker(["exec", name, "cat", "/tmp/d"]).out == "detached" })
        ok(engine.docker(["stop", "-t", "0", name]))
        XCTAssertNotEqual(engine.docker(["exec", name, "true"]).status, 0)
    }

    func testRestartPolicyOnFailure() throws {
        let name = "rp-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1"]))
        XCTAssertTrue(eventually(timeout: 20) {
            self.engine.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", name]).out == "2 exited"
        }, engine.docker(["inspect", name]).stdout)
        let rm = engine.docker(["run", "--rm", "--restart", "always", "busybox", "true"])
        XCTAssertEqual(rm.status, 125)
    }

    func testRestartPolicyAlwaysAndStop() throws {
        let name = "always-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 4"]))
        XCTAssertTrue(eventually(timeout: 20) {
            (Int(self.engine.docker(["inspect", "-f", "{{.RestartCount}}", name]).out) ?? 0) >= 2
        })
        ok(engine.docker(["stop", "-t", "1", name]))
        let count = engine.docker(["inspect", "-f", "{{.RestartCount}}", name]).out
        usleep(800_000)
        XCTAssertEqual(engine.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", name]).out, "\(count) exited")
    }

    /// `docker stop` wins over a restart whatever it lands on: the exit being handled, the
    /// back-off delay, or the restarted task being started.
    func testStopDuringRestartsSticks() throws {
        let name = "flapper-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--restart", "always", "busybox", "sh", "-c", "exit 3"]))
        for i in 0..<5 {
            usleep(UInt32(20_000 + 45_000 * i))
            ok(engine.docker(["stop", "-t", "1", name]), "stop \(i)")
            let after = engine.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", name]).out
            XCTAssertTrue(after.hasSuffix(" exited"), "stop \(i): \(after)")
            usleep(500_000)
            XCTAssertEqual(engine.docker(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", name]).out, after, "stop \(i)")
            ok(engine.docker(["start", name]), "start \(i)")
        }
        ok(engine.docker(["rm", "-f", name]))
    }

    func testCreateOptionsReachTheContainer() throws {
        let r = engine.docker(["run", "--rm", "-h", "myhost", "-w", "/tmp", "-u", "1234:5678", "-e", "A=1", "--env", "B=two",
                               "-l", "k=v", "--read-only", "busybox", "sh", "-c",
                               "hostname; pwd; id -u; id -g; echo $A $B; touch /x 2>/dev/null || echo ro; cat /etc/resolv.conf"])
        let lines = ok(r).split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(6)), ["myhost", "/tmp", "1234", "5678", "1 two", "ro"])
        XCTAssertTrue(lines.contains("nameserver 127.0.0.1"), "\(lines)")
        let caps = ok(engine.docker(["run", "--rm", "busybox", "grep", "CapEff", "/proc/self/status"]))
        XCTAssertTrue(caps.hasSuffix("00000000a80425fb"), caps)
        let capAdd = ok(engine.docker(["run", "--rm", "--cap-add", "SYS_ADMIN", "--cap-drop", "CHOWN", "busybox",
                                       "grep", "CapEff", "/proc/self/status"]))
        XCTAssertTrue(capAdd.hasSuffix("00000000a82425fa"), capAdd)
        let mem = ok(engine.docker(["run", "--rm", "-m", "64m", "--pids-limit", "42", "busybox", "sh", "-c",
                                    "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"]))
        XCTAssertEqual(mem.split(separator: "\n").map(String.init), ["67108864", "42"])
        let shm = ok(engine.docker(["run", "--rm", "--shm-size", "8m", "busybox", "df", "-k", "/dev/shm"]))
        XCTAssertTrue(shm.contains("8192"), shm)
    }

    func testBindMountAndTmpfs() throws {
        let dir = engine.root + "/bind-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "from host\n".write(toFile: dir + "/f", atomically: true, encoding: .utf8)
        let r = ok(engine.docker(["run", "--rm", "-v", "\(dir):/data", "--tmpfs", "/scratch", "busybox", "sh", "-c",
                                  "cat /data/f; echo back > /data/g; grep /scratch /proc/mounts | cut -d' ' -f3"]))
        XCTAssertEqual(r, "from host\ntmpfs")
        XCTAssertEqual(try String(contentsOfFile: dir + "/g", encoding: .utf8), "back\n")
        let ro = engine.docker(["run", "--rm", "-v", "\(dir):/data:ro", "busybox", "touch", "/data/h"])
        XCTAssertNotEqual(ro.status, 0)
    }
}
