import XCTest
import Digest
import JSON
import LinuxSys

final class DigestTests: XCTestCase {
    private let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    func testParseValid() throws {
        let d = try Digest(parsing: "sha256:" + hex)
        XCTAssertEqual(d.hex, hex)
        XCTAssertEqual(d.encoded, "sha256:" + hex)
        XCTAssertEqual("\(d)", "sha256:" + hex)
        XCTAssertEqual(d.shortID, "ba7816bf8f01")
        XCTAssertEqual(try Digest(sha256Hex: hex), d)
        XCTAssertEqual(Digest(sha256Bytes: SHA256.hash(Array("abc".utf8))), d)
        XCTAssertNil(Digest(sha256Bytes: [1, 2, 3]))
        XCTAssertTrue(Digest.isValid("sha256:" + hex))
    }

    func testParseInvalid() {
        let cases: [(String, DigestError.Problem)] = [
            ("", .invalidFormat),
            ("sha256", .invalidFormat),
            ("sha256:", .invalidFormat),
            (":" + hex, .invalidFormat),
            ("sha256:abc", .invalidLength),
            ("sha256:" + hex + "00", .invalidLength),
            ("sha256:" + hex.uppercased(), .invalidFormat),
            ("sha256:" + String(hex.dropLast()) + "g", .invalidFormat),
            ("sha512:" + hex, .unsupportedAlgorithm),
            ("md5:abc", .unsupportedAlgorithm),
            ("SHA256:" + hex, .invalidFormat),
            ("sha256+:" + hex, .invalidFormat),
        ]
        for (input, problem) in cases {
            XCTAssertThrowsError(try Digest(parsing: input), input) { error in
                XCTAssertEqual((error as? DigestError)?.problem, problem, input)
            }
        }
        XCTAssertThrowsError(try Digest(parsing: "sha256:abc")) { error in
            XCTAssertEqual("\(error)", "invalid digest \"sha256:abc\": invalid checksum digest length")
        }
        XCTAssertFalse(Digest.isValid(hex))
    }

    func testCodableAsAStringAndHashable() throws {
        struct Holder: Codable, Equatable { var digest: Digest; var list: [Digest] }
        let d = try Digest(parsing: "sha256:" + hex)
        let e = Digest.sha256(of: "")
        let bytes = try JSON.encode(Holder(digest: d, list: [e]))
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "{\"digest\":\"sha256:\(hex)\",\"list\":[\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"]}")
        XCTAssertEqual(try JSON.decode(Holder.self, from: bytes), Holder(digest: d, list: [e]))
        XCTAssertThrowsError(try JSON.decode(Holder.self, from: Array("{\"digest\":\"sha256:xyz\",\"list\":[]}".utf8))) { error in
            guard case .dataCorrupted(let ctx)? = error as? DecodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(ctx.debugDescription, "invalid digest \"sha256:xyz\": invalid checksum digest length")
            XCTAssertEqual(ctx.codingPath.map(\.stringValue), ["digest"])
        }
        XCTAssertEqual(Set([d, d, e]).count, 2)
        XCTAssertTrue(d < e)
    }

    func testDigestingSourceCountsAndDrains() throws {
        let data = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        let tap = DigestingSource(BytesSource(data))
        var first = [UInt8](repeating: 0, count: 10)
        XCTAssertEqual(try first.withUnsafeMutableBytes { try tap.readFull(into: $0) }, 10)
        XCTAssertEqual(tap.count, 10)
        try tap.drain()
        XCTAssertEqual(tap.count, 1_000_000)
        XCTAssertEqual(tap.digest.hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testDigestingSinkPassesBytesOn() throws {
        let out = BytesSink()
        let sink = DigestingSink(out)
        try sink.write("ab")
        try sink.write("c")
        try sink.finish()
        XCTAssertEqual(out.bytes, Array("abc".utf8))
        XCTAssertEqual(sink.digest.hex, hex)
        XCTAssertEqual(sink.count, 3)
    }
}
