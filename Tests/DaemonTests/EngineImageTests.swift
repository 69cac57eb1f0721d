import Foundation
import XCTest

/// The local image store through the docker CLI: load, save, import, tag, rmi, prune, history.
final class EngineImageTests: EngineTestCase {
    func testListInspectHistory() throws {
        let ls = ok(engine.docker(["images", "--format", "{{.Repository}} {{.Tag}} {{.ID}}"]))
        let parts = ls.split(separator: " ").map(String.init)
        XCTAssertEqual(Array(parts.prefix(2)), ["busybox", "latest"])
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", "busybox"]))
        XCTAssertTrue(id.hasPrefix("sha256:\(parts[2])"), "\(id) vs \(parts[2])")
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Os}} {{.Architecture}} {{len .RootFS.Layers}}", "busybox"])), "linux amd64 1")
        let history = ok(engine.docker(["history", "-q", "busybox"]))
        XCTAssertFalse(history.isEmpty)
        XCTAssertEqual(engine.docker(["image", "inspect", "nope:1"]).status, 1)
    }

    func testTagRemoveAndConflict() throws {
        ok(engine.docker(["tag", "busybox", "example.com/team/app:v1"]))
        XCTAssertTrue(ok(engine.docker(["images", "--format", "{{.Repository}}:{{.Tag}}"])).contains("example.com/team/app:v1"))
        let untag = ok(engine.docker(["rmi", "example.com/team/app:v1"]))
        XCTAssertEqual(untag, "Untagged: example.com/team/app:v1")
        ok(engine.docker(["tag", "busybox", "second:tag"]))
        let byID = engine.docker(["rmi", ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", "busybox"]))])
        XCTAssertNotEqual(byID.status, 0)
        XCTAssertTrue(byID.stderr.contains("must be forced") || byID.stderr.contains("referenced in multiple repositories"), byID.stderr)
        ok(engine.docker(["rmi", "second:tag"]))
        ok(engine.docker(["create", "--name", "user-\(getpid())", "busybox", "true"]))
        ok(engine.docker(["tag", "busybox", "only:tag"]))
        ok(engine.docker(["rmi", "only:tag"]))
        let inUse = engine.docker(["rmi", "busybox"])
        XCTAssertNotEqual(inUse.status, 0)
        XCTAssertTrue(inUse.stderr.contains("container"), inUse.stderr)
    }

    func testSaveLoadRoundTripAndImport() throws {
        let tar = engine.root + "/saved-\(getpid()).tar"
        ok(engine.docker(["tag", "busybox", "roundtrip:1"]))
        ok(engine.docker(["save", "-o", tar, "roundtrip:1"]))
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", "roundtrip:1"]))
        let listing = ChildProcess.run("/bin/tar", ["-tf", tar], outputDir: engine.ioDir)
        XCTAssertTrue(listing.stdout.contains("manifest.json"), listing.stdout)
        ok(engine.docker(["rmi", "roundtrip:1"]))
        let loaded = ok(engine.docker(["load", "-i", tar]))
        XCTAssertEqual(loaded, "Loaded image: roundtrip:1")
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", "roundtrip:1"])), id)
        ok(engine.docker(["rmi", "roundtrip:1"]))

        let rootfs = try EngineHarness.imageDir.get() + "/busybox-rootfs.tar"
        let imported = ok(engine.docker(["import", "-c", "CMD [\"echo\", \"imported\"]", rootfs, "imported:v1"]))
        XCTAssertTrue(imported.hasPrefix("sha256:"), imported)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "imported:v1"])), "imported")
        ok(engine.docker(["rmi", "imported:v1"]))
        // A corrupt archive is refused clearly and the store stays usable.
        try Data("not a tar".utf8).write(to: URL(fileURLWithPath: tar))
        let bad = engine.docker(["load", "-i", tar])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "busybox", "echo", "still fine"])), "still fine")
    }

    func testLoadOCILayout() throws {
        let layout = try EngineHarness.imageDir.get() + "/oci"
        let tar = engine.root + "/oci-\(getpid()).tar"
        let made = ChildProcess.run("/bin/tar", ["-C", layout, "-cf", tar, "."], outputDir: engine.ioDir)
        XCTAssertEqual(made.status, 0, "\(made)")
        let loaded = ok(engine.docker(["load", "-i", tar]))
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", "busybox"]))
        // The layout's only name is the bare tag "latest": the image loads by ID (the same config, so busybox's ID).
        XCTAssertEqual(loaded, "Loaded image ID: \(id)")
    }

    func testPrune() throws {
        let rootfs = try EngineHarness.imageDir.get() + "/busybox-rootfs.tar"
        let id = ok(engine.docker(["import", "-m", "dangling", rootfs]))
        XCTAssertTrue(ok(engine.docker(["images", "-q", "--filter", "dangling=true", "--no-trunc"])).contains(id))
        let pruned = ok(engine.docker(["image", "prune", "-f"]))
        XCTAssertTrue(pruned.contains(id), pruned)
        XCTAssertEqual(ok(engine.docker(["images", "-q", "--filter", "dangling=true"])), "")
        XCTAssertEqual(ok(engine.docker(["images", "-q", "busybox"])).count, 12)
    }
}
