import Foundation
import XCTest

/// Pushes to a private registry whose access log is on (REGISTRY_ACCESSLOG), from a berthd
/// that uploads blobs over 1 MiB in chunks: cross-repository mounts and chunked uploads,
/// each checked in what the registry saw and by pulling the image back.
final class EngineRegistryPushTests: EngineTestCase {
    override class var daemonArgs: [String] { ["--upload-chunk-size", "1m"] }

    nonisolated(unsafe) static var registry: (dir: String, address: String)?

    override func setUpWithError() throws {
        try super.setUpWithError()
        try LocalRegistry.requireTools()
        if Self.registry == nil {
            let dir = try LocalRegistry.privateDir("registry-push")
            let port = try EngineRegistryTests.freePort()
            Self.registry = (dir, "127.0.0.1:\(port)") // so tearDown stops it even if seeding fails
            try LocalRegistry.start(port: port, dir: dir + "/reg", environment: ["REGISTRY_ACCESSLOG": "1"], ioDir: engine.ioDir)
            let oci = try EngineHarness.imageDir.get() + "/oci"
            try EngineRegistryTests.copy("oci:\(oci):latest", "docker://\(address)/team/base:latest", ioDir: engine.ioDir)
        }
    }

    override class func tearDown() {
        if let r = registry {
            LocalRegistry.discard(r.dir)
            registry = nil
        }
        super.tearDown()
    }

    var address: String { Self.registry?.address ?? "127.0.0.1:1" }

    /// The registry's access log lines for `method` requests whose path starts with `prefix`.
    func logged(_ method: String, _ prefix: String) -> [String] {
        let log = (try? String(contentsOfFile: (Self.registry?.dir ?? "") + "/reg/registry.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init).filter { $0.contains("\"\(method) \(prefix)") }
    }

    func pushedDigest(_ output: String, tag: String) throws -> String {
        String(try XCTUnwrap(output.firstMatch(of: try Regex("\(tag): digest: (sha256:[0-9a-f]{64})"))?.output[1].substring, output))
    }

    /// `--upload-chunk-size` and daemon.json's `upload-chunk-size` take byte counts (k/m/g);
    /// anything else stops berthd before it starts, saying what is wrong.
    func testUploadChunkSizeMustBeAByteCount() throws {
        let berthd = try EngineHarness.binary("berthd")
        XCTAssertTrue(ok(ChildProcess.run(berthd, ["--help"], outputDir: engine.ioDir)).contains("--upload-chunk-size"))
        let flag = ChildProcess.run(berthd, ["--upload-chunk-size", "12q"], outputDir: engine.ioDir)
        XCTAssertEqual(flag.status, 125, "\(flag)")
        XCTAssertTrue(flag.stderr.contains("invalid --upload-chunk-size \"12q\""), flag.stderr)
        for value in ["-1", "\"lots\"", "true"] {
            let file = engine.root + "/bad-daemon.json"
            try Data(#"{"upload-chunk-size": \#(value)}"#.utf8).write(to: URL(fileURLWithPath: file))
            let r = ChildProcess.run(berthd, ["--config-file", file], outputDir: engine.ioDir)
            XCTAssertEqual(r.status, 125, "\(value): \(r)")
            XCTAssertTrue(r.stderr.contains("upload-chunk-size must be a byte count"), "\(value): \(r.stderr)")
        }
    }

    /// An image pulled from team/base and pushed as team/app is mounted, layer and config,
    /// with docker's "Mounted from team/base"; it pulls back with the same digest and ID.
    func testPushMountsBlobsFromTheRepositoryItWasPulledFrom() throws {
        let source = "\(address)/team/base:latest", target = "\(address)/team/app:v1"
        ok(engine.docker(["pull", source], timeout: 120), "pull")
        ok(engine.docker(["tag", source, target]))
        let pushed = ok(engine.docker(["push", target], timeout: 120), "push")
        XCTAssertTrue(pushed.contains("The push refers to repository [\(address)/team/app]"), pushed)
        XCTAssertTrue(pushed.contains(": Mounted from team/base"), pushed)
        XCTAssertFalse(pushed.contains(": Pushed"), "nothing is uploaded: \(pushed)")
        let mounts = logged("POST", "/v2/team/app/blobs/uploads/?mount=")
        XCTAssertEqual(mounts.count, 2, "the layer and the config: \(mounts)")
        XCTAssertTrue(mounts.allSatisfy { $0.contains("from=team%2Fbase") && $0.contains("\" 201 ") }, "\(mounts)")
        XCTAssertEqual(logged("PUT", "/v2/team/app/blobs/uploads/"), [], "no upload was completed")

        let digest = try pushedDigest(pushed, tag: "v1")
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", target]))
        XCTAssertTrue(ok(engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", source])).contains("team/base@\(digest)"),
                      "the pulled manifest is pushed unchanged")
        ok(engine.docker(["rmi", target]))
        let back = ok(engine.docker(["pull", target], timeout: 120), "pull back")
        XCTAssertTrue(back.contains("Digest: \(digest)"), back)
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", target])), id)
    }

    /// A 3 MiB layer of random bytes goes up in 1 MiB PATCHes (the access log shows them), and
    /// the image pulls back with the digest the push reported and the same ID. The image is
    /// also tagged in a repository the registry does not have: the mount is declined (202)
    /// and the blobs go into the sessions those answers opened, with no other POST.
    func testChunkedPushOfALargeLayer() throws {
        let dir = engine.root + "/chunked"
        try FileManager.default.createDirectory(atPath: dir + "/rootfs", withIntermediateDirectories: true)
        let random = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom"))
        defer { try? random.close() }
        try random.readData(ofLength: 3 << 20).write(to: URL(fileURLWithPath: dir + "/rootfs/random.bin"))
        let tar = ChildProcess.run("/bin/tar", ["-C", dir + "/rootfs", "-cf", dir + "/layer.tar", "."], outputDir: engine.ioDir)
        XCTAssertEqual(tar.status, 0, "\(tar)")
        let image = "\(address)/big/random:v1"
        ok(engine.docker(["import", dir + "/layer.tar", image], timeout: 120), "import")
        ok(engine.docker(["tag", image, "\(address)/never/pushed:x"]))
        let pushed = ok(engine.docker(["push", image], timeout: 180), "push")
        XCTAssertTrue(pushed.contains(": Pushed"), pushed)
        XCTAssertFalse(pushed.contains("Mounted from"), pushed)
        let posts = logged("POST", "/v2/big/random/blobs/uploads/")
        XCTAssertEqual(posts.count, 2, "\(posts)")
        XCTAssertTrue(posts.allSatisfy { $0.contains("?mount=sha256%3A") && $0.contains("&from=never%2Fpushed") && $0.contains("\" 202 ") }, "\(posts)")
        let patches = logged("PATCH", "/v2/big/random/blobs/uploads/")
        XCTAssertGreaterThanOrEqual(patches.count, 3, "a 3 MiB layer in 1 MiB chunks: \(patches)")
        XCTAssertTrue(patches.allSatisfy { $0.contains("\" 202 ") }, "\(patches)")
        XCTAssertEqual(logged("PUT", "/v2/big/random/blobs/uploads/").count, 2, "the layer's closing PUT and the config's")

        let digest = try pushedDigest(pushed, tag: "v1")
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", image]))
        ok(engine.docker(["rmi", image, "\(address)/never/pushed:x"]))
        XCTAssertNotEqual(engine.docker(["image", "inspect", id]).status, 0, "the image is gone before the pull")
        let back = ok(engine.docker(["pull", image], timeout: 180), "pull back")
        XCTAssertTrue(back.contains("Digest: \(digest)"), back)
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", image])), id)
        ok(engine.docker(["rmi", image]))
    }
}
