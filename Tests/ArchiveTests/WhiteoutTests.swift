import CLinux
import Glibc
import LinuxSys
import XCTest
@testable import Archive

/// Whiteouts and opaque directories, checked through a real overlay mount.
final class WhiteoutTests: ArchiveTestCase {
    private func apply(_ entries: [(TarEntry, String)], to dir: String,
                       _ format: ApplyOptions.WhiteoutFormat = .overlay) throws -> ApplyResult {
        try LayerApplier.apply(BytesSource(try tar(entries)), to: dir, options: ApplyOptions(whiteoutFormat: format))
    }

    private let base: [(TarEntry, String)] = [
        entry("a", .directory), file("a/f1", "1"), file("a/f2", "2"), file("b", "b"),
        entry("c", .directory), file("c/old", "old"), entry("c/olddir", .directory), file("c/olddir/x", "x"),
        entry("d", .directory), file("d/keep", "keep"),
    ]

    private let change: [(TarEntry, String)] = [
        entry("a", .directory), file("a/.wh.f1"), file(".wh.b"),
        entry("c", .directory), file("c/.wh..wh..opq"), file("c/new", "new"),
        entry("d", .directory), file("d/.wh.keep"), file("d/keep", "recreated"), // whiteout then the new file
        file(".wh..wh.plnk"), file("e/.wh.never-existed"),
    ]

    func testOverlayFormatHidesLowerFilesInAMountedOverlay() throws {
        let l1 = try dir("l1"), l2 = try dir("l2"), merged = try dir("merged")
        _ = try apply(base, to: l1)
        let r = try apply(change, to: l2)
        XCTAssertEqual(r.entries, change.count)

        // What the layer holds: 0/0 character devices and the opaque attribute.
        let wh = lstatOf(l2 + "/a/f1")
        XCTAssertEqual((wh?.st_mode ?? 0) & S_IFMT, S_IFCHR)
        XCTAssertEqual(wh?.st_rdev, 0)
        XCTAssertEqual((lstatOf(l2 + "/b")?.st_mode ?? 0) & S_IFMT, S_IFCHR)
        XCTAssertEqual(getXattr(l2 + "/c", "trusted.overlay.opaque"), Array("y".utf8))
        XCTAssertNil(getXattr(l2 + "/a", "trusted.overlay.opaque"))
        XCTAssertEqual(try read(l2 + "/d/keep"), "recreated")
        XCTAssertFalse(exists(l2 + "/.wh..wh.plnk"))
        XCTAssertFalse(exists(l2 + "/a/.wh.f1"))
        XCTAssertEqual((lstatOf(l2 + "/e/never-existed")?.st_mode ?? 0) & S_IFMT, S_IFCHR)

        try mountOverlay(lowers: [l2, l1], on: merged)
        XCTAssertFalse(exists(merged + "/a/f1"), "whited-out file visible through the overlay")
        XCTAssertEqual(try read(merged + "/a/f2"), "2")
        XCTAssertFalse(exists(merged + "/b"))
        XCTAssertEqual(try FileIO.listDirectory(merged + "/c").sorted(), ["new"], "opaque directory shows lower entries")
        XCTAssertEqual(try read(merged + "/d/keep"), "recreated")
        XCTAssertEqual(try FileIO.listDirectory(merged).sorted(), ["a", "c", "d", "e"])
        try unmount(merged)
    }

    func testDeleteFormatRemovesFromAFullTree() throws {
        let root = try dir("rootfs")
        _ = try apply(base, to: root, .delete)
        try sys("symlink", "link") { symlink("c", root + "/link-to-c") }
        _ = try apply(change + [entry("c/kept-dir", .directory), file("c/kept-dir/k", "k"),
                                file("c/newdir/.wh..wh..opq"), file(".wh.link-to-c")], to: root, .delete)
        XCTAssertFalse(exists(root + "/a/f1"))
        XCTAssertEqual(try read(root + "/a/f2"), "2")
        XCTAssertFalse(exists(root + "/b"))
        // Opaque: what was there before goes, what this archive put there (before or after the marker) stays.
        XCTAssertEqual(try FileIO.listDirectory(root + "/c").sorted(), ["kept-dir", "new"])
        XCTAssertEqual(try read(root + "/c/kept-dir/k"), "k")
        XCTAssertEqual(try read(root + "/d/keep"), "recreated")
        XCTAssertFalse(exists(root + "/link-to-c"))
        XCTAssertFalse(exists(root + "/e"), "a whiteout in a missing directory must not create it")
        XCTAssertFalse(exists(root + "/c/newdir"))
        // A whiteout removes a whole directory.
        _ = try apply([file(".wh.c")], to: root, .delete)
        XCTAssertFalse(exists(root + "/c"))
        XCTAssertTrue(exists(root + "/d/keep"))
    }
}
