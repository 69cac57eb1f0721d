import CLinux
import Glibc
import LinuxSys
import XCTest
@testable import Archive

/// A container's changes made through a real overlay mount, read back from its upper dir.
final class LayerDiffTests: ArchiveTestCase {
    private var lower = "", upper = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        lower = try dir("lower")
        upper = try dir("upper")
        let work = try dir("work"), merged = try dir("merged")
        _ = try LayerApplier.apply(BytesSource(try tar([
            entry("a", .directory), file("a/f1", "1"), file("a/f2", "2"), file("b", "b"),
            entry("c", .directory), file("c/old", "old"), entry("d", .directory), file("d/keep", "keep", mode: 0o644),
            entry("e", .directory), entry("e/deep", .directory), file("e/deep/x", "x"),
        ])), to: lower)
        try mountOverlay(lowers: [lower], upper: upper, work: work, on: merged)
        try sh("""
            cd \(merged) && echo changed > a/f2 && rm a/f1 b && rm -rf c && mkdir c && echo fresh > c/fresh \
            && chmod 600 d/keep && mkdir -p n && echo new > n/new && ln n/new n/hard && mkfifo n/fifo \
            && ln -s ../a/f2 n/sym && rm -rf e/deep
            """)
        try setXattr(merged + "/n/new", "user.kept", Array("k".utf8))
        try unmount(merged)
    }

    func testChangesForDockerDiff() throws {
        let changes = try LayerDiff.changes(upperDir: upper, lowerDirs: [lower])
        let expected: [(String, LayerDiff.Change.Kind)] = [
            ("/a", .modified), ("/a/f1", .deleted), ("/a/f2", .modified), ("/b", .deleted),
            ("/c", .modified), ("/c/fresh", .added), ("/d", .modified), ("/d/keep", .modified),
            ("/e", .modified), ("/e/deep", .deleted),
            ("/n", .added), ("/n/fifo", .added), ("/n/hard", .added), ("/n/new", .added), ("/n/sym", .added),
        ]
        XCTAssertEqual(changes, expected.map { LayerDiff.Change(path: $0.0, kind: $0.1) })
        XCTAssertEqual(LayerDiff.Change.Kind.deleted.rawValue, 2)
        // A whiteout in a higher lower layer hides the name from the ones below.
        let hiding = try dir("hiding")
        try sys("mknod", "n") { berth_mknod(hiding + "/n", S_IFCHR, 0, 0) }
        XCTAssertEqual(try LayerDiff.changes(upperDir: upper, lowerDirs: [hiding, lower]).first { $0.path == "/d" }?.kind, .modified)
        let nowAdded = try LayerDiff.changes(upperDir: upper, lowerDirs: [try dir("empty")])
        XCTAssertTrue(nowAdded.allSatisfy { $0.kind != .modified })
    }

    func testUpperDirBecomesALayerThatRecreatesTheContainerView() throws {
        let out = BytesSink()
        let w = TarWriter(out)
        try LayerDiff.write(upperDir: upper, to: w)
        try w.finish()
        let entries = try readAll(BytesSource(out.bytes)).map(\.entry)
        let names = entries.map(\.name)
        XCTAssertTrue(names.contains("a/.wh.f1"), "\(names)")
        XCTAssertTrue(names.contains(".wh.b"))
        XCTAssertTrue(names.contains("e/.wh.deep"))
        XCTAssertEqual(names.firstIndex(of: "c/.wh..wh..opq").map { $0 - 1 }, names.firstIndex(of: "c/"))
        XCTAssertFalse(names.contains("a/f1"))
        XCTAssertEqual(entries.first { $0.name == "a/.wh.f1" }?.kind, .file)
        // "hard" sorts first: it carries the content and attributes, "new" links to it.
        XCTAssertEqual(entries.first { $0.name == "n/new" }?.kind, .hardlink)
        XCTAssertEqual(entries.first { $0.name == "n/new" }?.linkName, "n/hard")
        XCTAssertEqual(entries.first { $0.name == "n/hard" }?.xattrs, ["user.kept": Array("k".utf8)])
        for e in entries {
            XCTAssertFalse(e.xattrs.keys.contains { $0.hasPrefix("trusted.overlay.") }, "\(e.name) carries \(e.xattrs.keys)")
        }

        // Applied as a new layer over the same lower, it shows what the container saw.
        let layer = try dir("layer"), viewA = try dir("viewA"), viewB = try dir("viewB")
        _ = try LayerApplier.apply(BytesSource(out.bytes), to: layer)
        try mountOverlay(lowers: [upper, lower], on: viewA)
        try mountOverlay(lowers: [layer, lower], on: viewB)
        let a = snapshot(viewA), b = snapshot(viewB)
        XCTAssertEqual(differences(a, b), [])
        XCTAssertEqual(a.keys.sorted(), ["a", "a/f2", "c", "c/fresh", "d", "d/keep", "e", "n", "n/fifo", "n/hard", "n/new", "n/sym"])
        XCTAssertEqual(a["d/keep"]?.mode, 0o600)
    }
}
