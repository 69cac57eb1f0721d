import Foundation
import XCTest

/// The global --log and --log-format flags: a failing command appends its error to the log file,
/// as JSON lines or as logrus-style text, the way runc does (containerd-shim reads these files).
final class LoggingTests: RuntimeTestCase {
    private func logFile() throws -> URL {
        try env.makeDirectory("log").appendingPathComponent("runtime.log")
    }

    private func lines(of file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func testJSONLogOfAFailingCommand() throws {
        let log = try logFile()
        let first = env.uniqueID("nosuch")
        let second = env.uniqueID("nosuch")
        for id in [first, second] {
            let result = runtime(["--log", log.path, "--log-format", "json", "start", id])
            XCTAssertNotEqual(result.status, 0, "start of unknown \(id): \(result)")
        }
        let entries = lines(of: log)
        XCTAssertEqual(entries.count, 2, "one line per failing command, appended: \(entries)")
        for (index, line) in entries.enumerated() {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? JSONObject,
                                       "a JSON object per line: \(line)")
            XCTAssertEqual(object["level"] as? String, "error", line)
            let message = try XCTUnwrap(object["msg"] as? String, "a msg field: \(line)")
            XCTAssertFalse(message.isEmpty)
            XCTAssertNotNil(object["time"] as? String, "a time field: \(line)")
            // runc 1.1.5 says only "container does not exist".
            if isBerth { XCTAssertTrue(message.contains(index == 0 ? first : second), "the error names the container: \(line)") }
        }
    }

    func testTextLogOfAFailingCommand() throws {
        let log = try logFile()
        try Data("earlier line\n".utf8).write(to: log)
        let id = env.uniqueID("nosuch")
        let result = runtime(["--log", log.path, "--log-format", "text", "start", id])
        XCTAssertNotEqual(result.status, 0, result.description)
        let entries = lines(of: log)
        XCTAssertEqual(entries.first, "earlier line", "the log is appended to, not truncated: \(entries)")
        XCTAssertEqual(entries.count, 2, "\(entries)")
        let line = entries.last ?? ""
        // crun 1.8.1 writes the bare message in text format.
        if !isCrun {
            XCTAssertTrue(line.contains("level=error"), line)
            XCTAssertTrue(line.contains("msg="), line)
            XCTAssertTrue(line.contains("time="), line)
        }
        if isBerth { XCTAssertTrue(line.contains(id), "the error names the container: \(line)") }
    }

    func testSucceedingCommandLogsNoError() throws {
        let log = try logFile()
        let result = runtime(["--log", log.path, "--log-format", "json", "list"])
        XCTAssertEqual(result.status, 0, result.description)
        XCTAssertFalse(lines(of: log).contains { $0.contains("\"error\"") }, "\(lines(of: log))")
    }

    func testInvalidLogFormatIsRefused() throws {
        let log = try logFile()
        let result = runtime(["--log", log.path, "--log-format", "yaml", "list"])
        XCTAssertNotEqual(result.status, 0, "--log-format yaml must be refused: \(result)")
        if isBerth { XCTAssertTrue(result.stderr.contains("yaml"), result.stderr) }
    }
}
