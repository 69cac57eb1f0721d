import Foundation
import XCTest

/// Running berth-ctl against a test's supervisor, and collecting what the daemons trace.
extension SupervisorTestCase {
    var ctlPath: String { get throws { try Self.require(Binaries.ctl) } }

    /// `berth-ctl --address <daemon> args...` to completion.
    @discardableResult
    func ctl(_ daemon: SupervisorDaemon, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws -> ChildResult {
        run(try ctlPath, ["--address", daemon.address] + args, stdin: stdin, timeout: timeout)
    }

    /// Like `ctl`, failing the test unless the exit status is `status`.
    @discardableResult
    func ctlExpect(_ status: Int32, _ daemon: SupervisorDaemon, _ args: [String], stdin: String? = nil,
                   file: StaticString = #filePath, line: UInt = #line) throws -> ChildResult {
        let r = try ctl(daemon, args, stdin: stdin)
        XCTAssertEqual(r.status, status, "berth-ctl \(args.joined(separator: " ")): \(r)", file: file, line: line)
        return r
    }

    /// A stand-in for berth-shim that runs the real one with `--log <dir>/shim-<pid>.log`, so a
    /// test sees every shim's own log and --trace lines (the supervisor sends them nowhere).
    func shimLoggingWrapper() throws -> (wrapper: String, logDir: String) {
        let shim = try Self.require(Binaries.shim)
        let dir = try sandbox.makeDirectory("shimlogs")
        let wrapper = dir + "/berth-shim"
        let script = "#!/bin/sh\nexec '\(shim)' \"$@\" --log '\(dir)'/shim-$$.log\n"
        try script.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        return (wrapper, dir)
    }

    /// The files in `dir` whose names end in `suffix`.
    func files(in dir: String, endingWith suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(suffix) }.sorted().map { "\(dir)/\($0)" }
    }
}

/// Tests/fixtures/validate-frames.py, run on trace files.
enum FrameValidator {
    static let script = Binaries.fixtures + "/validate-frames.py"
    static let schemas = ["shim", "supervisor"].map { Binaries.packageRoot + "/Protocols/\($0).v1.schema.json" }

    struct Report {
        let status: Int32
        let errors: String
        let summary: [String: Any]
        var invalid: Int { summary["invalid"] as? Int ?? -1 }
        var frames: Int { summary["frames"] as? Int ?? 0 }
        func methods(_ proto: String) -> Set<String> { names("methods", proto) }
        func events(_ proto: String) -> Set<String> { names("events", proto) }
        private func names(_ kind: String, _ proto: String) -> Set<String> {
            Set(((summary[kind] as? [String: Any])?[proto] as? [String: Any] ?? [:]).keys)
        }
    }

    /// Validates every frame in `files` (daemon logs: other lines are skipped) against `schemas`.
    static func validate(_ files: [String], schemas: [String] = schemas, outputDir: String) throws -> Report {
        let r = ChildProcess.run("/usr/bin/env", ["python3", script, "--json", "--skip-non-frames"] + schemas + files,
                                 outputDir: outputDir, timeout: 120)
        guard let data = r.stdout.data(using: .utf8), let summary = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError("validate-frames.py printed no summary: \(r)")
        }
        return Report(status: r.status, errors: r.stderr, summary: summary)
    }
}
