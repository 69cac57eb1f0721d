import CLinux
import Glibc
import LinuxSys
import XCTest
@testable import Archive

final class LayerApplierTests: ArchiveTestCase {
    @discardableResult
    func apply(_ bytes: [UInt8], to dir: String, _ options: ApplyOptions = ApplyOptions()) throws -> ApplyResult {
        try LayerApplier.apply(BytesSource(bytes), to: dir, options: options)
    }

    func testAppliesGNUTarArchiveIdentically() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        try sh("tar --xattrs --xattrs-include='*' --format=pax -C \(tmp)/src -czf \(tmp)/layer.tgz .")
        let (src, fd) = try fileSource(tmp + "/layer.tgz")
        defer { close(fd) }
        let result = try LayerApplier.apply(src, to: try dir("layer"), options: ApplyOptions(sync: true))
        XCTAssertEqual(differences(snapshot(tmp + "/src"), snapshot(tmp + "/layer")), [])
        XCTAssertEqual(result.size, 6 + 10 + 5 + 5 + 4 + (3 << 20)) // file.txt su ping long bigid big.bin
        XCTAssertEqual(result.warnings, [])
        // The root's mode, owner and time come from the "./" entry.
        XCTAssertEqual(lstatOf(tmp + "/layer")?.st_mtim.tv_sec, lstatOf(tmp + "/src")?.st_mtim.tv_sec)
    }

    func testOwnAddTreeRoundTrip() throws {
        try SampleTree.make(at: tmp + "/src", in: self)
        let out = BytesSink()
        let w = TarWriter(out)
        try w.addTree(root: tmp + "/src")
        try w.finish()
        try apply(out.bytes, to: try dir("layer"))
        XCTAssertEqual(differences(snapshot(tmp + "/src"), snapshot(tmp + "/layer")), [])
    }

    func testModesOwnershipTimesAndSetuidSurviveChown() throws {
        var suid = file("usr/bin/passwd", "pw", mode: 0o4755)
        suid.0.uid = 0
        var owned = file("home/u/f", "x", mode: 0o600)
        owned.0.uid = 1234
        owned.0.gid = 5678
        owned.0.mtime = TarTime(seconds: 1_234_567_890, nanoseconds: 500)
        var dir = entry("home/u", .directory, mode: 0o700)
        dir.0.uid = 1234
        dir.0.mtime = TarTime(seconds: 1_111_111_111)
        var ro = entry("ro", .directory, mode: 0o555)
        ro.0.mtime = TarTime(seconds: 1_222_222_222)
        let layer = try self.dir("layer")
        try apply(try tar([entry("home", .directory), dir, owned, suid, ro, file("ro/inside", "in"), entry("ro/sub", .directory)]), to: layer)
        XCTAssertEqual((lstatOf(layer + "/usr/bin/passwd")?.st_mode ?? 0) & 0o7777, 0o4755)
        let f = lstatOf(layer + "/home/u/f")
        XCTAssertEqual(f?.st_uid, 1234)
        XCTAssertEqual(f?.st_gid, 5678)
        XCTAssertEqual((f?.st_mode ?? 0) & 0o7777, 0o600)
        XCTAssertEqual(f?.st_mtim.tv_sec, 1_234_567_890)
        XCTAssertEqual(f?.st_mtim.tv_nsec, 500)
        // Directory times are set after their contents are written.
        XCTAssertEqual(lstatOf(layer + "/home/u")?.st_mtim.tv_sec, 1_111_111_111)
        XCTAssertEqual(lstatOf(layer + "/home/u")?.st_uid, 1234)
        XCTAssertEqual(lstatOf(layer + "/ro")?.st_mtim.tv_sec, 1_222_222_222)
        XCTAssertEqual((lstatOf(layer + "/ro")?.st_mode ?? 0) & 0o7777, 0o555)
        // Parents the archive did not list are created.
        XCTAssertEqual((lstatOf(layer + "/usr/bin")?.st_mode ?? 0) & S_IFMT, S_IFDIR)
    }

    func testIgnoreOwnershipKeepsTheCallersIDs() throws {
        var owned = file("f", "x")
        owned.0.uid = 4321
        let layer = try dir("layer")
        try apply(try tar([owned]), to: layer, ApplyOptions(ignoreOwnership: true))
        XCTAssertEqual(lstatOf(layer + "/f")?.st_uid, getuid())
    }

    func testSameNameTwiceReplacesAndDirectoriesMerge() throws {
        let layer = try dir("layer")
        try apply(try tar([
            file("a", "first"), file("a", "second"),               // file over file
            file("b", "file"), entry("b", .directory), file("b/in", "in"), // dir over file
            entry("c", .directory), file("c/old", "old"), file("c", "now a file"), // file over dir
            entry("d", .directory), file("d/one", "1"), entry("d", .directory, mode: 0o700), file("d/two", "2"), // merge
            entry("e", .symlink, link: "a"), file("e", "not through the link"),  // file over symlink
        ]), to: layer)
        XCTAssertEqual(try read(layer + "/a"), "second")
        XCTAssertEqual(try read(layer + "/b/in"), "in")
        XCTAssertEqual(try read(layer + "/c"), "now a file")
        XCTAssertEqual(try read(layer + "/d/one"), "1")
        XCTAssertEqual(try read(layer + "/d/two"), "2")
        XCTAssertEqual((lstatOf(layer + "/d")?.st_mode ?? 0) & 0o777, 0o700)
        XCTAssertEqual((lstatOf(layer + "/e")?.st_mode ?? 0) & S_IFMT, S_IFREG)
        XCTAssertEqual(try read(layer + "/a"), "second")
    }

    func testXattrsIncludingTrustedAndCapabilities() throws {
        var f = file("bin/ping", "ping", mode: 0o755)
        f.0.uid = 0
        f.0.xattrs = ["security.capability": SampleTree.capability, "user.note": Array("n".utf8), "trusted.mine": [1, 2]]
        var d = entry("etc", .directory)
        d.0.xattrs = ["user.dir": Array("d".utf8)]
        var l = entry("lnk", .symlink, link: "bin/ping")
        l.0.xattrs = ["trusted.link": Array("l".utf8)]
        // Overlay's own attributes must never come from an archive.
        var sneaky = entry("sneaky", .directory)
        sneaky.0.xattrs = ["trusted.overlay.redirect": Array("/etc".utf8), "trusted.overlay.opaque": Array("y".utf8)]
        let layer = try dir("layer")
        let result = try apply(try tar([f, d, l, sneaky]), to: layer)
        XCTAssertEqual(getXattr(layer + "/bin/ping", "security.capability"), SampleTree.capability)
        XCTAssertEqual(getXattr(layer + "/bin/ping", "user.note"), Array("n".utf8))
        XCTAssertEqual(getXattr(layer + "/bin/ping", "trusted.mine"), [1, 2])
        XCTAssertEqual(getXattr(layer + "/etc", "user.dir"), Array("d".utf8))
        XCTAssertEqual(getXattr(layer + "/lnk", "trusted.link"), Array("l".utf8))
        XCTAssertNil(getXattr(layer + "/sneaky", "trusted.overlay.redirect"))
        XCTAssertNil(getXattr(layer + "/sneaky", "trusted.overlay.opaque"))
        XCTAssertEqual(result.warnings.count, 2, "\(result.warnings)")
    }

    func testHardLinksSymlinksDevicesFifos() throws {
        let layer = try dir("layer")
        var null = entry("dev/null", .charDevice, mode: 0o666)
        null.0.devMajor = 1
        null.0.devMinor = 3
        var loop = entry("dev/loop0", .blockDevice, mode: 0o660)
        loop.0.devMajor = 7
        try apply(try tar([
            file("data", "shared"), entry("link-to-data", .hardlink, link: "data"),
            entry("abs", .symlink, link: "/etc/passwd"), entry("rel", .symlink, link: "../data"),
            null, loop, entry("pipe", .fifo, mode: 0o620),
            entry("data", .hardlink, link: "/data"), // a link onto its own name: kept, not destroyed
        ]), to: layer)
        XCTAssertEqual(lstatOf(layer + "/data")?.st_ino, lstatOf(layer + "/link-to-data")?.st_ino)
        XCTAssertEqual(lstatOf(layer + "/data")?.st_nlink, 2)
        XCTAssertEqual(try read(layer + "/data"), "shared")
        XCTAssertEqual(snapshot(layer)["abs"]?.link, "/etc/passwd")
        XCTAssertEqual(snapshot(layer)["rel"]?.link, "../data")
        let n = lstatOf(layer + "/dev/null")
        XCTAssertEqual((n?.st_mode ?? 0) & S_IFMT, S_IFCHR)
        XCTAssertEqual((n?.st_mode ?? 0) & 0o777, 0o666)
        XCTAssertEqual(UInt64(n?.st_rdev ?? 0), FS.makedev(1, 3))
        XCTAssertEqual((lstatOf(layer + "/dev/loop0")?.st_mode ?? 0) & S_IFMT, S_IFBLK)
        XCTAssertEqual((lstatOf(layer + "/pipe")?.st_mode ?? 0) & 0o7777, 0o620)
        assertThrows(.invalidHeader, containing: "not an earlier entry") {
            try apply(try tar([entry("x", .hardlink, link: "missing")]), to: try dir("layer2"))
        }
    }
}

extension LayerApplierTests {
    /// `docker load`: layers are entries of an outer tar, applied straight from it.
    func testAppliesALayerNestedInAnOuterArchive() throws {
        try write(tmp + "/img/layer/etc/os-release", "ID=test\n")
        try write(tmp + "/img/manifest.json", "[{\"Layers\":[\"abc/layer.tar\"]}]")
        try sh("mkdir -p \(tmp)/img/abc && tar -C \(tmp)/img/layer -czf \(tmp)/img/abc/layer.tar . && tar -C \(tmp)/img -cf \(tmp)/image.tar manifest.json abc")
        let (src, fd) = try fileSource(tmp + "/image.tar")
        defer { close(fd) }
        let outer = TarReader(src)
        var manifest = ""
        var applied: ApplyResult?
        while let e = try outer.next() {
            if e.name == "manifest.json" { manifest = String(decoding: try outer.readAll(limit: 1 << 20), as: UTF8.self) }
            if e.name == "abc/layer.tar" { applied = try LayerApplier.apply(outer, to: try dir("unpacked")) }
        }
        XCTAssertTrue(manifest.contains("abc/layer.tar"))
        XCTAssertEqual(applied?.size, 8)
        XCTAssertEqual(try read(tmp + "/unpacked/etc/os-release"), "ID=test\n")
    }
}
