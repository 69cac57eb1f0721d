import Foundation
import XCTest

/// Layers the store has already: dockerd's "<id>: Already exists", and no download of them.
extension EngineRegistryTests {
    /// Pushes a variant of busybox made by Tests/fixtures/oci-variant.py as `name:latest`.
    func pushVariant(_ name: String, _ options: [String]) throws {
        let oci = try EngineHarness.imageDir.get() + "/oci"
        let layout = (Self.registry?.dir ?? NSTemporaryDirectory()) + "/layout-" + name
        let made = ChildProcess.run("/usr/bin/env", ["python3", Binaries.fixtures + "/oci-variant.py", oci, layout] + options,
                                    outputDir: engine.ioDir)
        guard made.status == 0 else { throw HarnessError("oci-variant.py failed: \(made)") }
        try Self.copy("oci:\(layout):latest", "docker://\(address)/\(name):latest", ioDir: engine.ioDir)
    }

    /// The layers of `repo:latest` as the registry lists them.
    func registryLayers(_ repo: String) throws -> [String] {
        let r = ChildProcess.run("/usr/bin/curl", ["-sf", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                                                   "http://\(address)/v2/\(repo)/manifests/latest"], outputDir: engine.ioDir)
        XCTAssertEqual(r.status, 0, "\(r)")
        let m = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return ((m?["layers"] as? [[String: Any]]) ?? []).compactMap { $0["digest"] as? String }
    }

    func shortID(_ digest: String) -> String { String(digest.dropFirst("sha256:".count).prefix(12)) }

    /// Pulls an image that adds a layer to busybox, and one that is busybox's layer under
    /// another config, after busybox itself. The registry has lost busybox's blob in both
    /// repositories (deleted through the API), so a pull that fetched it would fail.
    func testLayersAlreadyHereAreNotDownloaded() throws {
        let stacked = "\(address)/shared-stacked:latest", other = "\(address)/shared-config:latest"
        defer { engine.docker(["rmi", stacked, other]) }
        try pushVariant("shared-stacked", ["--layer", "fault-data:512"])
        try pushVariant("shared-config", ["--cmd", "echo", "other config"])
        let base = try XCTUnwrap(try registryLayers("busybox").first)
        let top = try XCTUnwrap(try registryLayers("shared-stacked").last)
        XCTAssertEqual(try registryLayers("shared-stacked").first, base)
        XCTAssertEqual(try registryLayers("shared-config"), [base])
        ok(engine.docker(["pull", "\(address)/busybox"], timeout: 120), "pull busybox")

        for repo in ["shared-stacked", "shared-config"] {
            let url = "http://\(address)/v2/\(repo)/blobs/\(base)"
            let del = ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", url], outputDir: engine.ioDir)
            XCTAssertEqual(del.out, "202", "DELETE \(url): \(del)")
            let get = ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url], outputDir: engine.ioDir)
            XCTAssertEqual(get.out, "404", "the registry still serves \(url)")
        }

        let pulled = ok(engine.docker(["pull", stacked], timeout: 120), "pull of busybox plus a layer")
        XCTAssertTrue(pulled.contains("\(shortID(base)): Already exists"), pulled)
        XCTAssertFalse(pulled.contains("\(shortID(base)): Pulling fs layer"), pulled)
        XCTAssertTrue(pulled.contains("\(shortID(top)): Pull complete"), pulled)
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(stacked)"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", stacked, "sh", "-c", "test -s /fault-data && echo both"])), "both")

        // Nothing to download at all, but a new image: every layer is listed, as dockerd does.
        let same = ok(engine.docker(["pull", other], timeout: 120), "pull of busybox's layer under another config")
        XCTAssertTrue(same.contains("\(shortID(base)): Already exists"), same)
        XCTAssertTrue(same.contains("Status: Downloaded newer image for \(other)"), same)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", other])), "other config")
        // The image itself is here: no layer lines at all.
        let again = ok(engine.docker(["pull", other], timeout: 120), "second pull")
        XCTAssertFalse(again.contains("Already exists"), again)
        XCTAssertTrue(again.contains("Status: Image is up to date for \(other)"), again)
    }

    /// A blob listed twice is downloaded once and unpacked as both layers (two chain IDs).
    func testRepeatedLayerIsDownloadedOnceAndUnpackedTwice() throws {
        let image = "\(address)/repeated:latest"
        defer { engine.docker(["rmi", image]) }
        try pushVariant("repeated", ["--layer", "twice-data:300", "--repeat", "2", "--cmd", "echo", "twice"])
        let pulled = ok(engine.docker(["pull", image], timeout: 120), "pull")
        let layers = try registryLayers("repeated")
        XCTAssertEqual(layers.count, 3)
        let short = shortID(layers[2])
        XCTAssertEqual(pulled.components(separatedBy: "\(short): Pulling fs layer").count, 2, "one download: \(pulled)")
        XCTAssertTrue(pulled.contains("\(short): Pull complete"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image])), "twice")
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{len .RootFS.Layers}}", image])), "3")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "sh", "-c", "test -s /twice-data && echo ok"])), "ok")
    }
}
