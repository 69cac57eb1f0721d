import Foundation
import XCTest

/// `docker logs` and `attach --logs` as berthd reads them back from the json-file log:
/// escaped and non-ASCII output, lines of both streams across many output batches,
/// a last line without a newline, and a followed log that ends with the container.
final class EngineLogsTests: EngineTestCase {
    func testEscapedAndNonASCIIOutputComesBackByteForByte() throws {
        let name = "esc-\(getpid())"
        // Quotes, backslash, tab, <>&, a control byte, é, an emoji (a surrogate pair in JSON
        // escapes), and an invalid byte, which the log stores as U+FFFD as Docker does.
        let script = #"printf 'q"uote\\back\ttab <a&b> \001ctl \303\251 \360\237\230\200 bad\377end\n'; printf 'last line, no newline'"#
        ok(engine.docker(["run", "--name", name, "busybox", "sh", "-c", script]))
        let logs = engine.docker(["logs", name])
        XCTAssertEqual(logs.status, 0, "\(logs)")
        XCTAssertEqual(logs.stdout, "q\"uote\\back\ttab <a&b> \u{1}ctl \u{e9} \u{1F600} bad\u{FFFD}end\nlast line, no newline")
    }

    func testManyLinesOfBothStreamsStaySeparateAndInOrder() throws {
        let name = "many-\(getpid())"
        // Well over one 64 KiB output batch of each stream.
        ok(engine.docker(["run", "--name", name, "busybox", "sh", "-c",
                          "i=0; while [ $i -lt 6000 ]; do echo out-$i-padding-padding; echo err-$i >&2; i=$((i+1)); done"]),
           "writer")
        let logs = engine.docker(["logs", name], timeout: 120)
        XCTAssertEqual(logs.status, 0, "\(logs.stderr.prefix(500))")
        XCTAssertEqual(logs.stdout, (0..<6000).map { "out-\($0)-padding-padding\n" }.joined())
        XCTAssertEqual(logs.stderr, (0..<6000).map { "err-\($0)\n" }.joined())
        // The last two entries of the log, whichever streams they came from: the shim reads
        // stdout and stderr on their own threads, so the log interleaves them as they came.
        let tail = engine.docker(["logs", "--tail", "2", name])
        let outs = tail.stdout.split(separator: "\n").map(String.init), errs = tail.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(outs.count + errs.count, 2, "\(tail)")
        XCTAssertEqual(outs, (0..<6000).suffix(outs.count).map { "out-\($0)-padding-padding" }, "\(tail)")
        XCTAssertEqual(errs, (0..<6000).suffix(errs.count).map { "err-\($0)" }, "\(tail)")
        // The Python SDK reads the same stream through attach with logs=1.
        let sdk = engine.python("c = client.containers.get('\(name)')\n"
                                + "data = c.attach(stdout=True, stderr=False, logs=True, stream=False)\n"
                                + "print(len(data), data.count(b'\\n'), data.endswith(b'out-5999-padding-padding\\n'))")
        let bytes: Int = (0..<6000).map { "out-\($0)-padding-padding\n".utf8.count }.reduce(0, +)
        XCTAssertEqual(sdk.out, "\(bytes) 6000 True", "\(sdk)")
    }

    func testFollowedLogsEndWithTheContainer() throws {
        let name = "follow-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", "echo first; sleep 1; echo second"]))
        let started = Date()
        let logs = engine.docker(["logs", "-f", name], timeout: 30)
        XCTAssertEqual(logs.status, 0, "\(logs)")
        XCTAssertEqual(logs.stdout, "first\nsecond\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }
}
