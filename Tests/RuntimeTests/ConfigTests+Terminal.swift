import Foundation
import XCTest

/// process.terminal through --console-socket: the runtime hands the pty master to
/// Tests/fixtures/console-receiver.py, which records what the container writes.
extension ConfigTests {
    func testTerminalThroughConsoleSocket() throws {
        let dir = try env.makeDirectory("console")
        let socket = dir.appendingPathComponent("console.sock")
        let transcript = dir.appendingPathComponent("transcript")
        let receiverScript = RuntimeUnderTest.fixtures.appendingPathComponent("console-receiver.py").path
        let receiver = try Command("/usr/bin/env", ["python3", receiverScript, socket.path, transcript.path, "20"],
                                   outputDir: env.ioDir)
        try receiver.start()
        defer { receiver.terminate() }
        XCTAssertTrue(eventually { FileManager.default.fileExists(atPath: socket.path) }, "console receiver listens")

        let id = newID("tty")
        let bundle = try makeBundle(["sh", "-c", "tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-ttys"])
        bundle["process.terminal"] = true
        bundle["process.consoleSize"] = ["height": 30, "width": 100] as JSONObject
        let created = try create(id, bundle, extra: ["--console-socket", socket.path])
        XCTAssertEqual(created.status, 0, created.description)
        XCTAssertEqual(runtime(["start", id]).status, 0)
        XCTAssertTrue(waitForStatus(id, "stopped"))

        let received = receiver.wait(timeout: 20)
        XCTAssertEqual(received.status, 0, "console receiver: \(received)")
        let text = ((try? String(contentsOf: transcript, encoding: .utf8)) ?? "").replacingOccurrences(of: "\r", with: "")
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, "transcript: \(text.debugDescription)")
        XCTAssertTrue(["/dev/pts/0", "/dev/console"].contains(lines.first ?? ""), "tty: \(text.debugDescription)")
        XCTAssertEqual(lines.dropFirst().first, "30 100", "stty size is the consoleSize")
        XCTAssertEqual(lines.last, "all-ttys", "stdin, stdout and stderr are the terminal")
        XCTAssertEqual(runtime(["delete", id]).status, 0)
    }
}
