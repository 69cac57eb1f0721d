import Foundation
import XCTest

/// docker cp, export and diff against berthd.
final class EngineFilesTests: EngineTestCase {
    func testCopyBothWaysDiffExport() throws {
        let name = "files-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "echo made > /tmp/made; rm /etc/group; sleep 1000"]))
        XCTAssertTrue(eventually { self.engine.docker(["exec", name, "cat", "/tmp/made"]).out == "made" })
        let local = engine.root + "/cp-\(getpid())"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        ok(engine.docker(["cp", "\(name):/tmp/made", local + "/made"]))
        XCTAssertEqual(try String(contentsOfFile: local + "/made", encoding: .utf8), "made\n")
        try "into container\n".write(toFile: local + "/in", atomically: true, encoding: .utf8)
        ok(engine.docker(["cp", local + "/in", "\(name):/tmp/"]))
        XCTAssertEqual(ok(engine.docker(["exec", name, "cat", "/tmp/in"])), "into container")
        let diff = ok(engine.docker(["diff", name])).split(separator: "\n").map(String.init)
        XCTAssertTrue(diff.contains("A /tmp/made"), "\(diff)")
        XCTAssertTrue(diff.contains("D /etc/group"), "\(diff)")
        XCTAssertTrue(diff.contains("C /tmp"), "\(diff)")
        let missing = engine.docker(["cp", "\(name):/no/such", local + "/x"])
        XCTAssertNotEqual(missing.status, 0)
        ok(engine.docker(["stop", "-t", "0", name]))
        // A stopped container's files are still reachable.
        ok(engine.docker(["cp", "\(name):/tmp/in", local + "/back"]))
        XCTAssertEqual(try String(contentsOfFile: local + "/back", encoding: .utf8), "into container\n")
        ok(engine.docker(["export", "-o", local + "/fs.tar", name]))
        let listing = ChildProcess.run("/bin/tar", ["-tf", local + "/fs.tar"], outputDir: engine.ioDir).stdout
        XCTAssertTrue(listing.contains("bin/busybox"), listing)
        XCTAssertTrue(listing.contains("tmp/made"), listing)
        XCTAssertFalse(listing.split(separator: "\n").contains("etc/group"), listing)
        XCTAssertFalse(Mounts.current().contains { $0.hasPrefix(engine.dataRoot) }, "export left the rootfs mounted")
    }

    func testCopyCannotEscape() throws {
        let name = "escape-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "ln -s / /tmp/root; ln -s ../../../../etc /tmp/up; sleep 1000"]))
        XCTAssertTrue(eventually { self.engine.docker(["exec", name, "ls", "/tmp/up"]).status == 0 })
        let local = engine.root + "/esc-\(getpid())"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        // /tmp/up/hostname resolves inside the container's root, not the host's /etc.
        ok(engine.docker(["cp", "\(name):/tmp/up/hostname", local + "/h"]))
        let inContainer = ok(engine.docker(["exec", name, "cat", "/etc/hostname"]))
        XCTAssertEqual(try String(contentsOfFile: local + "/h", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), inContainer)
        try "x\n".write(toFile: local + "/evil", atomically: true, encoding: .utf8)
        ok(engine.docker(["cp", local + "/evil", "\(name):/tmp/root/tmp/"]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/evil"), "docker cp wrote to the host's /tmp")
        XCTAssertEqual(ok(engine.docker(["exec", name, "cat", "/tmp/evil"])), "x")
    }
}
