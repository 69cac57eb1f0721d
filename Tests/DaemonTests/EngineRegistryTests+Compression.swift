import Foundation
import XCTest

/// Layer compressions: gzip (the seeded busybox), uncompressed tar, and zstd (as Docker 25
/// and containerd pull them).
extension EngineRegistryTests {
    func testUncompressedAndZstdLayers() throws {
        let oci = try EngineHarness.imageDir.get() + "/oci"
        let plain = ChildProcess.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "--format", "oci", "--dest-decompress",
                                                         "oci:\(oci):latest", "docker://\(address)/plain:latest"],
                                     outputDir: engine.ioDir, timeout: 120)
        XCTAssertEqual(plain.status, 0, "\(plain)")
        let image = "\(address)/plain:latest"
        ok(engine.docker(["pull", image], timeout: 120), "pull of an uncompressed layer")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "echo", "tar"])), "tar")

        // busybox plus a zstd layer of new content, pushed byte for byte.
        guard access("/usr/bin/zstd", X_OK) == 0 else { throw XCTSkip("zstd is not installed (make deps installs it)") }
        let layout = engine.root + "/zstd-layout"
        let made = ChildProcess.run("/usr/bin/env", ["python3", Binaries.fixtures + "/oci-variant.py", oci, layout,
                                                     "--layer", "zstd-proof:64", "--compress", "zstd"], outputDir: engine.ioDir)
        XCTAssertEqual(made.status, 0, "\(made)")
        let pushed = ChildProcess.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "--preserve-digests",
                                                          "oci:\(layout):latest", "docker://\(address)/zstd:latest"],
                                      outputDir: engine.ioDir, timeout: 120)
        XCTAssertEqual(pushed.status, 0, "\(pushed)")
        let zimage = "\(address)/zstd:latest"
        let pulled = ok(engine.docker(["pull", zimage], timeout: 120), "pull of a zstd layer")
        XCTAssertTrue(pulled.contains("Pull complete"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", zimage, "wc", "-c", "/zstd-proof"])), "65536 /zstd-proof")
        // Pushed again elsewhere, the layer keeps its zstd blob and media type.
        ok(engine.docker(["tag", zimage, "\(address)/zstd-again:latest"]))
        let again = ok(engine.docker(["push", "\(address)/zstd-again:latest"], timeout: 120))
        let digest = registryDigest("zstd", "latest")
        XCTAssertTrue(again.contains("latest: digest: \(digest)"), "pushed back identical: \(again)")
    }
}
