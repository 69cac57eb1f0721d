import Foundation
import XCTest

/// `berth pull` draws per-layer lines in place on a terminal (docker's jsonmessage: cursor up,
/// erase line) and prints plain lines when stdout is not a terminal.
extension EngineRegistryTests {
    func testPullProgressOnATerminalAndOff() throws {
        // An image with a layer of its own, so that pulling it back extracts (and completes) a layer.
        let image = "\(address)/progress:v1"
        let name = "progress-\(getpid())"
        ok(engine.docker(["run", "--name", name, "busybox", "sh", "-c", "echo \(UUID().uuidString) > /unique"]))
        ok(engine.docker(["commit", name, image]))
        ok(engine.docker(["rm", name]))
        ok(engine.docker(["push", image], timeout: 60))
        ok(engine.docker(["rmi", image]))
        let berth = try EngineHarness.binary("berth")
        let env = ["BERTH_HOST": engine.host]
        let (r, screen) = onTerminal(berth, ["pull", image], environment: env, size: "24x120", timeout: 60)
        XCTAssertEqual(r.status, 0, "\(r) \(screen.debugDescription)")
        XCTAssertTrue(screen.contains("Pull complete"), screen.debugDescription)
        XCTAssertTrue(screen.contains("\u{1B}[2K\r"), "each layer line is erased before it is redrawn: \(screen.debugDescription)")
        XCTAssertNotNil(screen.range(of: "\u{1B}\\[[0-9]+A", options: .regularExpression), screen.debugDescription)
        XCTAssertTrue(screen.hasSuffix(image + "\n"), screen.debugDescription)

        ok(engine.docker(["rmi", image]))
        let plain = ChildProcess.run(berth, ["pull", image], environment: env, outputDir: engine.ioDir, timeout: 60)
        XCTAssertEqual(plain.status, 0, "\(plain)")
        XCTAssertTrue(plain.stdout.contains(": Pull complete\n"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("\u{1B}"), plain.stdout.debugDescription)

        // berth push on a terminal: the layer's line shows docker's bar while it uploads.
        let copy = "\(address)/progress-push-\(getpid()):v1"
        ok(engine.docker(["tag", image, copy]))
        ok(engine.docker(["rmi", image]))
        let (p, pushScreen) = onTerminal(berth, ["push", copy], environment: env, size: "24x120", timeout: 60)
        XCTAssertEqual(p.status, 0, "\(p) \(pushScreen.debugDescription)")
        XCTAssertTrue(pushScreen.contains("Pushing [="), pushScreen.debugDescription)
        XCTAssertTrue(pushScreen.contains("=>]"), pushScreen.debugDescription)
        XCTAssertTrue(pushScreen.contains("Pushed"), pushScreen.debugDescription)
        XCTAssertTrue(pushScreen.contains("v1: digest: sha256:"), pushScreen.debugDescription)
        ok(engine.docker(["rmi", copy]))
    }
}
