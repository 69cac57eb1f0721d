import Glibc
import LinuxSys
import XCTest
@testable import Archive

/// A source of a counted pattern in uneven pieces, optionally failing, counting its reads.
private final class PatternSource: ByteSource, @unchecked Sendable {
    let total: Int
    let failAfter: Int?
    private(set) var produced = 0
    private let lock = Lock()
    private(set) var reads = 0

    init(total: Int, failAfter: Int? = nil) {
        self.total = total
        self.failAfter = failAfter
    }

    var readCount: Int { lock.with { reads } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        lock.with { reads += 1 }
        if let failAfter, produced >= failAfter { throw RuntimeError("upstream broke") }
        let n = min(buffer.count, total - produced, 12_345)
        for i in 0..<n { buffer[i] = UInt8(truncatingIfNeeded: (produced + i) % 251) }
        produced += n
        return n
    }
}

final class ReadAheadTests: ArchiveTestCase {
    func testDeliversEverythingInOrder() throws {
        let total = 5_000_000
        let src = ReadAheadSource(PatternSource(total: total), chunkSize: 65536, chunks: 3)
        let all = try src.readAll()
        XCTAssertEqual(all.count, total)
        XCTAssertTrue(all.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset % 251) })
        XCTAssertEqual(try src.readAll(), [])
    }

    func testUpstreamErrorArrivesAfterItsData() throws {
        let src = ReadAheadSource(PatternSource(total: 1_000_000, failAfter: 100_000), chunkSize: 65536)
        var got = 0
        var buf = [UInt8](repeating: 0, count: 10_000)
        do {
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                got += n
            }
            XCTFail("the upstream error was lost")
        } catch {
            XCTAssertEqual("\(error)", "upstream broke")
        }
        XCTAssertGreaterThanOrEqual(got, 100_000)
    }

    func testDroppingItStopsTheThread() throws {
        let upstream = PatternSource(total: Int.max)
        do {
            let src = ReadAheadSource(upstream, chunkSize: 4096, chunks: 2)
            var buf = [UInt8](repeating: 0, count: 100)
            _ = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
        }
        let reads = upstream.readCount
        usleep(100_000)
        XCTAssertEqual(upstream.readCount, reads, "the producer kept reading after the source was released")
    }
}
