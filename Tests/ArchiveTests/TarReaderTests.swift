import Glibc
import LinuxSys
import XCTest
@testable import Archive

final class TarReaderTests: ArchiveTestCase {
    private func entries(_ tarPath: String) throws -> [String: (entry: TarEntry, content: [UInt8])] {
        let (src, fd) = try fileSource(tarPath)
        defer { close(fd) }
        var out: [String: (TarEntry, [UInt8])] = [:]
        for (e, c) in try readAll(src) {
            var name = e.name
            if name.hasPrefix("./") { name.removeFirst(2) }
            if name.hasSuffix("/") { name.removeLast() }
            out[name] = (e, c)
        }
        return out
    }

    private func checkSample(_ all: [String: (entry: TarEntry, content: [UInt8])], xattrs: Bool, format: String) throws {
        func e(_ n: String) throws -> TarEntry {
            guard let x = all[n] else { throw TestFailure("\(format): no entry \(n) among \(all.keys.sorted())") }
            return x.entry
        }
        // GNU tar archives the first name of an inode (dir/hard sorts first) with the content
        // and the other as a hard link to it.
        let (file, hard) = try e("dir/hard").kind == .file ? (try e("dir/hard"), try e("file.txt")) : (try e("file.txt"), try e("dir/hard"))
        XCTAssertEqual(file.kind, .file)
        XCTAssertEqual(all[file.name.hasPrefix("./") ? String(file.name.dropFirst(2)) : file.name]?.content, Array("hello\n".utf8))
        XCTAssertEqual(file.uid, 1000)
        XCTAssertEqual(file.gid, 1001)
        XCTAssertEqual(file.mode, 0o644)
        XCTAssertEqual(file.size, 6)
        XCTAssertEqual(file.mtime.seconds, 1577934245) // 2020-01-02 03:04:05 UTC
        XCTAssertEqual(try e("bin/su").mode, 0o4755)
        XCTAssertEqual(try e("sticky").mode, 0o1777)
        XCTAssertEqual(try e("sticky").kind, .directory)
        XCTAssertEqual(try e("dir").mode, 0o750)
        XCTAssertEqual(try e(SampleTree.longName).kind, .file, format)
        XCTAssertEqual(all[SampleTree.longName]?.content, Array("long\n".utf8))
        XCTAssertEqual(try e("link").kind, .symlink)
        XCTAssertEqual(try e("link").linkName, "file.txt")
        XCTAssertEqual(try e("longlink").linkName, SampleTree.longTarget, format)
        XCTAssertEqual(hard.kind, .hardlink)
        XCTAssertEqual(hard.size, 0)
        XCTAssertTrue(["file.txt", "./file.txt", "dir/hard", "./dir/hard"].contains(hard.linkName), hard.linkName)
        XCTAssertEqual(try e("fifo").kind, .fifo)
        XCTAssertEqual(try e("fifo").mode, 0o640)
        XCTAssertEqual(try e("null").kind, .charDevice)
        XCTAssertEqual(try e("null").devMajor, 1)
        XCTAssertEqual(try e("null").devMinor, 3)
        XCTAssertEqual(try e("blk").kind, .blockDevice)
        XCTAssertEqual(try e("blk").devMinor, 200)
        XCTAssertEqual(try e("bigid").uid, Int(SampleTree.bigUID), format)
        XCTAssertEqual(try e("bigid").gid, 42)
        XCTAssertEqual(try e("empty").size, 0)
        XCTAssertEqual(all["dir/big.bin"]?.content, try FileIO.read(path: tmp + "/src/dir/big.bin"))
        if xattrs {
            XCTAssertEqual(file.xattrs["user.test"], Array("value".utf8))
            XCTAssertEqual(try e("bin/ping").xattrs["security.capability"], SampleTree.capability)
        }
    }

    func testReadsGNUTarPaxArchive() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        try sh("tar --xattrs --xattrs-include='*' --format=pax -C \(tmp)/src -cf \(tmp)/a.tar .")
        try checkSample(try entries(tmp + "/a.tar"), xattrs: true, format: "pax")
    }

    func testReadsGNUFormatLongNamesAndBase256() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        try sh("tar --format=gnu -C \(tmp)/src -cf \(tmp)/g.tar .")
        let raw = try FileIO.read(path: tmp + "/g.tar")
        XCTAssertTrue(raw.contains(UInt8(ascii: "L")), "expected GNU long-name headers")
        try checkSample(try entries(tmp + "/g.tar"), xattrs: false, format: "gnu")
    }

    func testReadsUstarPrefixSplitAndGzip() throws {
        let name = String(repeating: "p", count: 90) + "/" + String(repeating: "q", count: 90) + "/file"
        try write(tmp + "/src/" + name, "split\n")
        try sh("tar --format=ustar -C \(tmp)/src -czf \(tmp)/u.tgz \(name.split(separator: "/")[0])")
        let (src, fd) = try fileSource(tmp + "/u.tgz")
        defer { close(fd) }
        let all = try readAll(try Compression.wrap(src))
        let file = all.first { $0.entry.kind == .file }
        XCTAssertEqual(file?.entry.name, name)
        XCTAssertEqual(file?.content, Array("split\n".utf8))
    }

    func testPaxFractionalMtimeAndGlobalHeader() throws {
        try write(tmp + "/src/f", "x")
        try sh("touch -d '2001-02-03 04:05:06.789' \(tmp)/src/f && tar --format=pax -C \(tmp)/src -cf \(tmp)/p.tar f")
        let f = try entries(tmp + "/p.tar")["f"]?.entry
        XCTAssertEqual(f?.mtime, TarTime(seconds: 981173106, nanoseconds: 789_000_000))

        // A global header (type 'g') applies to every later entry; a local one overrides it.
        let out = BytesSink()
        let records = PaxRecords.record("uname", Array("globaluser".utf8)) + PaxRecords.record("uid", Array("777".utf8))
        out.bytesAppend(rawHeader(name: "pax_global_header", type: "g", size: records.count))
        out.bytesAppend(records + [UInt8](repeating: 0, count: 512 - records.count))
        let w = TarWriter(out)
        try w.writeHeader(TarEntry(name: "a", kind: .file))
        try w.writeHeader(TarEntry(name: "b", kind: .file, uname: "local-name-that-is-longer-than-32-bytes"))
        try w.finish()
        let all = try readAll(BytesSource(out.bytes))
        XCTAssertEqual(all.map(\.entry.uname), ["globaluser", "local-name-that-is-longer-than-32-bytes"])
        XCTAssertEqual(all.map(\.entry.uid), [777, 777])
    }

    func testTruncatedAndCorruptArchives() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        try sh("tar -C \(tmp)/src -cf \(tmp)/a.tar .")
        let whole = try FileIO.read(path: tmp + "/a.tar")
        // Cut inside big.bin's content, and inside a header.
        assertThrows(.truncated, containing: "unexpected end of tar archive") {
            _ = try readAll(BytesSource(Array(whole.prefix(whole.count - 1_000_000))))
        }
        assertThrows(.truncated, containing: "unexpected end of tar archive") {
            _ = try readAll(BytesSource(Array(whole.prefix(512 * 3 + 100))))
        }
        // Skipping content must notice the cut as well.
        assertThrows(.truncated) {
            let r = TarReader(BytesSource(Array(whole.prefix(whole.count - 1_000_000))))
            while try r.next() != nil {}
        }
        var corrupt = whole
        corrupt[10] ^= 0x01
        assertThrows(.invalidHeader, containing: "checksum") { _ = try readAll(BytesSource(corrupt)) }
        assertThrows(.invalidHeader) { _ = try readAll(BytesSource(Array("this is not a tar file".utf8) + [UInt8](repeating: 1, count: 600))) }
        // An empty stream is an empty archive; so is a lone end marker.
        XCTAssertEqual(try readAll(BytesSource([])).count, 0)
        XCTAssertEqual(try readAll(BytesSource([UInt8](repeating: 0, count: 1024))).count, 0)
    }

    func testBase256AndNumberParsing() throws {
        var h = [UInt8](repeating: 0, count: 512)
        h.withUnsafeMutableBytes { TarFormat.putBase256($0, TarFormat.uid, 123_456_789_012) }
        XCTAssertEqual(h.withUnsafeBytes { TarFormat.number($0, TarFormat.uid) }, 123_456_789_012)
        h.withUnsafeMutableBytes { TarFormat.putBase256($0, TarFormat.mtime, -5) }
        XCTAssertEqual(h.withUnsafeBytes { TarFormat.number($0, TarFormat.mtime) }, -5)
        _ = h.withUnsafeMutableBytes { TarFormat.putString($0, TarFormat.size, Array(" 0000017 \0\0\0".utf8)) }
        XCTAssertEqual(h.withUnsafeBytes { TarFormat.number($0, TarFormat.size) }, 15)
        _ = h.withUnsafeMutableBytes { TarFormat.putString($0, TarFormat.size, Array("0009".utf8)) }
        XCTAssertNil(h.withUnsafeBytes { TarFormat.number($0, TarFormat.size) })
        XCTAssertEqual(PaxRecords.time(Array("-1.25".utf8)), TarTime(seconds: -2, nanoseconds: 750_000_000))
        XCTAssertEqual(PaxRecords.timeText(TarTime(seconds: -2, nanoseconds: 750_000_000)), "-1.25")
        XCTAssertEqual(PaxRecords.record("path", Array(String(repeating: "a", count: 93).utf8)).count, 103)
    }

    /// A hand-made ustar header, for header types the writer never emits.
    private func rawHeader(name: String, type: Character, size: Int) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        h.withUnsafeMutableBytes { p in
            TarFormat.putString(p, TarFormat.name, Array(name.utf8))
            TarFormat.putOctal(p, TarFormat.mode, 0o644)
            TarFormat.putOctal(p, TarFormat.size, Int64(size))
            p[TarFormat.typeflag] = type.asciiValue ?? 0
            TarFormat.putString(p, TarFormat.magic, Array("ustar\0".utf8))
            TarFormat.putString(p, TarFormat.version, Array("00".utf8))
            let sum = TarFormat.checksum(UnsafeRawBufferPointer(p)).unsigned
            TarFormat.putOctal(p, (TarFormat.checksum.0, 7), sum)
        }
        return h
    }
}

extension BytesSink {
    func bytesAppend(_ b: [UInt8]) { try? write(b) }
}
