import Foundation
import Glibc
import XCTest
import Digest
import LinuxSys

/// Both block functions against FIPS 180-2 vectors, odd chunkings and coreutils' sha256sum.
final class SHA256Tests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/digest-tests.XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw SyscallError("mkdtemp", "/tmp") }
        dir = String(cString: p)
    }

    override func tearDown() { if !dir.isEmpty { FileIO.removeAll(dir) } }

    private static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        // 55, 56 and 64 bytes: the padding needs one block, two blocks, one more block.
        (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
    ]

    private func implementations() -> [SHA256.Implementation] {
        SHA256.hardwareAccelerated ? [.portable, .shaExtensions] : [.portable]
    }

    func testThisMachineUsesTheSHAExtensions() throws {
        let cpuinfo = try FileIO.readString("/proc/cpuinfo")
        XCTAssertEqual(SHA256.hardwareAccelerated, cpuinfo.contains(" sha_ni"))
        if SHA256.hardwareAccelerated {
            XCTAssertEqual(SHA256().implementation, .shaExtensions)
            XCTAssertEqual(SHA256(implementation: .shaExtensions)?.implementation, .shaExtensions)
        } else {
            XCTAssertNil(SHA256(implementation: .shaExtensions))
        }
        XCTAssertEqual(SHA256(implementation: .portable)?.implementation, .portable)
    }

    func testKnownVectorsWithEachImplementation() throws {
        for impl in implementations() {
            for (input, expected) in Self.vectors {
                var h = try XCTUnwrap(SHA256(implementation: impl))
                h.update(input)
                XCTAssertEqual(h.hex, expected, "\(impl) on \(input.count) bytes")
                XCTAssertEqual(h.count, Int64(input.utf8.count))
            }
        }
        XCTAssertEqual(Digest.sha256(of: "abc").encoded, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testChunkingDoesNotChangeTheHash() throws {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var reference = try XCTUnwrap(SHA256(implementation: .portable))
        reference.update(data)
        let expected = reference.finalize()
        for impl in implementations() {
            for maxChunk in [1, 7, 63, 64, 65, 1000, 4096] {
                var h = try XCTUnwrap(SHA256(implementation: impl))
                var i = 0
                while i < data.count {
                    let n = min(Int.random(in: 1...maxChunk, using: &rng), data.count - i)
                    data[i..<(i + n)].withUnsafeBytes { h.update($0) }
                    i += n
                }
                XCTAssertEqual(h.finalize(), expected, "\(impl), chunks up to \(maxChunk)")
            }
        }
    }

    func testFinalizeLeavesTheHasherUsable() {
        var h = SHA256()
        h.update("ab")
        _ = h.finalize()
        h.update("c")
        XCTAssertEqual(h.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testMultiMegabyteFileAgainstSha256sum() throws {
        let path = dir + "/random.bin"
        let size = 7 * 1024 * 1024 + 13
        let data = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom")).read(upToCount: size) ?? Data()
        XCTAssertEqual(data.count, size)
        try data.write(to: URL(fileURLWithPath: path))

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let expected = String(text.prefix(64))

        for impl in implementations() {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            XCTAssertGreaterThanOrEqual(fd, 0)
            defer { close(fd) }
            var h = try XCTUnwrap(SHA256(implementation: impl))
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 100_003, alignment: 16)
            defer { buf.deallocate() }
            while true {
                let n = Glibc.read(fd, buf.baseAddress, buf.count)
                XCTAssertGreaterThanOrEqual(n, 0)
                if n <= 0 { break }
                h.update(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            }
            XCTAssertEqual(h.hex, expected, "\(impl)")
            XCTAssertEqual(h.count, Int64(size))
        }

        // The streaming tap gives the same answer.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        let tap = DigestingSource(FDSource(fd: fd))
        let sink = DigestingSink(BytesSink())
        try tap.copy(to: sink, bufferSize: 12345)
        XCTAssertEqual(tap.digest.hex, expected)
        XCTAssertEqual(sink.digest.hex, expected)
        XCTAssertEqual(tap.count, Int64(size))
        XCTAssertEqual(sink.count, Int64(size))
    }
}
