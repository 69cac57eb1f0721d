import Foundation
import XCTest

/// The `berth` CLI's views of containers (ps, inspect, logs, top, stats, diff) and the verbs
/// that act on running ones (exec, rename, pause, update, wait, cp, export), each compared
/// with what the docker CLI prints for the same berthd.
final class EngineCLIStateTests: EngineTestCase {
    func testPsFormatsAndFilters() throws {
        try berthOK(["run", "-d", "--name", "ps-run", "-l", "app=web", "busybox", "sleep", "100"])
        try berthExpect(2, ["run", "--name", "ps-done", "-l", "app=job", "busybox", "sh", "-c", "exit 2"])
        try berthOK(["create", "--name", "ps-new", "busybox", "echo", "a long command line that the table must truncate"])
        XCTAssertEqual(try berthOK(["ps", "--format", "{{.Names}}"]), "ps-run")
        // "Less than a second ago" unless the commands since the exit took a second.
        let exited = try berthOK(["ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}"])
        XCTAssertNotNil(exited.wholeMatch(of: /ps-done Exited \(2\) (Less than a second|[0-9]+ seconds?) ago/), exited)
        XCTAssertEqual(try berthOK(["ps", "-a", "--filter", "label=app=web", "-q"]).count, 12)
        XCTAssertEqual(try berthOK(["ps", "-a", "--filter", "label=app", "--format", "{{.Names}}"]), "ps-done\nps-run")
        for args in [["ps"], ["ps", "-a"], ["ps", "-a", "-q"], ["ps", "-aq", "--no-trunc"], ["ps", "-a", "--no-trunc"],
                     ["ps", "-a", "--format", "{{.Names}} {{.Status}}"], ["ps", "--format", "{{.Names}} {{.Status}}"],
                     ["ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}"],
                     ["ps", "-a", "--filter", "status=created", "-q"], ["ps", "-a", "--filter", "label=app=job", "--format", "{{.ID}}"],
                     ["ps", "-a", "--format", "table {{.Names}}\t{{.Image}}\t{{.Command}}\t{{.Labels}}"],
                     ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}} {{.Label \"app\"}} {{.State}}"],
                     ["ps", "-a", "--format", "{{json .Names}} {{.Mounts}} {{.Networks}} {{.Ports}}"],
                     ["ps", "-n", "1", "--format", "{{.Names}}"], ["ps", "-l", "-q"], ["ps", "-a", "--filter", "name=ps-r", "-q"],
                     ["ps", "-a", "--filter", "bogus=1"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
    }

    func testInspectFormats() throws {
        try berthOK(["run", "-d", "--name", "insp", "-e", "K=V", "-l", "a=b", "-m", "32m", "busybox", "sleep", "100"])
        for args in [["inspect", "insp"], ["inspect", "--format", "{{.State.Status}} {{.Config.Image}} {{json .Config.Labels}}", "insp"],
                     ["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}} {{range .Config.Env}}{{.}},{{end}}", "insp"],
                     ["inspect", "-f", "{{.Name}} {{.Id}} {{len .Mounts}} {{.Config.Cmd}} {{index .Config.Cmd 0}}", "insp"],
                     ["inspect", "-f", "{{json .State}} {{json .Config.Labels}} {{json .Config.Env}}", "insp"],
                     ["inspect", "-f", "{{upper .State.Status}} {{.State.Pid | printf \"%d\"}} {{.Config.Labels.a | printf \"%q\"}}", "insp"],
                     ["container", "inspect", "-s", "-f", "{{.SizeRw}}", "insp"], ["inspect", "--type", "image", "-f", "{{.Id}}", "busybox"],
                     ["inspect", "-f", "{{.Name}}", "insp", "busybox"], ["inspect", "no-such-thing"], ["inspect", "-f", "{{.Nope", "insp"],
                     ["inspect", "--format", "json", "insp"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
        // The docker CLI runs a template on Go structs first (zero values for fields the daemon
        // left out, Go field names, nil pointers), then on the raw JSON with missingkey=error.
        for format in ["{{.Config}}", "{{.State}} {{.State.Health}}", "{{json .Config}}", "{{.Config.User}}|{{.Config.Entrypoint}}|{{len .Config.Volumes}}",
                       "{{.ID}} {{.Config.ExposedPorts}} {{.Config.Labels.nope}}", "{{.State.Health.Status}}", "{{.HostConfig.CpuShares}}",
                       "{{$s := .State}}{{$s.Nope.Deeper}}", "{{json .}}", "{{json .HostConfig}} {{.HostConfig.RestartPolicy}}",
                       "{{json .NetworkSettings}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}",
                       "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.ConsoleSize}} {{.HostConfig.Init}} {{.GraphDriver.Name}}"] {
            try sameAsDocker(["inspect", "-f", format, "insp"], stderr: true, parallel: true)
        }
        for format in ["{{json .}}", "{{.Config}} {{.Config.User}} {{.ContainerConfig}}", "{{.Metadata}} {{.GraphDriver}} {{.RootFS}}"] {
            try sameAsDocker(["image", "inspect", "-f", format, "busybox"], stderr: true, parallel: true)
        }
    }

    func testLogs() throws {
        try berthOK(["run", "-d", "--name", "talker", "busybox", "sh", "-c", "echo one; echo err >&2; sleep 1; echo two; echo three"])
        // -f follows until the container exits.
        let follow = try engine.berth(["logs", "-f", "talker"], timeout: 20)
        XCTAssertEqual(follow.status, 0, "\(follow)")
        XCTAssertEqual(follow.stdout, "one\ntwo\nthree\n")
        XCTAssertEqual(follow.stderr, "err\n")
        XCTAssertEqual(field("{{.State.Status}}", "talker"), "exited")
        XCTAssertEqual(try engine.berth(["logs", "--tail", "2", "talker"]).stdout, "two\nthree\n")
        for args in [["logs", "talker"], ["logs", "-t", "talker"], ["logs", "--tail", "1", "-t", "talker"],
                     ["logs", "--details", "talker"], ["logs", "--tail", "0", "talker"], ["logs", "no-such"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
        // --since a moment between the lines printed before and after the sleep.
        let stamped = try engine.berth(["logs", "-t", "talker"]).stdout.split(separator: "\n").map(String.init)
        guard let two = stamped.first(where: { $0.hasSuffix(" two") }) else { return XCTFail("no stamped line two: \(stamped)") }
        let since = String(two.prefix { $0 != " " })
        XCTAssertEqual(try engine.berth(["logs", "--since", since, "talker"]).stdout, "two\nthree\n")
        try sameAsDocker(["logs", "--since", since, "-t", "talker"], stderr: true)
        try sameAsDocker(["logs", "--until", since, "talker"], stderr: true)
        XCTAssertEqual(try engine.berth(["logs", "--since", "2000-01-01T00:00:00Z", "--until", "2001-01-01T00:00:00Z", "talker"]).stdout, "")
        // A TTY container's log is the terminal's, \r\n and all.
        try berthOK(["run", "-t", "--name", "ttylog", "busybox", "echo", "on a tty"])
        try sameAsDocker(["logs", "ttylog"])
    }

    func testExec() throws {
        try berthOK(["run", "-d", "--name", "ex", "-e", "FOO=bar", "busybox", "sleep", "1000"])
        XCTAssertEqual(try berthOK(["exec", "ex", "sh", "-c", "echo $FOO $BAZ"]), "bar")
        XCTAssertEqual(try berthOK(["exec", "-e", "BAZ=qux", "-w", "/tmp", "-u", "nobody", "ex", "sh", "-c", "echo $BAZ $(pwd) $(id -u)"]),
                       "qux /tmp 65534")
        let split = try berthExpect(5, ["exec", "ex", "sh", "-c", "echo out; echo err >&2; exit 5"])
        XCTAssertEqual(split.stdout, "out\n")
        XCTAssertEqual(split.stderr, "err\n")
        XCTAssertEqual(try berthExpect(0, ["exec", "-i", "ex", "sh", "-c", "cat; echo done"], stdin: "via stdin\n").stdout,
                       "via stdin\ndone\n")
        // Without -i the command's stdin is closed, not the caller's.
        XCTAssertEqual(try berthExpect(0, ["exec", "ex", "cat"], stdin: "ignored\n").stdout, "")
        try berthOK(["exec", "-d", "ex", "sh", "-c", "echo detached > /tmp/d"])
        XCTAssertTrue(eventually { (try? self.engine.berth(["exec", "ex", "cat", "/tmp/d"]).out) == "detached" })
        XCTAssertEqual(try sameAsDocker(["exec", "ex", "no-such-command"], stderr: true).status, 127)
        XCTAssertEqual(try sameAsDocker(["exec", "ex", "/etc/passwd"], stderr: true).status, 126)
        XCTAssertEqual(try sameAsDocker(["exec", "ex", "sh", "-c", "exit 9"], stderr: true).status, 9)
        for args in [["exec", "no-such", "true"], ["exec", "-u", "nosuchuser", "ex", "true"], ["exec", "-w", "/etc/passwd", "ex", "true"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
        try berthOK(["stop", "-t", "0", "ex"])
        try sameAsDocker(["exec", "ex", "true"], stderr: true)
    }

    func testTopStatsRenamePauseUpdateWait() throws {
        try berthOK(["run", "-d", "--name", "busy", "busybox", "sh", "-c", "sleep 1000 & sleep 1000"])
        XCTAssertTrue(eventually { (try? self.engine.berth(["top", "busy"]).stdout.split(separator: "\n").count) == 3 })
        try sameAsDocker(["top", "busy"])
        try sameAsDocker(["top", "busy", "-o", "pid,comm"])
        // One sample takes a second each way; the table's layout is checked on the columns that hold still.
        let table = try sameAsDocker(["stats", "--no-stream", "--format", "table {{.Name}}\t{{.PIDs}}\t{{.ID}}", "busy"]).stdout
        XCTAssertTrue(table.hasPrefix("NAME      PIDS      CONTAINER ID\nbusy      2         "), table)

        XCTAssertEqual(try berthOK(["rename", "busy", "busier"]), "")
        XCTAssertEqual(try berthOK(["ps", "--format", "{{.Names}}"]), "busier")
        let taken = try berthExpect(1, ["rename", "busier", "busier"])
        XCTAssertFalse(taken.stderr.isEmpty)

        XCTAssertEqual(try berthOK(["pause", "busier"]), "busier")
        XCTAssertEqual(field("{{.State.Status}} {{.State.Paused}}", "busier"), "paused true")
        try sameAsDocker(["ps", "--format", "{{.Names}} {{.Status}} {{.State}}"])
        XCTAssertEqual(try berthOK(["unpause", "busier"]), "busier")
        XCTAssertEqual(field("{{.State.Status}}", "busier"), "running")
        try sameAsDocker(["unpause", "busier"], stderr: true)

        XCTAssertEqual(try berthOK(["update", "-m", "96m", "--memory-swap", "192m", "--cpus", "0.25", "--pids-limit", "50",
                                    "--restart", "unless-stopped", "busier"]), "busier")
        XCTAssertEqual(field("{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}", "busier"),
                       "100663296 250000000 50 unless-stopped")
        let limits = try berthOK(["exec", "busier", "sh", "-c",
                                  "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"])
        XCTAssertEqual(limits, "100663296\n50")

        try berthOK(["run", "-d", "--name", "quits", "busybox", "sh", "-c", "sleep 0.3; exit 4"])
        XCTAssertEqual(try berthExpect(0, ["wait", "quits"]).stdout, "4\n")
        try sameAsDocker(["wait", "quits"])
        try sameAsDocker(["wait", "no-such-container"], stderr: true)
    }

    func testCopyDiffExport() throws {
        try berthOK(["run", "-d", "--name", "files", "busybox", "sh", "-c", "mkdir -p /srv/d; echo made > /srv/d/made; rm /etc/group; sleep 1000"])
        XCTAssertTrue(eventually { (try? self.engine.berth(["exec", "files", "cat", "/srv/d/made"]).out) == "made" })
        let local = try scratchDirectory("cp")
        try berthOK(["cp", "files:/srv/d/made", local + "/made"])
        XCTAssertEqual(try String(contentsOfFile: local + "/made", encoding: .utf8), "made\n")
        try berthOK(["cp", "files:/srv/d", local + "/dir"])
        XCTAssertEqual(try String(contentsOfFile: local + "/dir/made", encoding: .utf8), "made\n")
        try "into container\n".write(toFile: local + "/in", atomically: true, encoding: .utf8)
        try berthOK(["cp", local + "/in", "files:/tmp/"])
        XCTAssertEqual(try berthOK(["exec", "files", "cat", "/tmp/in"]), "into container")
        try berthOK(["cp", local + "/dir", "files:/tmp/copied"])
        XCTAssertEqual(try berthOK(["exec", "files", "cat", "/tmp/copied/made"]), "made")
        // A tar stream on stdin and on stdout (all ASCII here, so it survives the String plumbing).
        let tar = ChildProcess.run("/bin/tar", ["-cf", local + "/s.tar", "-C", local, "in"], outputDir: engine.ioDir)
        XCTAssertEqual(tar.status, 0, "\(tar)")
        try berthOK(["cp", "-", "files:/srv"], stdin: try String(contentsOfFile: local + "/s.tar", encoding: .isoLatin1))
        XCTAssertEqual(try berthOK(["exec", "files", "cat", "/srv/in"]), "into container")
        let out = try engine.berth(["cp", "files:/srv/d/made", "-"]).stdout
        XCTAssertTrue(out.hasPrefix("made\0") && out.contains("made\n"), out.debugDescription)
        let missing = try engine.berth(["cp", "files:/no/such", local + "/x"])
        let dMissing = engine.docker(["cp", "files:/no/such", local + "/x"])
        XCTAssertEqual(missing.status, dMissing.status)
        XCTAssertEqual(missing.stderr, dMissing.stderr.replacingOccurrences(of: "docker", with: "berth"))

        let diff = try sameAsDocker(["diff", "files"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(diff.contains("A /srv/d/made") && diff.contains("D /etc/group") && diff.contains("C /tmp"), "\(diff)")
        try berthOK(["stop", "-t", "0", "files"])
        try berthOK(["cp", "files:/tmp/in", local + "/back"])
        XCTAssertEqual(try String(contentsOfFile: local + "/back", encoding: .utf8), "into container\n")
        try berthOK(["export", "-o", local + "/berth.tar", "files"])
        ok(engine.docker(["export", "-o", local + "/docker.tar", "files"]))
        let listing = { (path: String) in ChildProcess.run("/bin/tar", ["-tvf", path], outputDir: self.engine.ioDir).stdout }
        let ours = listing(local + "/berth.tar")
        XCTAssertTrue(ours.contains("srv/d/made") && ours.contains("bin/busybox"), ours)
        XCTAssertEqual(ours, listing(local + "/docker.tar"))
        XCTAssertFalse(Mounts.current().contains { $0.hasPrefix(engine.dataRoot) }, "export left the rootfs mounted")
    }
}
