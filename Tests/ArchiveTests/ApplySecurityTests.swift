import CLinux
import Glibc
import LinuxSys
import XCTest
@testable import Archive

/// Archives that try to write, link or delete outside the target directory.
final class ApplySecurityTests: ArchiveTestCase {
    var layer = ""
    var outside = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        layer = try dir("layer")
        outside = try dir("outside")
        try write(outside + "/target", "precious")
    }

    private func file(_ n: String, _ c: String = "pwned") -> (TarEntry, String) { ArchiveTests.file(n, c) }

    private func apply(_ bytes: [UInt8], _ format: ApplyOptions.WhiteoutFormat = .overlay) throws {
        _ = try LayerApplier.apply(BytesSource(bytes), to: layer, options: ApplyOptions(whiteoutFormat: format))
    }

    private func assertOutsideUntouched(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try? read(outside + "/target"), "precious", file: file, line: line)
        XCTAssertEqual(((try? FileIO.listDirectory(outside)) ?? []).sorted(), ["target"], file: file, line: line)
        XCTAssertEqual(((try? FileIO.listDirectory(tmp)) ?? []).sorted(), ["layer", "outside"], file: file, line: line)
    }

    func testDotDotAndAbsoluteNamesStayInside() throws {
        try apply(try tar([file("../outside/target"), file("../../x"), file("/abs/file", "abs"), file("a/../../b", "b"),
                           file("./c/./d", "d")]))
        assertOutsideUntouched()
        XCTAssertEqual(try read(layer + "/outside/target"), "pwned")
        XCTAssertEqual(try read(layer + "/x"), "pwned")
        XCTAssertEqual(try read(layer + "/abs/file"), "abs")
        XCTAssertEqual(try read(layer + "/b"), "b")
        XCTAssertEqual(try read(layer + "/c/d"), "d")
    }

    func testNoWritingThroughSymlinks() throws {
        for (i, link) in [outside, "../outside", "../../../../../../\(outside)", "/etc"].enumerated() {
            let name = "evil\(i)"
            assertThrows(.unsafePath, containing: "\"\(name)\" is a symbolic link") {
                try apply(try tar([entry(name, .symlink, link: link), file("\(name)/target")]))
            }
            assertThrows(.unsafePath, containing: "symbolic link") {
                try apply(try tar([entry(name + "x", .symlink, link: link), entry("\(name)x/sub", .directory)]))
            }
        }
        // A symlink deeper in the path, and one already in the directory before the archive.
        assertThrows(.unsafePath) { try apply(try tar([entry("d", .directory), entry("d/l", .symlink, link: outside), file("d/l/target")])) }
        try sys("symlink", "pre") { symlink(outside, layer + "/pre") }
        assertThrows(.unsafePath) { try apply(try tar([file("pre/target")])) }
        assertThrows(.unsafePath) { try apply(try tar([file("pre/new")])) }
        XCTAssertFalse(exists("/etc/target"))
        assertOutsideUntouched()
    }

    func testExistingLinksAreReplacedNotFollowed() throws {
        // A symlink or a hard link at the name is removed; the new file never writes through it.
        try sys("symlink", "sl") { symlink(outside + "/target", layer + "/sl") }
        try sys("link", "hl") { link(outside + "/target", layer + "/hl") }
        try apply(try tar([file("sl"), file("hl")]))
        XCTAssertEqual(try read(layer + "/sl"), "pwned")
        XCTAssertEqual(try read(layer + "/hl"), "pwned")
        assertOutsideUntouched()
        // A directory entry over a symlink to a directory replaces the link.
        try sys("symlink", "sd") { symlink(outside, layer + "/sd") }
        try apply(try tar([entry("sd", .directory)]))
        XCTAssertEqual((lstatOf(layer + "/sd")?.st_mode ?? 0) & S_IFMT, S_IFDIR)
        assertOutsideUntouched()
    }

    func testHardLinksMustPointInside() throws {
        let passwd = lstatOf("/etc/passwd")
        assertThrows(.invalidHeader, containing: "not an earlier entry") {
            try apply(try tar([entry("pw", .hardlink, link: "/etc/passwd")]))
        }
        assertThrows(.invalidHeader) { try apply(try tar([entry("pw", .hardlink, link: "../../../../../../etc/passwd")])) }
        assertThrows(.invalidHeader) { try apply(try tar([entry("t", .hardlink, link: "../outside/target")])) }
        assertThrows(.unsafePath, containing: "symbolic link") {
            try apply(try tar([entry("s", .symlink, link: outside), entry("t2", .hardlink, link: "s/target")]))
        }
        XCTAssertFalse(exists(layer + "/pw"))
        XCTAssertEqual(lstatOf("/etc/passwd")?.st_nlink, passwd?.st_nlink)
        XCTAssertEqual(lstatOf(outside + "/target")?.st_nlink, 1)
        assertOutsideUntouched()
    }

    func testWhiteoutsCannotDeleteOutside() throws {
        try sys("symlink", "out") { symlink(outside, layer + "/out") }
        for format in [ApplyOptions.WhiteoutFormat.delete, .overlay] {
            assertThrows(.unsafePath) { try apply(try tar([file("out/.wh.target", "")]), format) }
            assertThrows(.unsafePath) { try apply(try tar([file("out/.wh..wh..opq", "")]), format) }
            try apply(try tar([file("../outside/.wh.target", "")]), format) // lands in layer/outside
            assertThrows(.unsafePath, containing: "names no file") { try apply(try tar([file(".wh..", "")]), format) }
            assertThrows(.unsafePath, containing: "names no file") { try apply(try tar([file("sub/.wh..", "")]), format) }
        }
        XCTAssertTrue(exists(layer + "/out"))
        assertOutsideUntouched()
    }

    func testNonDirectoryOverTheRootIsRefused() throws {
        assertThrows(.unsafePath) { try apply(try tar([file("./", "x")])) }
        assertThrows(.unsafePath) { try apply(try tar([entry("..", .symlink, link: "/")])) }
        XCTAssertEqual((lstatOf(layer)?.st_mode ?? 0) & S_IFMT, S_IFDIR)
    }
}
