import Foundation
import XCTest
import Wire
import ShimAPI

/// The container's stdio through the shim: json-file logs, attach, stdin, TTY.
final class ShimIOTests: ShimTestCase {
    func testJSONFileLogHasOneEntryPerLineWithStreamAndNanoseconds() throws {
        let t = try createdTask("log", ["/bin/sh", "-c", #"echo out1; echo err1 >&2; printf 'q"\\ <x>\t\n'; printf partial"#])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 0)
        // Wait returns once the output has been drained into the log.
        let entries = logEntries(t.logPath)
        let stdout = entries.filter { $0["stream"] as? String == "stdout" }.compactMap { $0["log"] as? String }
        let stderr = entries.filter { $0["stream"] as? String == "stderr" }.compactMap { $0["log"] as? String }
        XCTAssertEqual(stdout, ["out1\n", "q\"\\ <x>\t\n", "partial"], "\(entries)")
        XCTAssertEqual(stderr, ["err1\n"])
        for e in entries {
            let time = e["time"] as? String ?? ""
            XCTAssertNotNil(time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"#, options: .regularExpression), time)
        }
        let raw = (try? String(contentsOfFile: t.logPath, encoding: .utf8)) ?? ""
        // Docker's key order and escaping (stdout and stderr are read apart: no order between them).
        XCTAssertTrue(raw.split(separator: "\n").contains { $0.hasPrefix(#"{"log":"out1\n","stream":"stdout","time":""#) }, raw)
        XCTAssertTrue(raw.contains(#"{"log":"q\"\\ \u003cx\u003e\t\n","stream":"stdout""#), raw)
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testLogRotationKeepsMaxFilesOfMaxSize() throws {
        let id = newID("rotate")
        let bundle = try makeBundle(["/bin/sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"], for: id)
        let shim = try startShim(id)
        let client = try connect(shim)
        let path = "\(sandbox.root)/\(id)-rot.log"
        _ = try client.call(ShimMethod.create, createParams(id, bundle, log: LogConfig(path: path, maxSize: 2000, maxFiles: 3)),
                            PidResult.self)
        _ = try client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        let fm = FileManager.default
        for p in [path, path + ".1", path + ".2"] {
            XCTAssertTrue(fm.fileExists(atPath: p), p)
            let size = (try? fm.attributesOfItem(atPath: p)[.size] as? Int) ?? -1
            XCTAssertLessThanOrEqual(size, 2000, p)
            XCTAssertGreaterThan(size, 0, p)
        }
        XCTAssertFalse(fm.fileExists(atPath: path + ".3"))
        // The newest lines are in the current file, older ones in .1 then .2, in order.
        let all = (logEntries(path + ".2") + logEntries(path + ".1") + logEntries(path)).compactMap { $0["log"] as? String }
        XCTAssertEqual(all.last, "line-299-xxxxxxxxxxxxxxxxxxxx\n")
        let numbers = all.compactMap { Int($0.split(separator: "-")[1]) }
        XCTAssertEqual(numbers, Array((300 - numbers.count)..<300))
        try finish(id, shim, client, bundle: bundle)
    }

    func testAttachReceivesLiveOutput() throws {
        let t = try createdTask("attach", ["/bin/sh", "-c", "sleep 0.5; echo one; echo two >&2; sleep 0.5; echo three"])
        let watcher = try connect(t.shim)
        _ = try watcher.call(ShimMethod.attach, AttachParams(), Empty.self)
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        let output = collectOutput(watcher, until: ["stdout", "stderr"])
        XCTAssertEqual(output["stdout"], "one\nthree\n")
        XCTAssertEqual(output["stderr"], "two\n")
        // The log got the same.
        XCTAssertEqual(logEntries(t.logPath).compactMap { $0["log"] as? String }.sorted(), ["one\n", "three\n", "two\n"])
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testStdinWriteAndClose() throws {
        let t = try createdTask("stdin", ["/bin/cat"], stdin: true)
        let watcher = try connect(t.shim)
        _ = try watcher.call(ShimMethod.attach, AttachParams(stderr: false), Empty.self)
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.writeStdin, WriteStdinParams(data: base64("hello\n")), Empty.self)
        _ = try t.client.call(ShimMethod.writeStdin, WriteStdinParams(data: base64("world\n")), Empty.self)
        _ = try t.client.call(ShimMethod.closeStdin, ProcessRef(), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 0)
        XCTAssertEqual(collectOutput(watcher, until: ["stdout"])["stdout"], "hello\nworld\n")
        assertCode(.failedPrecondition) { _ = try t.client.call(ShimMethod.writeStdin, WriteStdinParams(data: base64("x")), Empty.self) }
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testTTYThroughTheConsoleSocketWithResize() throws {
        let t = try createdTask("tty", ["/bin/sh", "-c", "tty; stty size; read line; echo got-$line"], terminal: true)
        XCTAssertTrue(try t.client.call(ShimMethod.state, ProcessRef(), ProcessState.self).terminal)
        _ = try t.client.call(ShimMethod.resizePty, ResizeParams(width: 123, height: 45), Empty.self)
        let watcher = try connect(t.shim)
        _ = try watcher.call(ShimMethod.attach, AttachParams(), Empty.self)
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.writeStdin, WriteStdinParams(data: base64("abc\n")), Empty.self)
        XCTAssertEqual(try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self).exitStatus, 0)
        let out = (collectOutput(watcher, until: ["stdout"])["stdout"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        XCTAssertTrue(out.contains("/dev/pts/"), out)
        XCTAssertTrue(out.contains("45 123"), out)
        XCTAssertTrue(out.contains("got-abc"), out)
        // With a TTY everything is "stdout" in the log too.
        let streams = Set(logEntries(t.logPath).compactMap { $0["stream"] as? String })
        XCTAssertEqual(streams, ["stdout"])
        // The console socket is gone once the master arrived.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: t.shim.stateDir)) ?? []
        XCTAssertFalse(leftovers.contains { $0.hasSuffix(".sock") }, "\(leftovers)")
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }

    func testAttachAfterTheEndGetsClosedStreams() throws {
        let t = try createdTask("late-attach", ["/bin/echo", "bye"])
        _ = try t.client.call(ShimMethod.start, ProcessRef(), PidResult.self)
        _ = try t.client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        let watcher = try connect(t.shim)
        _ = try watcher.call(ShimMethod.attach, AttachParams(), Empty.self)
        let first = nextEvent(watcher, [ShimEvent.closed, ShimEvent.output], timeout: 5)
        let second = nextEvent(watcher, [ShimEvent.closed, ShimEvent.output], timeout: 5)
        XCTAssertEqual(first?.name, ShimEvent.closed)
        XCTAssertEqual(second?.name, ShimEvent.closed)
        XCTAssertEqual(Set([first?.params["stream"] as? String, second?.params["stream"] as? String]), ["stdout", "stderr"])
        try finish(t.id, t.shim, t.client, bundle: t.bundle)
    }
}
