import Glibc
import XCTest
@testable import CLICore

/// berth against the same canned daemon answers the real docker CLI was given: the same
/// stdout, stderr and exit status, verb by verb (see DockerGoldens.swift).
final class DockerGoldenTests: XCTestCase {
    private var daemon: CannedDaemon!

    override func setUpWithError() throws {
        setenv("TZ", "UTC", 1)
        tzset()
        daemon = try CannedDaemon()
    }

    override func tearDown() {
        daemon?.stop()
        daemon = nil
    }

    /// Runs berth in-process with its output captured.
    static func berth(_ args: [String], host: String) -> (stdout: String, stderr: String, status: Int32) {
        let ctx = CLIContext(environment: ["BERTH_HOST": host], out: Output(fd: 1, capture: true), err: Output(fd: 2, capture: true))
        let status = BerthCLI.main(args, ctx: ctx)
        return (ctx.out.text, ctx.err.text, status)
    }

    func testEveryGoldenMatches() {
        XCTAssertGreaterThan(DockerGolden.all.count, 40)
        for g in DockerGolden.all {
            let r = Self.berth(g.args, host: daemon.host)
            let label = g.args.joined(separator: " ")
            XCTAssertEqual(r.stdout, g.stdout, "stdout of: \(label)")
            XCTAssertEqual(r.stderr, g.stderr, "stderr of: \(label)")
            XCTAssertEqual(r.status, g.status, "exit status of: \(label)")
        }
    }

    func testRunRegistersTheWaitBeforeStarting() {
        let r = Self.berth(["run", "--rm", "busybox", "echo", "hi"], host: daemon.host)
        XCTAssertEqual(r.status, 3)
        let calls = daemon.requests.filter { $0.path != "/_ping" }.map { "\($0.method) \($0.path)" }
        let id = CannedDaemon.createdID
        XCTAssertEqual(calls, ["POST /containers/create", "POST /containers/\(id)/attach", "POST /containers/\(id)/wait",
                               "POST /containers/\(id)/start"])
        let wait = daemon.requests.first { $0.path.hasSuffix("/wait") }
        XCTAssertEqual(wait?.query.first { $0.0 == "condition" }?.1, "removed", "--rm waits for the removal")
        let attach = daemon.requests.first { $0.path.hasSuffix("/attach") }
        XCTAssertEqual(attach?.query.map { "\($0.0)=\($0.1)" }, ["stderr=1", "stdout=1", "stream=1"])
    }

    func testCreateBodyCarriesTheFlags() throws {
        let r = Self.berth(["create", "--name", "x", "-e", "A=1", "-l", "k=v", "-p", "127.0.0.1:8080:80/udp", "-v", "/tmp:/data:ro",
                            "-v", "/anon", "-m", "512m", "--cpus", "0.5", "--restart", "on-failure:3", "--cap-add", "net_admin",
                            "--health-cmd", "true", "--health-interval", "5s", "--ulimit", "nofile=1024:2048", "--network", "host",
                            "--entrypoint", "/bin/sh", "-w", "/w", "busybox", "-c", "echo hi"], host: daemon.host)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, CannedDaemon.createdID + "\n")
        let create = try XCTUnwrap(daemon.requests.first { $0.path == "/containers/create" })
        XCTAssertEqual(create.query.map { "\($0.0)=\($0.1)" }, ["name=x"])
        let body = try JSON.parse(create.body)
        XCTAssertEqual(body["Image"].string, "busybox")
        XCTAssertEqual(body["Cmd"].strings, ["-c", "echo hi"])
        XCTAssertEqual(body["Entrypoint"].strings, ["/bin/sh"])
        XCTAssertEqual(body["Env"].strings, ["A=1"])
        XCTAssertEqual(body["Labels"]["k"].string, "v")
        XCTAssertEqual(body["WorkingDir"].string, "/w")
        XCTAssertEqual(body["ExposedPorts"].object?.keys, ["80/udp"])
        XCTAssertEqual(body["Volumes"].object?.keys, ["/anon"])
        XCTAssertEqual(body["Healthcheck"]["Test"].strings, ["CMD-SHELL", "true"])
        XCTAssertEqual(body["Healthcheck"]["Interval"].int64, 5_000_000_000)
        let h = body["HostConfig"]
        XCTAssertEqual(h["Binds"].strings, ["/tmp:/data:ro"])
        XCTAssertEqual(h["PortBindings"]["80/udp"][0]["HostIp"].string, "127.0.0.1")
        XCTAssertEqual(h["PortBindings"]["80/udp"][0]["HostPort"].string, "8080")
        XCTAssertEqual(h["Memory"].int64, 512 << 20)
        XCTAssertEqual(h["NanoCpus"].int64, 500_000_000)
        XCTAssertEqual(h["RestartPolicy"]["Name"].string, "on-failure")
        XCTAssertEqual(h["RestartPolicy"]["MaximumRetryCount"].int64, 3)
        XCTAssertEqual(h["CapAdd"].strings, ["CAP_NET_ADMIN"])
        XCTAssertEqual(h["NetworkMode"].string, "host")
        XCTAssertEqual(h["Ulimits"][0]["Name"].string, "nofile")
        XCTAssertEqual(h["Ulimits"][0]["Soft"].int64, 1024)
        XCTAssertEqual(h["Ulimits"][0]["Hard"].int64, 2048)
    }

    func testConnectionFailure() {
        let r = Self.berth(["ps"], host: "unix://" + daemon.dir + "/absent.sock")
        XCTAssertEqual(r.stderr, "Cannot connect to the Berth daemon at unix://\(daemon.dir)/absent.sock. Is the berth daemon running?\n")
        XCTAssertEqual(r.status, 1)
        let run = Self.berth(["run", "busybox"], host: "unix://" + daemon.dir + "/absent.sock")
        XCTAssertEqual(run.status, 125)
        XCTAssertTrue(run.stderr.hasPrefix("berth: Cannot connect to the Berth daemon"))
    }
}

import JSON
