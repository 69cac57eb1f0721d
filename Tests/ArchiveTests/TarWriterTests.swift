import CLinux
import Glibc
import LinuxSys
import XCTest
@testable import Archive

final class TarWriterTests: ArchiveTestCase {
    private func archive(_ root: String, as prefix: String = "", to path: String, gzip: Bool = false,
                         filter: ((String) -> Bool)? = nil) throws {
        try withFileSink(path) { sink in
            let out: ByteSink = gzip ? GzipSink(sink) : sink
            let w = TarWriter(out)
            try w.addTree(root: root, as: prefix, filter: filter)
            try w.finish()
        }
    }

    func testAddTreeExtractsIdenticallyWithGNUTar() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        try archive(tmp + "/src", to: tmp + "/a.tar")
        try FileIO.mkdirAll(tmp + "/out")
        let listing = try spawn(["/bin/tar", "-tvf", tmp + "/a.tar"])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertEqual(listing.stderr, "")
        try sh("tar --xattrs --xattrs-include='*' --numeric-owner -xpf \(tmp)/a.tar -C \(tmp)/out")
        XCTAssertEqual(differences(snapshot(tmp + "/src"), snapshot(tmp + "/out")), [])
        // The same through gzip.
        try archive(tmp + "/src", to: tmp + "/a.tgz", gzip: true)
        try FileIO.mkdirAll(tmp + "/outz")
        try sh("tar --xattrs --xattrs-include='*' --numeric-owner -xzpf \(tmp)/a.tgz -C \(tmp)/outz")
        XCTAssertEqual(differences(snapshot(tmp + "/src"), snapshot(tmp + "/outz")), [])
    }

    func testAddTreeOrderHardLinksPrefixesAndDeterminism() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        try archive(tmp + "/src", to: tmp + "/a.tar")
        try archive(tmp + "/src", to: tmp + "/b.tar")
        XCTAssertEqual(try FileIO.read(path: tmp + "/a.tar"), try FileIO.read(path: tmp + "/b.tar"), "archives differ between runs")

        let (src, fd) = try fileSource(tmp + "/a.tar")
        defer { close(fd) }
        let all = try readAll(src)
        let names = all.map(\.entry.name)
        XCTAssertEqual(Array(names.prefix(8)), ["bigid", "bin/", "bin/ping", "bin/su", "blk", "deep/", "deep/" + String(repeating: "d", count: 60) + "/",
                                                SampleTree.longDir + "/"])
        XCTAssertFalse(names.contains { $0.hasPrefix("/") || $0.hasPrefix("./") || $0.isEmpty })
        let hard = all.first { $0.entry.name == "file.txt" }?.entry
        XCTAssertEqual(hard?.kind, .hardlink)
        XCTAssertEqual(hard?.linkName, "dir/hard")
        XCTAssertEqual(all.first { $0.entry.name == "dir/hard" }?.entry.xattrs["user.test"], Array("value".utf8))
        XCTAssertEqual(all.first { $0.entry.name == "bin/ping" }?.entry.xattrs["security.capability"], SampleTree.capability)

        // `docker cp` shapes: a directory under a name, a single file under a name, and a filter.
        try archive(tmp + "/src/bin", as: "/copied/", to: tmp + "/c.tar")
        let (csrc, cfd) = try fileSource(tmp + "/c.tar")
        defer { close(cfd) }
        XCTAssertEqual(try readAll(csrc).map(\.entry.name), ["copied/", "copied/ping", "copied/su"])
        try archive(tmp + "/src/bin/su", as: "su-copy", to: tmp + "/d.tar")
        let (dsrc, dfd) = try fileSource(tmp + "/d.tar")
        defer { close(dfd) }
        let single = try readAll(dsrc)
        XCTAssertEqual(single.map(\.entry.name), ["su-copy"])
        XCTAssertEqual(single.first?.entry.mode, 0o4755)
        XCTAssertEqual(single.first?.content, Array("#!/bin/sh\n".utf8))
        try archive(tmp + "/src", to: tmp + "/e.tar", filter: { !$0.hasPrefix("deep") && $0 != "dir/big.bin" })
        let (esrc, efd) = try fileSource(tmp + "/e.tar")
        defer { close(efd) }
        let filtered = try readAll(esrc).map(\.entry.name)
        XCTAssertFalse(filtered.contains { $0.hasPrefix("deep") || $0 == "dir/big.bin" })
        XCTAssertTrue(filtered.contains("dir/hard"))
    }

    func testEntriesBeyondUstarExtractWithGNUTar() throws {
        let longName = (0..<4).map { _ in String(repeating: "n", count: 80) }.joined(separator: "/") + "/file"
        let unicode = "données/été-ünïcode.txt"
        let out = tmp + "/w.tar"
        try withFileSink(out) { sink in
            let w = TarWriter(sink, subsecondTimes: true)
            try w.writeHeader(TarEntry(name: "nn", kind: .directory, mode: 0o755))
            let content = Array("long name\n".utf8)
            try w.writeHeader(TarEntry(name: longName, kind: .file, mode: 0o600, size: Int64(content.count)))
            try w.writeContent(content)
            try w.writeHeader(TarEntry(name: "biguid", kind: .file, uid: 3_000_000, gid: 4_000_000,
                                       mtime: TarTime(seconds: 1_600_000_000, nanoseconds: 123_456_789)))
            try w.writeHeader(TarEntry(name: unicode, kind: .file, mode: 0o640))
            try w.writeHeader(TarEntry(name: "sl", kind: .symlink, mode: 0o777, linkName: String(repeating: "x", count: 200)))
            try w.writeHeader(TarEntry(name: "suid", kind: .file, mode: 0o6755, uid: 12, gid: 34))
            try w.writeHeader(TarEntry(name: "tty", kind: .charDevice, mode: 0o620, devMajor: 4, devMinor: 1))
            try w.writeHeader(TarEntry(name: "fifo", kind: .fifo, mode: 0o600))
            try w.writeHeader(TarEntry(name: "xa", kind: .file, xattrs: ["user.one": Array("1".utf8), "user.bin": [0, 255, 10]]))
            try w.writeHeader(TarEntry(name: "xa-link", kind: .hardlink, linkName: "xa"))
            try w.finish()
        }
        try FileIO.mkdirAll(tmp + "/x")
        try sh("tar --xattrs --xattrs-include='*' --numeric-owner -xpf \(out) -C \(tmp)/x")
        XCTAssertEqual(try read(tmp + "/x/" + longName), "long name\n")
        let big = lstatOf(tmp + "/x/biguid")
        XCTAssertEqual(big?.st_uid, 3_000_000)
        XCTAssertEqual(big?.st_gid, 4_000_000)
        XCTAssertEqual(big?.st_mtim.tv_sec, 1_600_000_000)
        XCTAssertEqual(big?.st_mtim.tv_nsec, 123_456_789)
        XCTAssertTrue(exists(tmp + "/x/" + unicode))
        XCTAssertEqual(snapshot(tmp + "/x")["sl"]?.link, String(repeating: "x", count: 200))
        XCTAssertEqual((lstatOf(tmp + "/x/suid")?.st_mode ?? 0) & 0o7777, 0o6755)
        XCTAssertEqual(lstatOf(tmp + "/x/suid")?.st_uid, 12)
        let tty = lstatOf(tmp + "/x/tty")
        XCTAssertEqual((tty?.st_mode ?? 0) & S_IFMT, S_IFCHR)
        XCTAssertEqual(FS.major(UInt64(tty?.st_rdev ?? 0)), 4)
        XCTAssertEqual(FS.minor(UInt64(tty?.st_rdev ?? 0)), 1)
        XCTAssertEqual((lstatOf(tmp + "/x/fifo")?.st_mode ?? 0) & S_IFMT, S_IFIFO)
        XCTAssertEqual(getXattr(tmp + "/x/xa", "user.bin"), [0, 255, 10])
        XCTAssertEqual(getXattr(tmp + "/x/xa", "user.one"), Array("1".utf8))
        XCTAssertEqual(lstatOf(tmp + "/x/xa-link")?.st_ino, lstatOf(tmp + "/x/xa")?.st_ino)

        // And our reader gets back exactly what was written.
        let (src, fd) = try fileSource(out)
        defer { close(fd) }
        let back = try readAll(src).map(\.entry)
        XCTAssertEqual(back.map(\.name), ["nn/", longName, "biguid", unicode, "sl", "suid", "tty", "fifo", "xa", "xa-link"])
        XCTAssertEqual(back[2].mtime, TarTime(seconds: 1_600_000_000, nanoseconds: 123_456_789))
        XCTAssertEqual(back[2].uid, 3_000_000)
        XCTAssertEqual(back[8].xattrs, ["user.one": Array("1".utf8), "user.bin": [0, 255, 10]])
    }

    func testContentMustMatchTheDeclaredSize() throws {
        let w = TarWriter(BytesSink())
        try w.writeHeader(TarEntry(name: "f", kind: .file, size: 3))
        assertThrows(.usage, containing: "too much content") { try w.writeContent(Array("four".utf8)) }
        try w.writeContent(Array("ab".utf8))
        assertThrows(.usage, containing: "missing 1 bytes") { try w.writeHeader(TarEntry(name: "g", kind: .file)) }
        assertThrows(.usage, containing: "missing 1 bytes") { try w.finish() }
        try w.writeContent(Array("c".utf8))
        try w.finish()
        assertThrows(.truncated, containing: "ended 5 bytes short") {
            let w2 = TarWriter(BytesSink())
            try w2.writeHeader(TarEntry(name: "f", kind: .file, size: 10))
            try w2.writeContent(from: BytesSource(Array("12345".utf8)))
        }
    }
}
