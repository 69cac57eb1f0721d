import Foundation
import Glibc
import XCTest
import Digest
import Images
import LinuxSys

/// `docker commit`: a container's upper directory on top of its image; parent/child rules.
final class ImageCommitTests: ImageStoreTestCase {
    func testCommitAddsALayerAndTheParentCannotGoFirst() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore()
        let parent = try XCTUnwrap(try load(store, fx.dockerArchive).first?.id)

        // An overlay upper dir as a container leaves it: a new file, a deleted one (0/0 device).
        let upper = root + "/upper"
        try FileIO.mkdirAll(upper + "/etc")
        try FileIO.writeAtomic(upper + "/etc/motd", bytes("committed\n"), mode: 0o644)
        XCTAssertEqual(mknod(upper + "/etc/hosts", S_IFCHR | 0o000, 0), 0, "mknod: \(Errno.describe(errno))")

        var changes = ImageConfigChanges()
        changes.env = ["STAGE=2"]
        let child = try store.commit(upperDir: upper, parent: parent,
                                     config: try store.config(parent).config, changes: changes,
                                     author: "tester", comment: "second layer", createdBy: "sh -c echo", reference: "committed:v1")
        XCTAssertEqual(child.parent, parent)
        XCTAssertEqual(child.repoTags, ["committed:v1"])
        XCTAssertEqual(child.chainIDs.count, 2)
        XCTAssertEqual(child.chainIDs[0], try store.get(parent.encoded).chainIDs[0])
        XCTAssertEqual(child.config.config?.Cmd, ["sh"], "inherited")
        XCTAssertEqual(child.config.config?.Env?.last, "STAGE=2")
        XCTAssertEqual(child.config.author, "tester")
        XCTAssertEqual(child.config.history?.count, 2)

        let dirs = try store.layerDirs(child.id)
        XCTAssertEqual(dirs.count, 2)
        XCTAssertEqual(try FileIO.readString(dirs[0] + "/etc/motd"), "committed\n")
        var st = stat()
        XCTAssertEqual(lstat(dirs[0] + "/etc/hosts", &st), 0, "the deletion survives as a whiteout")
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR)
        XCTAssertTrue(FileIO.exists(dirs[1] + "/bin/busybox"))

        let h = try store.history("committed:v1")
        XCTAssertEqual(h.map(\.id), [child.id.encoded, parent.encoded])
        XCTAssertEqual(h[0].createdBy, "sh -c echo")
        XCTAssertEqual(h[0].comment, "second layer")
        XCTAssertEqual(h[1].tags, ["busybox:1.36", "busybox:latest"])
        XCTAssertEqual(try store.inspect("committed:v1").parent, parent.encoded)

        // The parent cannot be deleted under its child, even by force.
        XCTAssertThrowsError(try store.remove(parent.hex, force: true, users: Self.noUsers)) {
            XCTAssertEqual($0 as? ImageError, .conflict(
                "conflict: unable to delete \(parent.shortID) (cannot be forced) - image has dependent child images"))
        }
        // Untagging the parent leaves it as an intermediate image, hidden from the default list.
        try store.remove("busybox:1.36", users: Self.noUsers)
        XCTAssertEqual(try store.remove("busybox:latest", users: Self.noUsers), [.untagged("busybox:latest")])
        XCTAssertEqual(try store.list().map(\.id), [child.id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(all: true)).count, 2)
        XCTAssertEqual(try store.prune(users: Self.noUsers).imagesDeleted, [], "an intermediate image is not dangling")
        // Removing the child prunes the untagged parent with it.
        let items = try store.remove("committed:v1", users: Self.noUsers)
        XCTAssertTrue(items.contains(.deleted(child.id.encoded)))
        XCTAssertTrue(items.contains(.deleted(parent.encoded)))
        XCTAssertEqual(try store.list(ImageFilters(all: true)), [])
        XCTAssertEqual(store.layers.all(), [])
    }
}
