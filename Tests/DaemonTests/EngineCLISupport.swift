import Foundation
import XCTest

/// What the `berth` CLI tests share: running our CLI and the docker CLI side by side, and a
/// terminal for the interactive verbs.
extension EngineTestCase {
    /// `berth args`, asserting success; the trimmed stdout.
    @discardableResult
    func berthOK(_ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        ok(try engine.berth(args, stdin: stdin), "berth \(args.joined(separator: " "))", file: file, line: line)
    }

    /// `berth args`, asserting the exit status; the whole result.
    @discardableResult
    func berthExpect(_ status: Int32, _ args: [String], stdin: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws -> ChildResult {
        let r = try engine.berth(args, stdin: stdin)
        XCTAssertEqual(r.status, status, "berth \(args.joined(separator: " ")): \(r)", file: file, line: line)
        return r
    }

    /// Runs the same command through `berth` and `docker` and asserts they print the same
    /// stdout and end the same way; `stderr` compares the error text too, with `docker`
    /// read as `berth`. Outputs that hold a relative time ("Up 2 seconds") may change between
    /// the two runs, so a mismatch is retried a few times before it counts. Returns berth's result.
    /// `parallel` runs the two at once, for commands that change nothing.
    @discardableResult
    func sameAsDocker(_ args: [String], stderr: Bool = false, stdin: String? = nil, parallel: Bool = false,
                      file: StaticString = #filePath, line: UInt = #line) throws -> ChildResult {
        let berthPath = try EngineHarness.binary("berth")
        let engine = self.engine!
        func both() -> (ChildResult, ChildResult) {
            guard parallel else { return ((try? engine.berth(args, stdin: stdin)) ?? ChildResult(status: -1, stdout: "", stderr: berthPath, timedOut: false),
                                          engine.docker(args, stdin: stdin)) }
            let docker = Box<ChildResult>()
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) { docker.value = engine.docker(args, stdin: stdin) }
            let b = (try? engine.berth(args, stdin: stdin)) ?? ChildResult(status: -1, stdout: "", stderr: berthPath, timedOut: false)
            group.wait()
            return (b, docker.value ?? ChildResult(status: -1, stdout: "", stderr: "", timedOut: false))
        }
        var (b, d) = both()
        func agree() -> Bool {
            b.status == d.status && b.stdout == d.stdout
                && (!stderr || b.stderr == d.stderr.replacingOccurrences(of: "docker", with: "berth"))
        }
        for _ in 0..<3 where !agree() {
            usleep(200_000)
            (b, d) = both()
        }
        let cmd = args.joined(separator: " ")
        XCTAssertEqual(b.status, d.status, "exit status of `\(cmd)`: berth \(b)\ndocker \(d)", file: file, line: line)
        XCTAssertEqual(b.stdout, d.stdout, "stdout of `\(cmd)`", file: file, line: line)
        if stderr {
            XCTAssertEqual(b.stderr, d.stderr.replacingOccurrences(of: "docker", with: "berth"), "stderr of `\(cmd)`", file: file, line: line)
        }
        return b
    }

    /// `berth inspect -f template name`, trimmed (the error text when it fails).
    func field(_ template: String, _ name: String) -> String {
        guard let r = try? engine.berth(["inspect", "-f", template, name]) else { return "<berth is not built>" }
        return r.status == 0 ? r.out : "<inspect failed: \(r)>"
    }

    /// A private directory under the engine's root, gone with it.
    func scratchDirectory(_ tag: String) throws -> String {
        let dir = engine.root + "/\(tag)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `program args` on a fresh terminal through Tests/fixtures/pty-run.py (`size` rows x
    /// columns); `steps` are its `--send-after`/`--resize-after` pairs, in order. Returns the
    /// result and the transcript with `\r\n` read as `\n`.
    func onTerminal(_ program: String, _ args: [String], environment: [String: String],
                    size: String = "24x80", steps: [String] = [], timeout: TimeInterval = 20) -> (ChildResult, String) {
        let transcript = engine.ioDir + "/pty-\(UUID().uuidString.prefix(8))"
        defer { unlink(transcript) }
        let ptyArgs = [Binaries.fixtures + "/pty-run.py", "--timeout", String(Int(timeout)), "--size", size] + steps
            + [transcript, program] + args
        let r = ChildProcess.run("/usr/bin/env", ["python3"] + ptyArgs, environment: environment,
                                 outputDir: engine.ioDir, timeout: timeout + 10)
        let raw = (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? ""
        return (r, raw.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    /// Seconds since the epoch, as the docker CLI's --since/--until take them.
    func unixNow() -> Double { Date().timeIntervalSince1970 }
}

/// A value one thread sets and another reads after a DispatchGroup wait.
final class Box<T>: @unchecked Sendable {
    var value: T?
}
