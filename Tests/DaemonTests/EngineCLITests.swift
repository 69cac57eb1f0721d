import Foundation
import XCTest

/// berthd driven by the `berth` CLI: `run` and its options, create/start, the lifecycle verbs
/// and the exit statuses. Where the docker CLI must agree, both are run and compared.
final class EngineCLITests: EngineTestCase {
    func testRunRemoveEnvWorkdirUser() throws {
        let dir = try scratchDirectory("envfile")
        try "# a comment\n\nB=two words\nC=3\n".write(toFile: dir + "/env", atomically: true, encoding: .utf8)
        let out = try berthOK(["run", "--rm", "-e", "A=1", "--env-file", dir + "/env", "-w", "/tmp/work", "-u", "1234:5678",
                               "busybox", "sh", "-c", "echo $A $B $C; pwd; id -u; id -g"])
        XCTAssertEqual(out, "1 two words 3\n/tmp/work\n1234\n5678")
        XCTAssertEqual(try berthOK(["ps", "-aq"]), "", "--rm left the container")
        // -u by name resolves in the image's /etc/passwd.
        XCTAssertEqual(try berthOK(["run", "--rm", "-u", "nobody", "busybox", "id", "-un"]), "nobody")
    }

    func testRunBindMountAndEntrypoint() throws {
        let dir = try scratchDirectory("bind")
        try "from host\n".write(toFile: dir + "/f", atomically: true, encoding: .utf8)
        XCTAssertEqual(try berthOK(["run", "--rm", "-v", "\(dir):/data", "busybox", "sh", "-c", "cat /data/f; echo back > /data/g"]),
                       "from host")
        XCTAssertEqual(try String(contentsOfFile: dir + "/g", encoding: .utf8), "back\n")
        XCTAssertNotEqual(try engine.berth(["run", "--rm", "-v", "\(dir):/data:ro", "busybox", "touch", "/data/h"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/h"))
        XCTAssertEqual(try berthOK(["run", "--rm", "--entrypoint", "/bin/echo", "busybox", "via", "entrypoint"]), "via entrypoint")
        XCTAssertEqual(try berthOK(["run", "--rm", "--entrypoint", "pwd", "-w", "/etc", "busybox"]), "/etc")
    }

    func testRunResourceLimits() throws {
        let r = try berthOK(["run", "--rm", "-m", "64m", "--cpus", "0.5", "--pids-limit", "42", "busybox", "sh", "-c", """
            cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
            /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max
            """])
        let lines = r.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines == ["67108864", "42", "50000", "100000"] || lines == ["67108864", "42", "50000 100000"], "\(lines)")
    }

    /// The create request the CLI builds from its flags is the one the docker CLI builds:
    /// the daemon stores both, and what it reports agrees field by field.
    func testCreateFlagsMatchDockerCLI() throws {
        let dir = try scratchDirectory("flags")
        try "E1=x\n".write(toFile: dir + "/env", atomically: true, encoding: .utf8)
        let flagSets: [[String]] = [
            ["-e", "A=1", "--env-file", dir + "/env", "-w", "/tmp", "-u", "1000:1000", "-l", "k=v", "--label", "other=x",
             "--entrypoint", "/bin/sh", "-h", "named"],
            ["-m", "64m", "--memory-swap", "128m", "--cpus", "1.5", "--pids-limit", "42", "--cpu-shares", "512",
             "--restart", "on-failure:3", "--read-only", "--cap-add", "SYS_ADMIN", "--cap-drop", "CHOWN", "--init"],
            ["-v", "\(dir):/data:ro", "--tmpfs", "/scratch:size=1m", "--network", "none", "--shm-size", "8m",
             "--health-cmd", "true", "--health-interval", "2s", "--health-retries", "2", "--stop-signal", "SIGINT",
             "--stop-timeout", "3", "-t", "-i", "--dns", "1.1.1.1", "--add-host", "h:10.0.0.1", "--ulimit", "nofile=100:200",
             "--sysctl", "net.ipv4.ip_forward=1", "--security-opt", "no-new-privileges"],
            ["--network", "host", "-p", "8080:80", "--expose", "90", "--log-opt", "max-size=1m", "--privileged",
             "--rm", "--group-add", "10", "--oom-score-adj", "100"],
        ]
        for (i, flags) in flagSets.enumerated() {
            let b = "flags-b\(i)", d = "flags-d\(i)"
            try berthOK(["create", "--name", b] + flags + ["busybox", "echo", "x"])
            ok(engine.docker(["create", "--name", d] + flags + ["busybox", "echo", "x"]), "docker create \(flags)")
            // The daemon's own view (the CLIs' inspect renderings differ: the docker CLI formats Go structs).
            let bAll = try jsonObject(engine.curl(["-s", "http://d/containers/\(b)/json"]).stdout)
            let dAll = try jsonObject(engine.curl(["-s", "http://d/containers/\(d)/json"]).stdout)
            for part in ["Config", "HostConfig"] {
                var bj = bAll[part] as? [String: Any] ?? [:], dj = dAll[part] as? [String: Any] ?? [:]
                XCTAssertFalse(bj.isEmpty, "no \(part) in berth's container")
                // The hostname defaults to the (different) container IDs.
                if !flags.contains("-h") {
                    bj["Hostname"] = nil
                    dj["Hostname"] = nil
                }
                for key in Set(bj.keys).union(dj.keys).sorted() {
                    let bv = canonical(bj[key]), dv = canonical(dj[key])
                    XCTAssertEqual(bv, dv, "\(part).\(key) of flag set \(i) \(flags)")
                }
            }
        }
    }

    /// A JSON value as sorted-key text, so two decoded objects compare by content.
    private func canonical(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    private func jsonObject(_ text: String) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    func testReadOnlyCapsInitLabels() throws {
        XCTAssertEqual(try berthOK(["run", "--rm", "--read-only", "busybox", "sh", "-c", "touch /x 2>/dev/null || echo ro; touch /tmp/y 2>/dev/null || echo tmp-ro"]),
                       "ro\ntmp-ro")
        let caps = try berthOK(["run", "--rm", "--cap-add", "SYS_ADMIN", "--cap-drop", "CHOWN", "busybox", "grep", "CapEff", "/proc/self/status"])
        XCTAssertTrue(caps.hasSuffix("00000000a82425fa"), caps)
        let all = try berthOK(["run", "--rm", "--cap-drop", "ALL", "busybox", "grep", "CapEff", "/proc/self/status"])
        XCTAssertTrue(all.hasSuffix("0000000000000000"), all)
        // With --init, pid 1 is the init and the command its child.
        let ps = try berthOK(["run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$"])
        let lines = ps.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.contains("init") ?? false, "pid 1 is not an init: \(lines)")
        XCTAssertNotEqual(lines.last, "1", "the command ran as pid 1 despite --init")
        XCTAssertEqual(try berthOK(["run", "--rm", "busybox", "sh", "-c", "echo $$"]), "1")

        try berthOK(["run", "-d", "--name", "lab", "-l", "team=berth", "-l", "tier=db", "busybox", "sleep", "100"])
        XCTAssertEqual(field("{{.Config.Labels.team}} {{index .Config.Labels \"tier\"}}", "lab"), "berth db")
    }

    func testNetworkModes() throws {
        let none = try berthOK(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net | tr '\\n' ' '"])
        XCTAssertEqual(none, "lo")
        let mine = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")) ?? "?"
        let inHost = try berthOK(["run", "--rm", "--network", "host", "busybox", "readlink", "/proc/self/ns/net"])
        XCTAssertEqual(inHost, mine, "--network host did not share the host's network namespace")
        let inNone = try berthOK(["run", "--rm", "--network", "none", "busybox", "readlink", "/proc/self/ns/net"])
        XCTAssertNotEqual(inNone, mine)
        XCTAssertEqual(field("{{.HostConfig.NetworkMode}}", ok(engine.docker(["create", "--network", "none", "busybox"]))), "none")
    }

    func testHealthCheck() throws {
        try berthOK(["run", "-d", "--name", "healthy", "--health-cmd", "test -e /tmp/ok || touch /tmp/ok",
                     "--health-interval", "200ms", "busybox", "sleep", "100"])
        try berthOK(["run", "-d", "--name", "sick", "--health-cmd", "exit 1", "--health-interval", "200ms",
                     "--health-retries", "1", "busybox", "sleep", "100"])
        XCTAssertTrue(eventually(timeout: 15) { self.field("{{.State.Health.Status}}", "healthy") == "healthy" },
                      field("{{json .State.Health}}", "healthy"))
        XCTAssertTrue(eventually(timeout: 15) { self.field("{{.State.Health.Status}}", "sick") == "unhealthy" },
                      field("{{json .State.Health}}", "sick"))
        let ps = try berthOK(["ps", "--format", "{{.Names}} {{.Status}}", "--filter", "health=healthy"])
        XCTAssertTrue(ps.hasPrefix("healthy Up ") && ps.hasSuffix("(healthy)"), ps)
        try sameAsDocker(["ps", "--format", "{{.Names}} {{.Status}}"])
    }

    func testRestartPolicy() throws {
        try berthOK(["run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1"])
        XCTAssertTrue(eventually(timeout: 20) { self.field("{{.RestartCount}} {{.State.Status}}", "flaky") == "2 exited" },
                      field("{{.RestartCount}} {{.State.Status}}", "flaky"))
        XCTAssertEqual(field("{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "flaky"), "on-failure 2")
        try berthExpect(125, ["run", "--rm", "--restart", "always", "busybox", "true"])
        try sameAsDocker(["run", "--rm", "--restart", "always", "busybox", "true"], stderr: true)
    }

    func testCreateStartAttach() throws {
        let id = try berthOK(["create", "--name", "later", "busybox", "sh", "-c", "echo started; echo oops >&2; exit 3"])
        XCTAssertEqual(id.count, 64, id)
        XCTAssertEqual(field("{{.State.Status}}", "later"), "created")
        let r = try berthExpect(3, ["start", "-a", "later"])
        XCTAssertEqual(r.stdout, "started\n")
        XCTAssertEqual(r.stderr, "oops\n")
        XCTAssertEqual(field("{{.State.Status}} {{.State.ExitCode}}", "later"), "exited 3")
        // Plain start prints the name and returns at once.
        try berthOK(["create", "--name", "plain", "busybox", "sleep", "100"])
        XCTAssertEqual(try berthOK(["start", "plain"]), "plain")
        XCTAssertEqual(field("{{.State.Running}}", "plain"), "true")
        // start -a -i feeds stdin to a container made with -i.
        try berthOK(["create", "-i", "--name", "cat", "busybox", "sh", "-c", "read x; echo got $x"])
        XCTAssertEqual(try berthExpect(0, ["start", "-a", "-i", "cat"], stdin: "line\n").stdout, "got line\n")
    }

    func testStopRestartKillRemove() throws {
        let id = try berthOK(["run", "-d", "--name", "life", "busybox", "sleep", "1000"])
        let pid = Int32(field("{{.State.Pid}}", "life")) ?? 0
        XCTAssertTrue(pid > 0 && ProcessTable.isAlive(pid))
        // sleep as pid 1 ignores SIGTERM: stop falls back to SIGKILL after the timeout.
        XCTAssertEqual(try berthOK(["stop", "-t", "1", "life"]), "life")
        XCTAssertEqual(field("{{.State.Status}} {{.State.ExitCode}}", "life"), "exited 137")
        XCTAssertFalse(ProcessTable.isAlive(pid))
        XCTAssertEqual(try berthOK(["restart", "-t", "0", String(id.prefix(12))]), String(id.prefix(12)))
        XCTAssertEqual(field("{{.State.Status}}", "life"), "running")
        XCTAssertEqual(try berthOK(["kill", "life"]), "life")
        XCTAssertEqual(try berthOK(["wait", "life"]), "137")
        let again = try berthExpect(1, ["kill", "life"])
        XCTAssertTrue(again.stderr.contains("is not running"), again.stderr)
        try sameAsDocker(["kill", "life"], stderr: true)
        // The signal named by -s reaches the container.
        try berthOK(["run", "-d", "--name", "trapper", "busybox", "sh", "-c", "trap 'exit 9' USR1; echo trapped; while true; do sleep 0.1; done"])
        // A pid 1 ignores a signal it has no handler for yet.
        XCTAssertTrue(eventually { (try? self.engine.berth(["logs", "trapper"]))?.stdout == "trapped\n" })
        XCTAssertEqual(try berthOK(["kill", "-s", "USR1", "trapper"]), "trapper")
        XCTAssertEqual(try berthOK(["wait", "trapper"]), "9")
        try sameAsDocker(["kill", "-s", "NOSUCHSIG", "trapper"], stderr: true)
        try berthOK(["start", "life"])
        let rm = try berthExpect(1, ["rm", "life"])
        XCTAssertTrue(rm.stderr.contains("container is running: stop the container before removing or force remove"), rm.stderr)
        XCTAssertEqual(try berthOK(["rm", "-f", "life"]), "life")
        XCTAssertEqual(try berthExpect(1, ["inspect", "life"]).stdout, "[]\n")
        // Several at once: the ones that work are printed, the failures reported (rm -f of a
        // missing one is no failure), status 1.
        try berthOK(["run", "-d", "--name", "one", "busybox", "sleep", "100"])
        let multi = try berthExpect(0, ["rm", "-f", "one", "no-such-container-x"])
        XCTAssertEqual(multi.stdout, "one\n")
        XCTAssertEqual(multi.stderr, "Error response from daemon: No such container: no-such-container-x\n")
        try berthOK(["run", "-d", "--name", "two", "busybox", "sleep", "100"])
        let stopTwo = try berthExpect(1, ["stop", "-t", "0", "two", "no-such-container-x"])
        XCTAssertEqual(stopTwo.stdout, "two\n")
        for args in [["rm", "-f", "no-such-container-x"], ["rm", "two", "no-such-container-x"], ["stop", "no-such-container-x"],
                     ["restart", "no-such-container-x"], ["start", "no-such-container-x"], ["wait", "no-such-container-x"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
    }

    /// 125 when the daemon (or the CLI) refuses, 126/127 when the command cannot run, otherwise
    /// the container's own status — with the docker CLI's messages.
    func testExitStatuses() throws {
        XCTAssertEqual(try sameAsDocker(["run", "--rm", "busybox", "sh", "-c", "exit 3"]).status, 3)
        // pid 1 cannot be killed from inside; under --init the shell is not pid 1.
        XCTAssertEqual(try sameAsDocker(["run", "--rm", "--init", "busybox", "sh", "-c", "kill -9 $$"], stderr: true).status, 137)
        XCTAssertEqual(try sameAsDocker(["run", "--rm", "busybox", "no-such-command"], stderr: true).status, 127)
        XCTAssertEqual(try sameAsDocker(["run", "--rm", "busybox", "/etc/passwd"], stderr: true).status, 126)
        // A directory cannot be invoked either (runc's exec.LookPath says permission denied).
        XCTAssertEqual(try sameAsDocker(["run", "--rm", "busybox", "/"], stderr: true).status, 126)
        let noImage = try sameAsDocker(["run", "--rm", "--pull", "never", "no-such-image:1"], stderr: true)
        XCTAssertEqual(noImage.status, 125)
        XCTAssertTrue(noImage.stderr.contains("No such image: no-such-image:1"), noImage.stderr)
        XCTAssertEqual(try sameAsDocker(["run", "--rm", "-m", "1k", "busybox", "true"], stderr: true).status, 125)
        // Refused by the CLI itself, before any request.
        for args in [["run", "--rm", "--no-such-flag", "busybox"], ["run", "--rm", "--restart", "bogus", "busybox"],
                     ["run", "--rm", "--sysctl", "kernel.domainname=x", "busybox"], ["run", "--rm", "--network-alias", "x", "busybox"],
                     ["create", "--cpus", "lots", "busybox"], ["run", "-d", "-a", "stdout", "busybox"], ["run"], ["start", "-a", "x", "y"]] {
            XCTAssertNotEqual(try sameAsDocker(args, stderr: true, parallel: true).status, 0)
        }
        XCTAssertEqual(try berthOK(["ps", "-aq"]), "", "failed runs with --rm left containers")
        // A daemon that is not there: the docker CLI's message, status 1.
        let away = try engine.berth(["-H", "unix://\(engine.root)/nothing.sock", "ps"])
        XCTAssertEqual(away.status, 1, "\(away)")
        XCTAssertEqual(away.stderr, "Cannot connect to the Berth daemon at unix://\(engine.root)/nothing.sock. Is the berth daemon running?\n")
    }
}
