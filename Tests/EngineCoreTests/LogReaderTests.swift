import Glibc
import XCTest
@testable import EngineCore

/// The json-file log reader's fast paths against the general ones: the direct line decoder
/// must agree with the JSON parser on every line it accepts, lines must survive any chunk
/// boundary, and batched frames must be the per-line frames concatenated.
final class LogReaderTests: XCTestCase {
    /// A deterministic generator, so a failure names a reproducible case.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func hex4(_ v: UInt32, upper: Bool) -> [UInt8] {
        let s = String(v, radix: 16, uppercase: upper)
        return Array(("\\u" + String(repeating: "0", count: 4 - s.count) + s).utf8)
    }

    /// A JSON string body and the bytes it decodes to (nil: the parser must reject it).
    static func randomLog(_ rng: inout SplitMix, allowInvalid: Bool) -> (json: [UInt8], bytes: [UInt8]?) {
        var json: [UInt8] = []
        var bytes: [UInt8]? = []
        for _ in 0..<Int.random(in: 0...40, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:
                let c = UInt8.random(in: 0x20...0x7e, using: &rng)
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { json += [0x5c, c] } else { json.append(c) }
                bytes?.append(c)
            case 4:
                let (esc, c): (UInt8, UInt8) = [(UInt8(ascii: "n"), 0x0a), (UInt8(ascii: "t"), 0x09), (UInt8(ascii: "r"), 0x0d),
                                                (UInt8(ascii: "b"), 0x08), (UInt8(ascii: "f"), 0x0c), (UInt8(ascii: "/"), 0x2f)]
                    .randomElement(using: &rng) ?? (UInt8(ascii: "n"), 0x0a)
                json += [0x5c, esc]
                bytes?.append(c)
            case 5, 6:
                // A scalar of the BMP or beyond, raw or escaped (surrogate pairs for astral ones).
                var v = UInt32.random(in: 0...0x10FFFF, using: &rng)
                if Bool.random(using: &rng) { v = UInt32.random(in: 0...0x7ff, using: &rng) }
                guard let scalar = Unicode.Scalar(v) else { continue }
                let utf8 = Array(String(Character(scalar)).utf8)
                if Bool.random(using: &rng) && v >= 0x20 && v != 0x22 && v != 0x5c {
                    json += utf8
                } else if v < 0x10000 {
                    json += hex4(v, upper: Bool.random(using: &rng))
                } else {
                    let u = v - 0x10000
                    json += hex4(0xD800 + (u >> 10), upper: false) + hex4(0xDC00 + (u & 0x3ff), upper: true)
                }
                bytes?.append(contentsOf: utf8)
            case 7 where allowInvalid:
                // What the parser rejects: a raw control byte, a lone surrogate, invalid UTF-8, a bad escape.
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: json.append(UInt8.random(in: 0..<0x20, using: &rng))
                case 1: json += hex4(UInt32.random(in: 0xD800...0xDFFF, using: &rng), upper: false)
                case 2: json.append(0xff)
                case 3: json += [0xe2, 0x82]
                default: json += Array(#"\x"#.utf8)
                }
                bytes = nil
            default:
                json += Array("plain text ".utf8)
                bytes?.append(contentsOf: Array("plain text ".utf8))
            }
        }
        return (json, bytes)
    }

    func withLine<T>(_ line: [UInt8], _ body: (UnsafeRawBufferPointer) -> T) -> T {
        line.withUnsafeBytes { body($0) }
    }

    func testDirectDecoderAgreesWithTheJSONParser() {
        var rng = SplitMix(state: 42)
        var direct = 0
        for i in 0..<20_000 {
            let invalid = i % 3 == 0
            let (body, expected) = Self.randomLog(&rng, allowInvalid: invalid)
            let stream = Bool.random(using: &rng) ? "stdout" : "stderr"
            let time = "2024-05-01T12:00:00.\(i)Z"
            var line = Array(#"{"log":""#.utf8) + body + Array(#"","stream":""#.utf8) + Array(stream.utf8)
            line += Array(#"","time":""#.utf8) + Array(time.utf8) + Array(#""}"#.utf8)
            let fast = withLine(line) { LogReader.parseShimLine($0) }
            let slow = withLine(line) { LogReader.parseJSON($0) }
            let both = withLine(line) { LogReader.parse($0) }
            let what = "case \(i): \(String(decoding: line, as: UTF8.self).debugDescription)"
            XCTAssertEqual(slow?.bytes, expected, what)
            XCTAssertEqual(both?.bytes, expected, what)
            if let fast {
                direct += 1
                XCTAssertEqual(fast.bytes, slow?.bytes, what)
                XCTAssertEqual(fast.stream, stream, what)
                XCTAssertEqual(fast.time, time, what)
            } else if expected != nil {
                // A valid line in the shim's layout takes the direct path unless it holds a surrogate pair.
                let text = String(decoding: body, as: UTF8.self).lowercased()
                let hasSurrogate = ["8", "9", "a", "b", "c", "d", "e", "f"].contains { text.contains("\\ud" + $0) }
                XCTAssertTrue(hasSurrogate, "valid line not decoded directly: \(what)")
            }
        }
        XCTAssertGreaterThan(direct, 5_000, "the direct decoder should take most lines")
    }

    func testOtherLayoutsGoThroughTheParser() {
        let lines = [
            #"{"stream":"stderr","log":"x\n","time":"t"}"#,
            #"{"log":"x\n","stream":"stdout","time":"t","attrs":{"a":"b"}}"#,
            #"{"log":"x\n", "stream":"stdout", "time":"t"}"#,
            #"{"log":"x\n"}"#,
        ]
        for l in lines {
            let a = Array(l.utf8)
            XCTAssertNil(withLine(a) { LogReader.parseShimLine($0) }, l)
            let e = withLine(a) { LogReader.parse($0) }
            XCTAssertEqual(e?.bytes, Array("x\n".utf8), l)
        }
        XCTAssertEqual(withLine(Array(lines[0].utf8)) { LogReader.parse($0) }?.stream, "stderr")
        XCTAssertEqual(withLine(Array(lines[3].utf8)) { LogReader.parse($0) }?.stream, "stdout")
        XCTAssertNil(withLine(Array(#"{"log":"x"#.utf8)) { LogReader.parse($0) })
        XCTAssertNil(withLine(Array("not json".utf8)) { LogReader.parse($0) })
    }

    func testLinesSurviveEveryChunkBoundary() throws {
        var content: [UInt8] = []
        for i in 0..<300 { content += Array((String(repeating: "y", count: i % 37) + "line\(i)\n").utf8) }
        content += Array("\n\npartial".utf8)
        let path = "/tmp/berth-logscan-\(getpid())"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0, "open \(path)")
        defer { close(fd); unlink(path) }
        XCTAssertEqual(content.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, content.count)
        let expected = content.split(separator: 10, omittingEmptySubsequences: true).dropLast().map { Array($0) }
        for chunk in [1, 2, 3, 7, 64, 1000, 1 << 20] {
            XCTAssertEqual(lseek(fd, 0, SEEK_SET), 0)
            var scanner = LogLineScanner(chunkSize: chunk)
            var lines: [[UInt8]] = []
            let n = try scanner.scan(fd: fd) { lines.append(Array($0)) }
            XCTAssertEqual(n, Int64(content.count), "chunk \(chunk)")
            XCTAssertEqual(lines, expected, "chunk \(chunk)")
            XCTAssertEqual(scanner.carry, Array("partial".utf8), "chunk \(chunk)")
        }
    }

    func testBatchesAreTheFramesConcatenated() throws {
        var writes: [[UInt8]] = []
        var batch = LogBatch(multiplexed: true, timestamps: true) { writes.append($0) }
        var expected: [UInt8] = []
        for i in 0..<5000 {
            let e = LogEntry(stream: i % 3 == 0 ? "stderr" : "stdout", time: "T\(i)", bytes: Array("line \(i)\n".utf8))
            try batch.add(e)
            expected += AttachSession.frame(stream: i % 3 == 0 ? 2 : 1, Array("T\(i) line \(i)\n".utf8))
        }
        try batch.flush()
        try batch.flush()
        XCTAssertEqual(writes.flatMap { $0 }, expected)
        XCTAssertGreaterThan(writes.count, 1)
        XCTAssertTrue(writes.dropLast().allSatisfy { $0.count >= LogBatch.size })
        XCTAssertFalse(writes.contains { $0.isEmpty })

        var raw: [[UInt8]] = []
        var tty = LogBatch(multiplexed: false, timestamps: false) { raw.append($0) }
        try tty.add(LogEntry(stream: "stdout", time: "T", bytes: Array("a\n".utf8)))
        try tty.add(LogEntry(stream: "stderr", time: "T", bytes: Array("b".utf8)))
        try tty.flush()
        XCTAssertEqual(raw, [Array("a\nb".utf8)])
    }

    /// `docker run --rm`-style: the last lines land, the container exits and its log is
    /// removed before the follower looked again; a rotation likewise must not lose the lines
    /// the old file got last. Every line reaches the client, in order.
    func testFollowReadsWhatTheFileGotBeforeItWasRemovedOrRotated() throws {
        var template = Array("/tmp/berth-logfollow-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { b in b.baseAddress.flatMap { mkdtemp($0) } != nil }
        XCTAssertTrue(made, "mkdtemp")
        let dir = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { for f in ["log", "log.1"] { unlink(dir + "/" + f) }; rmdir(dir) }
        let path = dir + "/log"
        func line(_ text: String, _ stream: String = "stdout") -> String {
            #"{"log":"\#(text)\n","stream":"\#(stream)","time":"2026-11-23T00:00:00.000000000Z"}"# + "\n"
        }
        func append(_ file: String, _ text: String) {
            let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            XCTAssertGreaterThanOrEqual(fd, 0, "open \(file)")
            XCTAssertEqual(text.utf8.count, Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) })
            close(fd)
        }
        var o = LogOptions()
        o.follow = true

        append(path, line("first"))
        var calls = 0
        var got: [String] = []
        try LogReader.read(path: path, options: o, isRunning: {
            calls += 1
            if calls == 1 {
                append(path, line("last", "stderr"))
                unlink(path)
                return false
            }
            return false
        }, emit: { e in if !e.stream.isEmpty { got.append(e.stream + ":" + String(decoding: e.bytes, as: UTF8.self)) } })
        XCTAssertEqual(got, ["stdout:first\n", "stderr:last\n"])

        append(path, line("a"))
        got = []
        calls = 0
        try LogReader.read(path: path, options: o, isRunning: {
            calls += 1
            switch calls {
            case 1:
                append(path, line("b"))
                XCTAssertEqual(rename(path, path + ".1"), 0)
                append(path, line("c"))
                return true
            default:
                return false
            }
        }, emit: { e in if !e.stream.isEmpty { got.append(String(decoding: e.bytes, as: UTF8.self)) } })
        XCTAssertEqual(got, ["a\n", "b\n", "c\n"])
    }
}
