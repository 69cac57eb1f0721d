import Foundation
import Glibc
import XCTest
import Wire

/// FrameConnection on its own, over a socketpair.
final class FramingTests: XCTestCase {
    private func pair(maxFrame: Int = FrameConnection.defaultMaxFrame) throws -> (FrameConnection, FrameConnection) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        return (FrameConnection(fd: fds[0], maxFrame: maxFrame), FrameConnection(fd: fds[1], maxFrame: maxFrame))
    }

    func testRoundTripOfManySizes() throws {
        let (a, b) = try pair()
        let sizes = [0, 1, 3, 4, 255, 256, 65535, 65536, 70000, 1 << 20]
        let writer = a
        let done = expectation(description: "writer")
        // Big frames must cross while the reader drains them: write from another thread.
        let payloads = sizes.map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }
        Thread.detachNewThread {
            for p in payloads { try? writer.writeFrame(p) }
            done.fulfill()
        }
        for p in payloads {
            XCTAssertEqual(try b.readFrame(), p)
        }
        wait(for: [done], timeout: 10)
        a.close()
        XCTAssertThrowsError(try b.readFrame()) { e in
            guard case FrameConnection.ReadError.closed = e else { return XCTFail("expected .closed, got \(e)") }
        }
    }

    func testHeaderIsBigEndianLength() throws {
        let (a, b) = try pair()
        try a.writeFrame(Array("{\"x\":1}".utf8))
        var raw = [UInt8](repeating: 0, count: 11)
        XCTAssertEqual(read(b.fd, &raw, 11), 11)
        XCTAssertEqual(Array(raw[0..<4]), [0, 0, 0, 7])
        XCTAssertEqual(String(decoding: raw[4...], as: UTF8.self), "{\"x\":1}")
    }

    func testOversizedHeaderIsRefusedWithoutReadingTheBody() throws {
        let (a, b) = try pair(maxFrame: 100)
        var h: [UInt8] = [0, 0, 0x01, 0x00]   // 256 bytes announced
        XCTAssertEqual(write(a.fd, &h, 4), 4)
        XCTAssertThrowsError(try b.readFrame()) { e in
            guard case FrameConnection.ReadError.tooLarge(256) = e else { return XCTFail("expected .tooLarge(256), got \(e)") }
        }
    }

    func testWriterRefusesAFrameOverItsLimit() throws {
        let (a, _) = try pair(maxFrame: 8)
        XCTAssertThrowsError(try a.writeFrame(Array(repeating: 65, count: 9))) { e in
            XCTAssertEqual((e as? WireError)?.code, .invalidArgument)
        }
    }

    func testTruncatedHeaderAndBodyAreReportedAsTruncated() throws {
        do {
            let (a, b) = try pair()
            var h: [UInt8] = [0, 0]
            XCTAssertEqual(write(a.fd, &h, 2), 2)
            a.close()
            XCTAssertThrowsError(try b.readFrame()) { e in
                guard case FrameConnection.ReadError.truncated = e else { return XCTFail("expected .truncated, got \(e)") }
            }
        }
        do {
            let (a, b) = try pair()
            var h: [UInt8] = [0, 0, 0, 10, 65, 66]
            XCTAssertEqual(write(a.fd, &h, 6), 6)
            a.close()
            XCTAssertThrowsError(try b.readFrame()) { e in
                guard case FrameConnection.ReadError.truncated = e else { return XCTFail("expected .truncated, got \(e)") }
            }
        }
    }

    func testWriteAfterCloseFailsInsteadOfReachingAReusedDescriptor() throws {
        let (a, _) = try pair()
        a.close()
        XCTAssertThrowsError(try a.writeFrame([1, 2, 3])) { e in
            XCTAssertEqual((e as? WireError)?.code, .unavailable)
        }
        a.shutdown()   // must not touch the closed fd either
    }

    func testConcurrentWritersNeverInterleaveFrames() throws {
        let (a, b) = try pair()
        let writers = 8, each = 200
        let group = DispatchGroup()
        for w in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                let body = Array(String(repeating: Character(UnicodeScalar(UInt8(65 + w))), count: 3000).utf8)
                for _ in 0..<each { try? a.writeFrame(body) }
                group.leave()
            }
        }
        var counts = [UInt8: Int]()
        for _ in 0..<(writers * each) {
            let f = try b.readFrame()
            XCTAssertEqual(f.count, 3000)
            XCTAssertTrue(f.allSatisfy { $0 == f[0] }, "a frame mixes bytes of two writers")
            counts[f[0], default: 0] += 1
        }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(counts.count, writers)
        XCTAssertTrue(counts.values.allSatisfy { $0 == each })
    }

    func testTagsAreUniquePerConnectionAndNameTheProcess() throws {
        let (a, b) = try pair()
        XCTAssertNotEqual(a.tag, b.tag)
        XCTAssertTrue(a.tag.hasPrefix("#\(getpid())."), a.tag)
    }
}
