import Glibc
import LinuxSys
import XCTest
@testable import Archive

final class GzipTests: ArchiveTestCase {
    /// Compressible but not trivial: a few MB that cross many buffer boundaries.
    private func sample(_ count: Int) -> [UInt8] {
        var x: UInt32 = 2463534242
        return (0..<count).map { i in
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            return i % 7 == 0 ? UInt8(truncatingIfNeeded: x) : UInt8(truncatingIfNeeded: i / 97)
        }
    }

    private func gzip(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        let out = BytesSink()
        let gz = GzipSink(out, level: level)
        // Odd-sized writes: the sink must not depend on how it is fed.
        var i = 0
        while i < data.count {
            let n = min(70_001, data.count - i)
            try data[i..<(i + n)].withUnsafeBytes { try gz.write($0) }
            i += n
        }
        try gz.finish()
        return out.bytes
    }

    func testRoundTrip() throws {
        let data = sample(3_000_000)
        let compressed = try gzip(data)
        XCTAssertLessThan(compressed.count, data.count)
        XCTAssertEqual(Compression.detect(prefix: Array(compressed.prefix(6))), .gzip)
        XCTAssertEqual(try GzipSource(BytesSource(compressed), bufferSize: 4096).readAll(), data)
        XCTAssertEqual(try gzip([]).count > 0, true)
        XCTAssertEqual(try GzipSource(BytesSource(try gzip([]))).readAll(), [])
    }

    func testSinkOutputReadsWithGzipTool() throws {
        let data = sample(1_500_000)
        try withFileSink(tmp + "/a.gz") { sink in
            let gz = GzipSink(sink, level: 1)
            try data.withUnsafeBytes { try gz.write($0) }
            try gz.finish()
        }
        try sh("gzip -t \(tmp)/a.gz && gzip -dc \(tmp)/a.gz > \(tmp)/a")
        XCTAssertEqual(try FileIO.read(path: tmp + "/a"), data)
    }

    func testSourceReadsGzipToolOutputAndConcatenatedMembers() throws {
        let one = sample(900_000), two = Array("second member\n".utf8)
        try write(tmp + "/one", one)
        try write(tmp + "/two", two)
        try sh("gzip -c -9 \(tmp)/one > \(tmp)/both.gz && gzip -c \(tmp)/two >> \(tmp)/both.gz")
        let (src, fd) = try fileSource(tmp + "/both.gz")
        defer { close(fd) }
        XCTAssertEqual(try GzipSource(src).readAll(), one + two)
    }

    func testTruncatedAndCorruptStreams() throws {
        let compressed = try gzip(sample(200_000))
        assertThrows(.truncated, containing: "unexpected end") {
            _ = try GzipSource(BytesSource(Array(compressed.prefix(compressed.count / 2)))).readAll()
        }
        var corrupt = compressed
        for i in 100..<140 { corrupt[i] ^= 0x5a }
        assertThrows(.corruptCompression, containing: "gzip") { _ = try GzipSource(BytesSource(corrupt)).readAll() }
        assertThrows(.corruptCompression, containing: "gzip") {
            _ = try GzipSource(BytesSource(compressed + Array("trailing junk".utf8))).readAll()
        }
    }

    func testDetectAndWrap() throws {
        XCTAssertEqual(Compression.detect(prefix: [0x28, 0xb5, 0x2f, 0xfd, 0, 0]), .zstd)
        XCTAssertEqual(Compression.detect(prefix: Array("BZh91A".utf8)), .bzip2)
        XCTAssertEqual(Compression.detect(prefix: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), .xz)
        XCTAssertEqual(Compression.detect(prefix: Array("etc/pa".utf8)), .none)
        XCTAssertEqual(Compression.detect(prefix: [0x1f]), .none)

        let plain = Array("not compressed at all".utf8)
        XCTAssertEqual(try Compression.wrap(BytesSource(plain)).readAll(), plain)
        XCTAssertEqual(try Compression.wrap(BytesSource([1, 2])).readAll(), [1, 2])
        XCTAssertEqual(try Compression.wrap(BytesSource(try gzip(plain))).readAll(), plain)

        // A zstd frame header and nothing after it: decoded, and found truncated.
        assertThrows(.truncated, containing: "zstd: unexpected end") {
            _ = try Compression.wrap(BytesSource([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00, 0x01])).readAll()
        }
        assertThrows(.unsupported, containing: "unsupported compression: xz") {
            _ = try Compression.wrap(BytesSource([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]))
        }
        // A real zstd-compressed tar (two frames back to back, as `cat a.zst b.zst` makes)
        // applies like any layer; cut short or corrupted it is a clear error.
        guard access("/usr/bin/zstd", X_OK) == 0 else { throw XCTSkip("zstd is not installed (make deps installs it)") }
        try write(tmp + "/f", String(repeating: "zstd layer ", count: 50_000))
        try sh("tar -C \(tmp) -cf \(tmp)/f.tar f && head -c 100000 \(tmp)/f.tar | zstd -q -c > \(tmp)/f.tar.zst "
               + "&& tail -c +100001 \(tmp)/f.tar | zstd -q -c >> \(tmp)/f.tar.zst")
        let (src, fd) = try fileSource(tmp + "/f.tar.zst")
        defer { close(fd) }
        let out = try dir("zst")
        _ = try LayerApplier.apply(src, to: out)
        XCTAssertEqual(try read(out + "/f"), String(repeating: "zstd layer ", count: 50_000))
        let whole = try FileIO.read(path: tmp + "/f.tar.zst")
        XCTAssertEqual(try Compression.wrap(BytesSource(whole)).readAll(),
                       try FileIO.read(path: tmp + "/f.tar"))
        assertThrows(.truncated, containing: "zstd: unexpected end") {
            _ = try Compression.wrap(BytesSource(Array(whole.prefix(whole.count / 3)))).readAll()
        }
        var corrupt = whole
        for i in 20..<60 { corrupt[i] ^= 0x5a }
        assertThrows(.corruptCompression, containing: "zstd: decompressing") {
            _ = try Compression.wrap(BytesSource(corrupt)).readAll()
        }
    }

    /// Without the CRC check the gzip framing is read here: every optional header field,
    /// concatenated members, a truncated trailer and a wrong length must come out as zlib's
    /// own reading of them does.
    func testWithoutChecksumReadsTheFramingItself() throws {
        let one = sample(700_000), two = Array("second member\n".utf8)
        try write(tmp + "/one", one)
        try write(tmp + "/two", two)
        // gzip -N writes FNAME; Python adds FEXTRA, FCOMMENT and FHCRC to the second member.
        try sh("""
            gzip -c -N -9 \(tmp)/one > \(tmp)/both.gz && python3 -c '
            import struct, sys, zlib, binascii
            data = open(sys.argv[1], "rb").read()
            c = zlib.compressobj(6, zlib.DEFLATED, -15); body = c.compress(data) + c.flush()
            head = bytes([0x1f, 0x8b, 8, 4 | 8 | 16 | 2]) + bytes(6) + struct.pack("<H", 3) + b"xyz" + b"name\\0" + b"comment\\0"
            head += struct.pack("<H", binascii.crc32(head) & 0xffff)
            sys.stdout.buffer.write(head + body + struct.pack("<II", binascii.crc32(data), len(data)))
            ' \(tmp)/two >> \(tmp)/both.gz
            """)
        let both = try FileIO.read(path: tmp + "/both.gz")
        XCTAssertEqual(try GzipSource(BytesSource(both)).readAll(), one + two, "zlib's own reading")
        XCTAssertEqual(try GzipSource(BytesSource(both), bufferSize: 4096, checksum: false).readAll(), one + two)
        XCTAssertEqual(try Compression.wrap(BytesSource(both), checksum: false).readAll(), one + two)
        // A bad CRC passes (the caller hashes the data), a bad length does not.
        var badCRC = both
        badCRC[badCRC.count - 8] ^= 1
        XCTAssertEqual(try GzipSource(BytesSource(badCRC), checksum: false).readAll(), one + two)
        var badLength = both
        badLength[badLength.count - 4] ^= 1
        assertThrows(.corruptCompression, containing: "incorrect length") {
            _ = try GzipSource(BytesSource(badLength), checksum: false).readAll()
        }
        assertThrows(.truncated, containing: "unexpected end") {
            _ = try GzipSource(BytesSource(Array(both.dropLast(3))), checksum: false).readAll()
        }
        assertThrows(.truncated, containing: "unexpected end") {
            _ = try GzipSource(BytesSource(Array(both.prefix(5))), checksum: false).readAll()
        }
        var badFlags = both
        badFlags[3] |= 0x20
        assertThrows(.corruptCompression, containing: "header flags") {
            _ = try GzipSource(BytesSource(badFlags), checksum: false).readAll()
        }
        assertThrows(.corruptCompression, containing: "gzip") {
            _ = try GzipSource(BytesSource(both + Array("trailing junk".utf8)), checksum: false).readAll()
        }
        XCTAssertEqual(try GzipSource(BytesSource(try gzip([])), checksum: false).readAll(), [])
    }
}
