import Foundation
import XCTest

/// The API's own behaviour: listeners, limits, events, filters, prune, wait conditions.
final class EngineAPITests: EngineTestCase {
    /// A port free when the class starts, not a fixed one another daemon may hold.
    static let tcpPort: UInt16 = (try? EngineRegistryTests.freePort()) ?? 23750
    override class var daemonArgs: [String] { ["-H", "tcp://127.0.0.1:\(tcpPort)", "--pidfile", "PIDFILE"] }

    func testTCPListenerAndPidfile() throws {
        let tcp = ChildProcess.run("/usr/local/bin/docker", ["version", "--format", "{{.Server.Version}}"],
                                   environment: ["DOCKER_HOST": "tcp://127.0.0.1:\(Self.tcpPort)"], outputDir: engine.ioDir)
        XCTAssertEqual(tcp.status, 0, "\(tcp)")
        let pid = try String(contentsOfFile: engine.root + "/berthd.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(Int32(pid), engine.daemon?.pid)
        var st = stat()
        XCTAssertEqual(stat(engine.socket, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o660)
    }

    func testOversizedAndMalformedBodies() throws {
        let big = engine.root + "/big.json"
        try Data(repeating: UInt8(ascii: " "), count: 17 << 20).write(to: URL(fileURLWithPath: big))
        let r = engine.curl(["-s", "-w", " %{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                             "--data-binary", "@" + big, "http://d/containers/create"])
        XCTAssertTrue(r.stdout.hasSuffix(" 413"), r.stdout)
        let wrongType = engine.curl(["-s", "-w", " %{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                                     "-d", "{\"Image\": 5}", "http://d/containers/create"])
        XCTAssertTrue(wrongType.stdout.hasSuffix(" 400") && wrongType.stdout.contains("Image"), wrongType.stdout)
        let badFilter = engine.curl(["-s", "-w", " %{http_code}", "http://d/containers/json?filters=%7Bnope"])
        XCTAssertTrue(badFilter.stdout.hasSuffix(" 400"), badFilter.stdout)
        XCTAssertEqual(engine.curl(["-s", "http://d/_ping"]).stdout, "OK")
    }

    func testEvents() throws {
        let since = Int(Date().timeIntervalSince1970) - 1
        let name = "ev-\(getpid())"
        ok(engine.docker(["run", "--name", name, "busybox", "true"]))
        ok(engine.docker(["rm", name]))
        let until = Int(Date().timeIntervalSince1970) + 1
        let events = ok(engine.docker(["events", "--since", "\(since)", "--until", "\(until)", "--filter", "container=\(name)",
                                       "--format", "{{.Action}}"]))
        XCTAssertEqual(events.split(separator: "\n").map(String.init), ["create", "attach", "start", "die", "destroy"])
    }

    /// The events of the other container verbs, in the order dockerd emits them.
    func testVerbEvents() throws {
        // To the millisecond: the prune events of other tests must stay out of the window.
        let since = String(format: "%.3f", Date().timeIntervalSince1970 - 0.001)
        let name = "evv-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]))
        ok(engine.docker(["top", name]))
        let local = engine.root + "/evv-hostname"
        ok(engine.docker(["cp", "\(name):/etc/hostname", local]))
        ok(engine.docker(["cp", local, "\(name):/tmp/"]))
        ok(engine.docker(["commit", "-m", "snap", name, "evv-img-\(getpid())"]))
        ok(engine.docker(["rm", "-f", name]))
        ok(engine.docker(["rmi", "evv-img-\(getpid())"]))
        ok(engine.docker(["container", "prune", "-f"]))
        let until = String(format: "%.3f", Date().timeIntervalSince1970 + 0.001)
        let window = ["--since", since, "--until", until]
        let events = ok(engine.docker(["events"] + window + ["--filter", "container=\(name)",
                                       "--format", "{{.Action}}{{with .Actor.Attributes.signal}} {{.}}{{end}}{{with .Actor.Attributes.comment}} {{.}}{{end}}"]))
        XCTAssertEqual(events.split(separator: "\n").map(String.init),
                       ["create", "start", "top", "archive-path", "extract-to-dir", "commit snap", "kill 9", "die", "destroy"])
        let prune = ok(engine.docker(["events"] + window + ["--filter", "type=container", "--filter", "event=prune",
                                                            "--format", "{{.Action}} {{.Actor.Attributes.reclaimed}}"]))
        XCTAssertEqual(prune, "prune 0")
    }

    /// Docker's order for a stop that has to escalate (a pid 1 without a TERM handler ignores
    /// it): both signals, then the exit, then the stop; and destroy before `wait` wakes.
    func testStopEventsComeInDockersOrder() throws {
        let since = Int(Date().timeIntervalSince1970) - 1
        let name = "evs-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]))
        ok(engine.docker(["stop", "-t", "1", name]))
        ok(engine.docker(["rm", name]))
        let until = Int(Date().timeIntervalSince1970) + 1
        let events = ok(engine.docker(["events", "--since", "\(since)", "--until", "\(until)", "--filter", "container=\(name)",
                                       "--format", "{{.Action}}{{with .Actor.Attributes.signal}} {{.}}{{end}}"]))
        XCTAssertEqual(events.split(separator: "\n").map(String.init),
                       ["create", "start", "kill 15", "kill 9", "die", "stop", "destroy"])
    }

    /// SizeRw is what the container wrote; SizeRootFs all it sees, its image's layers included.
    func testContainerSizes() throws {
        let name = "size-\(getpid())"
        ok(engine.docker(["run", "--name", name, "busybox", "sh", "-c", "head -c 100000 /dev/zero > /big"]))
        let image = Int64(ok(engine.docker(["image", "inspect", "-f", "{{.Size}}", "busybox"]))) ?? -1
        let sizes = ok(engine.docker(["inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", name])).split(separator: " ").compactMap { Int64($0) }
        XCTAssertEqual(sizes.count, 2)
        guard sizes.count == 2 else { return }
        XCTAssertGreaterThanOrEqual(sizes[0], 100000)
        XCTAssertGreaterThan(image, 0)
        XCTAssertEqual(sizes[1], sizes[0] + image)
        XCTAssertTrue(ok(engine.docker(["ps", "-a", "-s", "--filter", "name=\(name)", "--format", "{{.Size}}"])).contains("(virtual "))
    }

    func testListFiltersAndPrune() throws {
        let a = "fa-\(getpid())", b = "fb-\(getpid())", c = "fc-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", a, "-l", "tier=web", "busybox", "sleep", "1000"]))
        XCTAssertEqual(engine.docker(["run", "--name", b, "-l", "tier=db", "busybox", "sh", "-c", "exit 2"]).status, 2)
        ok(engine.docker(["create", "--name", c, "busybox", "true"]))
        func names(_ args: [String]) -> [String] {
            ok(engine.docker(["ps", "--format", "{{.Names}}"] + args)).split(separator: "\n").map(String.init).sorted()
        }
        XCTAssertEqual(names([]), [a])
        XCTAssertEqual(names(["-a"]), [a, b, c])
        XCTAssertEqual(names(["-a", "--filter", "status=exited"]), [b])
        XCTAssertEqual(names(["-a", "--filter", "status=created"]), [c])
        XCTAssertEqual(names(["-a", "--filter", "exited=2"]), [b])
        XCTAssertEqual(names(["-a", "--filter", "label=tier"]), [a, b])
        XCTAssertEqual(names(["-a", "--filter", "label=tier=db"]), [b])
        XCTAssertEqual(names(["-a", "--filter", "name=fc-"]), [c])
        XCTAssertEqual(names(["-a", "--filter", "ancestor=busybox"]), [a, b, c])
        XCTAssertEqual(ok(engine.docker(["ps", "-a", "-q", "--no-trunc", "--filter", "id=" + String(ok(engine.docker(["inspect", "-f", "{{.Id}}", a])).prefix(10))])).count, 64)
        XCTAssertEqual(ok(engine.docker(["ps", "-a", "-n", "1", "--format", "{{.Names}}"])), c)
        let bID = ok(engine.docker(["inspect", "-f", "{{.Id}}", b]))
        let pruned = ok(engine.docker(["container", "prune", "-f", "--filter", "label=tier=db"]))
        XCTAssertTrue(pruned.contains("Deleted Containers:") && pruned.contains(bID), pruned)
        XCTAssertEqual(names(["-a"]), [a, c])
        ok(engine.docker(["container", "prune", "-f"]))
        XCTAssertEqual(names(["-a"]), [a])
        let df = ok(engine.docker(["system", "df", "--format", "{{.Type}} {{.TotalCount}}"]))
        XCTAssertTrue(df.contains("Images 1") && df.contains("Containers 1"), df)
    }

    func testWaitConditionsAndStats() throws {
        let name = "wc-\(getpid())"
        ok(engine.docker(["create", "--name", name, "busybox", "sh", "-c", "sleep 0.5; exit 4"]))
        // not-running answers at once for a created container.
        let now = engine.curl(["-s", "-X", "POST", "http://d/containers/\(name)/wait"])
        XCTAssertTrue(now.stdout.contains("\"StatusCode\":0"), now.stdout)
        ok(engine.docker(["start", name]))
        XCTAssertEqual(ok(engine.docker(["wait", name])), "4")
        let bad = engine.curl(["-s", "-w", " %{http_code}", "-X", "POST", "http://d/containers/\(name)/wait?condition=bogus"])
        XCTAssertTrue(bad.stdout.hasSuffix(" 400"), bad.stdout)
        let running = "st-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", running, "-m", "32m", "busybox", "sleep", "1000"]))
        let stats = ok(engine.docker(["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", running]))
        XCTAssertTrue(stats.hasPrefix("\(running) ") && stats.contains("/ 32MiB") && stats.hasSuffix(" 1"), stats)
        // The streamed form: one JSON document a second until the client leaves.
        let streamed = engine.curl(["-s", "-N", "--max-time", "2.5", "http://d/containers/\(running)/stats"])
        let samples = streamed.stdout.split(separator: "\n").filter { $0.contains("\"memory_stats\"") }
        XCTAssertGreaterThanOrEqual(samples.count, 2, streamed.stdout)
        let top = ok(engine.docker(["top", running]))
        XCTAssertTrue(top.contains("sleep 1000"), top)
        ok(engine.docker(["update", "--memory", "48m", "--memory-swap", "96m", running]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.HostConfig.Memory}}", running])), "50331648")
        let limit = ok(engine.docker(["exec", running, "sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"]))
        XCTAssertEqual(limit, "50331648")
    }

    func testTTYContainerLogsAreRaw() throws {
        let name = "tty-\(getpid())"
        let run = engine.docker(["run", "-t", "--name", name, "busybox", "sh", "-c", "echo tty-line"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let raw = engine.curl(["-s", "http://d/containers/\(name)/logs?stdout=1&stderr=1"])
        XCTAssertEqual(raw.stdout, "tty-line\r\n")
        XCTAssertEqual(engine.docker(["logs", name]).stdout, "tty-line\r\n")
    }
}
