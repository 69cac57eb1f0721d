import LinuxSys
import XCTest
@testable import APIClient

/// Docker's stdout/stderr multiplexing (stdcopy).
final class StdStreamTests: XCTestCase {
    func testFrameLayout() {
        XCTAssertEqual(StdStream.frame(.stderr, Array("hi".utf8)), [2, 0, 0, 0, 0, 0, 0, 2, 104, 105])
        let big = StdStream.frame(.stdout, [UInt8](repeating: 7, count: 70000))
        XCTAssertEqual(Array(big.prefix(8)), [1, 0, 0, 0, 0, 1, 0x11, 0x70])
    }

    func testFramesSplitAnywhere() throws {
        let stream = StdStream.frame(.stdout, Array("hello ".utf8)) + StdStream.frame(.stderr, Array("oops".utf8))
            + StdStream.frame(.stdout, []) + StdStream.frame(.stdout, Array("world".utf8))
        // Every possible split point, one byte at a time included.
        for cut in 0...stream.count {
            var d = StdStreamDemuxer()
            var got = try d.feed(stream[..<cut]).map { "\($0.0.rawValue):" + String(decoding: $0.1, as: UTF8.self) }
            got += try d.feed(stream[cut...]).map { "\($0.0.rawValue):" + String(decoding: $0.1, as: UTF8.self) }
            XCTAssertEqual(got, ["1:hello ", "2:oops", "1:", "1:world"], "split at \(cut)")
            XCTAssertEqual(d.pendingBytes, 0)
        }
        var d = StdStreamDemuxer()
        for b in stream.prefix(10) { _ = try d.feed([b]) }
        XCTAssertEqual(d.pendingBytes, 10, "an incomplete frame (14 bytes) waits for the rest")
    }

    func testDemultiplexToSinks() throws {
        let stream = StdStream.frame(.stdout, Array("out1\n".utf8)) + StdStream.frame(.stderr, Array("err\n".utf8))
            + StdStream.frame(.stdout, Array("out2\n".utf8))
        let out = BytesSink(), err = BytesSink()
        let counts = try demultiplex(BytesSource(stream), stdout: out, stderr: err)
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), "out1\nout2\n")
        XCTAssertEqual(String(decoding: err.bytes, as: UTF8.self), "err\n")
        XCTAssertEqual(counts.0, 10)
        XCTAssertEqual(counts.1, 4)
    }

    func testSystemErrorAndGarbage() {
        let withError = StdStream.frame(.stdout, Array("a".utf8)) + StdStream.frame(.systemError, Array("container gone".utf8))
        XCTAssertThrowsError(try demultiplex(BytesSource(withError), stdout: BytesSink(), stderr: BytesSink())) {
            XCTAssertEqual("\($0)", "error from daemon in stream: container gone")
        }
        XCTAssertThrowsError(try demultiplex(BytesSource([9, 0, 0, 0, 0, 0, 0, 1, 65]), stdout: nil, stderr: nil)) {
            XCTAssertEqual("\($0)", "Unrecognized input header: 9")
        }
        XCTAssertThrowsError(try demultiplex(BytesSource([1, 0, 0, 0, 0, 0, 0, 5, 65]), stdout: nil, stderr: nil)) {
            XCTAssertEqual("\($0)", "unexpected EOF in multiplexed stream")
        }
    }
}
