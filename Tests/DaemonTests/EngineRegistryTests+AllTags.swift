import Foundation
import XCTest

/// `docker pull -a` and `berth pull -a`: berthd pulls every tag the registry lists
/// (`GET /v2/<name>/tags/list`) when `/images/create` gets neither tag nor digest, as dockerd.
extension EngineRegistryTests {
    func testPullAllTags() throws {
        let oci = try EngineHarness.imageDir.get() + "/oci"
        for tag in ["one", "two"] {
            try Self.copy("oci:\(oci):latest", "docker://\(address)/tagged:\(tag)", ioDir: engine.ioDir)
        }
        let repo = "\(address)/tagged"
        func localTags() -> [String] {
            ok(engine.docker(["images", "--format", "{{.Tag}}", repo])).split(separator: "\n").map(String.init).sorted()
        }
        XCTAssertEqual(localTags(), [])
        let pulled = ok(engine.docker(["pull", "-a", repo], timeout: 120), "docker pull -a")
        XCTAssertTrue(pulled.contains("Pulling from tagged"), pulled)
        XCTAssertEqual(localTags(), ["one", "two"])
        ok(engine.docker(["rmi", repo + ":one", repo + ":two"]))

        let berth = try EngineHarness.binary("berth")
        let env = ["BERTH_HOST": engine.host]
        let r = ChildProcess.run(berth, ["pull", "--all-tags", repo], environment: env, outputDir: engine.ioDir, timeout: 120)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.out.split(separator: "\n").last.map(String.init), repo, r.out)
        XCTAssertEqual(localTags(), ["one", "two"])

        let withTag = ChildProcess.run(berth, ["pull", "-a", repo + ":one"], environment: env, outputDir: engine.ioDir)
        XCTAssertNotEqual(withTag.status, 0)
        XCTAssertTrue(withTag.stderr.contains("tag can't be used with --all-tags/-a"), "\(withTag)")
        let missing = ChildProcess.run(berth, ["pull", "-a", "\(address)/nothing-here"], environment: env, outputDir: engine.ioDir)
        XCTAssertNotEqual(missing.status, 0, "\(missing)")
        ok(engine.docker(["rmi", repo + ":one", repo + ":two"]))
    }
}
