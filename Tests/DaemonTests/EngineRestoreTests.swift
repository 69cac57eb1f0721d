import Foundation
import XCTest

/// Containers and images survive berthd's restart; running containers survive its death.
final class EngineRestoreTests: EngineTestCase {
    func testLiveRestoreAfterSIGKILL() throws {
        let name = "restore-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "echo before; sleep 1000"]))
        ok(engine.docker(["create", "--name", name + "-created", "busybox", "true"]))
        XCTAssertEqual(engine.docker(["run", "--name", name + "-exited", "busybox", "sh", "-c", "exit 9"]).status, 9)
        let pid = Int32(ok(engine.docker(["inspect", "-f", "{{.State.Pid}}", name]))) ?? 0
        engine.stopDaemon(kill: SIGKILL)
        XCTAssertTrue(ProcessTable.isAlive(pid), "the container died with berthd")
        try engine.start()
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}} {{.State.Pid}}", name])), "running \(pid)")
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}}", name + "-created"])), "created")
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name + "-exited"])), "exited 9")
        XCTAssertEqual(ok(engine.docker(["logs", name])), "before")
        XCTAssertEqual(ok(engine.docker(["images", "--format", "{{.Repository}}:{{.Tag}}"])), "busybox:latest")
        ok(engine.docker(["exec", name, "true"]))
        ok(engine.docker(["stop", "-t", "0", name]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name])), "exited 137")
    }

    func testRestartKeepsPoliciesAndUsesARunningSupervisor() throws {
        let name = "us-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "--restart", "unless-stopped", "busybox", "sleep", "1000"]))
        ok(engine.docker(["run", "-d", "--name", name + "-stopped", "--restart", "unless-stopped", "busybox", "sleep", "1000"]))
        ok(engine.docker(["stop", "-t", "0", name + "-stopped"]))
        func supervisorPIDs() -> [Int32] {
            ProcessTable.pidsWithCommandLine(containing: engine.execRoot + "/supervisor.sock")
                .filter { ProcessTable.commandLine($0).contains("berth-supervisor") }
        }
        let supervisors = supervisorPIDs()
        XCTAssertEqual(supervisors.count, 1)
        engine.stopDaemon()
        // The same supervisor, named explicitly, serves the new berthd.
        engine.extraArgs += ["--supervisor", "unix://" + engine.execRoot + "/supervisor.sock"]
        try engine.start()
        XCTAssertEqual(supervisorPIDs(), supervisors)
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}}", name])), "running")
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{.State.Status}}", name + "-stopped"])), "exited")
        ok(engine.docker(["rm", "-f", name, name + "-stopped"]))
    }

    func testExitWhileDaemonIsDown() throws {
        let name = "down-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 6"]))
        engine.stopDaemon()
        sleep(2)
        try engine.start()
        XCTAssertTrue(eventually(timeout: 10) {
            self.engine.docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name]).out == "exited 6"
        }, engine.docker(["inspect", name]).stdout)
    }
}
