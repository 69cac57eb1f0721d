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
        let made = ChildProcess.run("/usr/bin/env", ["python3", "-c", Self.addZstdLayerScript, oci, layout],
                                    environment: ["BERTH_FIXTURES": Binaries.fixtures], outputDir: engine.ioDir)
        XCTAssertEqual(made.status, 0, "\(made)")
        let pushed = ChildProcess.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "--preserve-digests",
                                                          "oci:\(layout):latest", "docker://\(address)/zstd:latest"],
                                      outputDir: engine.ioDir, timeout: 120)
        XCTAssertEqual(pushed.status, 0, "\(pushed)")
        let zimage = "\(address)/zstd:latest"
        let pulled = ok(engine.docker(["pull", zimage], timeout: 120), "pull of a zstd layer")
        XCTAssertTrue(pulled.contains("Pull complete"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", zimage, "cat", "/zstd-proof"])), "unpacked from zstd")
        // Pushed again elsewhere, the layer keeps its zstd blob and media type.
        ok(engine.docker(["tag", zimage, "\(address)/zstd-again:latest"]))
        let again = ok(engine.docker(["push", "\(address)/zstd-again:latest"], timeout: 120))
        let digest = registryDigest("zstd", "latest")
        XCTAssertTrue(again.contains("latest: digest: \(digest)"), "pushed back identical: \(again)")
    }

    /// Copies an OCI layout and adds a layer (a tar holding /zstd-proof) compressed with the
    /// zstd tool, updating the config's diff_ids and the manifest.
    static let addZstdLayerScript = #"""
import io, os, subprocess, sys, tarfile
sys.path.insert(0, os.environ["BERTH_FIXTURES"])
from oci_layout import Layout
layout = Layout.copy(sys.argv[1], sys.argv[2])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    body = b"unpacked from zstd\n"
    info = tarfile.TarInfo("zstd-proof"); info.size = len(body); info.mode = 0o644
    t.addfile(info, io.BytesIO(body))
layer = buf.getvalue()
compressed = subprocess.run(["zstd", "-q", "-c"], input=layer, stdout=subprocess.PIPE, check=True).stdout
layout.add_layer(layer, compressed, "application/vnd.oci.image.layer.v1.tar+zstd", "zstd layer")
"""#
}
