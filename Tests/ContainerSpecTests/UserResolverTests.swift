import XCTest
@testable import ContainerSpec

final class UserResolverTests: XCTestCase {
    var dir: TempDir!
    var rootfs: String!

    override func setUpWithError() throws {
        dir = try TempDir("user")
        rootfs = try makeRootfs(dir)
    }

    override func tearDown() {
        dir?.remove()
    }

    func user(_ spec: String, _ groupAdd: [String] = []) throws -> ResolvedUser {
        try ProcessResolver.user(spec, rootfs: rootfs, groupAdd: groupAdd)
    }

    func testDefaultIsRootWithItsPrimaryGroup() throws {
        XCTAssertEqual(try user(""), ResolvedUser(uid: 0, gid: 0, additionalGids: [0], home: "/root"))
    }

    func testNameGetsPasswdGroupAndMemberships() throws {
        XCTAssertEqual(try user("bob"), ResolvedUser(uid: 1000, gid: 1000, additionalGids: [1000, 29, 44], home: "/home/bob"))
        XCTAssertEqual(try user("nobody").additionalGids, [65534])
    }

    func testNumericUserWithAndWithoutEntry() throws {
        XCTAssertEqual(try user("1000"), try user("bob"))
        XCTAssertEqual(try user("4242"), ResolvedUser(uid: 4242, gid: 0, additionalGids: [0]))
        XCTAssertEqual(try user("4242:4343"), ResolvedUser(uid: 4242, gid: 4343, additionalGids: [4343]))
    }

    func testExplicitGroupReplacesThePrimaryAndDropsMemberships() throws {
        XCTAssertEqual(try user("bob:video"), ResolvedUser(uid: 1000, gid: 44, additionalGids: [44], home: "/home/bob"))
        XCTAssertEqual(try user("bob:7"), ResolvedUser(uid: 1000, gid: 7, additionalGids: [7], home: "/home/bob"))
    }

    func testGroupAddByNameAndNumber() throws {
        XCTAssertEqual(try user("nobody", ["daemon", "1234", "audio"]).additionalGids, [65534, 1, 1234, 29])
        XCTAssertThrowsMessage(try user("", ["wheel"]), "unable to find group wheel: no matching entries in group file")
    }

    func testDockersErrors() {
        XCTAssertThrowsMessage(try user("alice"), "unable to find user alice: no matching entries in passwd file")
        XCTAssertThrowsMessage(try user("bob:staff"), "unable to find group staff: no matching entries in group file")
        XCTAssertThrowsMessage(try user("99999999999"), "uids and gids must be in range 0-2147483647")
        XCTAssertThrowsMessage(try user("-1"), "uids and gids must be in range 0-2147483647")
    }

    func testMissingFilesMeanNoEntries() throws {
        let empty = try dir.mkdir("empty")
        XCTAssertEqual(try ProcessResolver.user("", rootfs: empty, groupAdd: []), ResolvedUser(uid: 0, gid: 0, additionalGids: [0]))
        XCTAssertEqual(try ProcessResolver.user("12:34", rootfs: empty, groupAdd: []).gid, 34)
        XCTAssertThrowsMessage(try ProcessResolver.user("bob", rootfs: empty, groupAdd: []),
                               "unable to find user bob: no matching entries in passwd file")
    }

    /// A hostile image points /etc/passwd at the host's: resolution must stay in the rootfs.
    func testSymlinksAreResolvedInsideTheRootfs() throws {
        let evil = try dir.mkdir("evil")
        try FileManager.default.createDirectory(atPath: evil + "/etc", withIntermediateDirectories: true)
        // The host has a "root" entry in /etc/passwd; in the rootfs no file is there.
        try FileManager.default.createSymbolicLink(atPath: evil + "/etc/passwd", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: evil + "/etc/group", withDestinationPath: "../../../../../../etc/group")
        XCTAssertThrowsMessage(try ProcessResolver.user("root", rootfs: evil, groupAdd: []),
                               "unable to find user root: no matching entries in passwd file")
        XCTAssertEqual(try ProcessResolver.user("", rootfs: evil, groupAdd: []).home, "")

        // Inside the rootfs the same links are fine: /etc/passwd -> /usr/lib/passwd of the image.
        try dir.write("evil/usr/lib/passwd", "root:x:0:0:root:/rooted:/bin/sh\nimg:x:7:8::/img:/bin/sh\n")
        try FileManager.default.removeItem(atPath: evil + "/etc/group")
        try FileManager.default.createSymbolicLink(atPath: evil + "/etc/group", withDestinationPath: "../usr/lib/passwd")
        try FileManager.default.removeItem(atPath: evil + "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: evil + "/etc/passwd", withDestinationPath: "/usr/lib/passwd")
        XCTAssertEqual(try ProcessResolver.user("img", rootfs: evil, groupAdd: []).uid, 7)

        // A directory link that climbs out is clamped at the rootfs too.
        try FileManager.default.removeItem(atPath: evil + "/etc/passwd")
        try FileManager.default.removeItem(atPath: evil + "/etc/group")
        try FileManager.default.removeItem(atPath: evil + "/etc")
        try FileManager.default.createSymbolicLink(atPath: evil + "/etc", withDestinationPath: "../../../../etc")
        XCTAssertThrowsMessage(try ProcessResolver.user("root", rootfs: evil, groupAdd: []),
                               "unable to find user root: no matching entries in passwd file")
    }

    /// A FIFO at /etc/passwd would block a plain open: it reads as absent instead.
    func testFifoIsNotOpened() throws {
        let fifo = try dir.mkdir("fifo")
        try FileManager.default.createDirectory(atPath: fifo + "/etc", withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(fifo + "/etc/passwd", 0o644), 0)
        XCTAssertThrowsMessage(try ProcessResolver.user("bob", rootfs: fifo, groupAdd: []),
                               "unable to find user bob: no matching entries in passwd file")
    }
}
