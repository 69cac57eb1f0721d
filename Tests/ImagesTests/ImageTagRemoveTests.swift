import XCTest
import Digest
import Images
import LinuxSys

/// tag, rmi and prune with Docker's semantics, and name resolution.
final class ImageTagRemoveTests: ImageStoreTestCase {
    private var store: ImageStore!
    private var id: Digest!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let fx = try BusyboxFixture.get()
        store = try openStore()
        id = try XCTUnwrap(try load(store, fx.dockerArchive).first?.id)
    }

    override func tearDown() {
        store = nil
        super.tearDown()
    }

    private func users(_ list: [ImageUser]) -> ImageUsers {
        let image = id
        return { $0 == image ? list : [] }
    }

    func testResolveByIDPrefixAndReference() throws {
        XCTAssertEqual(try store.resolve(id.hex), id)
        XCTAssertEqual(try store.resolve(id.encoded), id)
        XCTAssertEqual(try store.resolve(String(id.hex.prefix(1))), id)
        XCTAssertEqual(try store.resolve(String(id.hex.prefix(12))), id)
        XCTAssertEqual(try store.resolve("sha256:" + id.hex.prefix(5)), id)
        XCTAssertEqual(try store.resolve("busybox"), id)
        XCTAssertEqual(try store.resolve("docker.io/library/busybox:1.36"), id)
        XCTAssertEqual(try store.resolve("index.docker.io/library/busybox"), id)
        XCTAssertThrowsError(try store.resolve("busybox:nope")) {
            XCTAssertEqual($0 as? ImageError, .notFound("No such image: busybox:nope"))
        }
        XCTAssertThrowsError(try store.resolve("nosuch")) {
            XCTAssertEqual($0 as? ImageError, .notFound("No such image: nosuch:latest"))
        }
        let other = String(repeating: id.hex.first == "0" ? "1" : "0", count: 64)
        XCTAssertThrowsError(try store.resolve("sha256:" + other)) {
            XCTAssertEqual($0 as? ImageError, .notFound("No such image: sha256:" + other))
        }
        XCTAssertThrowsError(try store.resolve("Busybox")) {
            XCTAssertEqual($0 as? ImageError, .invalidArgument("invalid reference format: repository name (library/Busybox) must be lowercase"))
        }
        // Two images whose IDs share a first digit make that prefix ambiguous.
        var n = 0
        var second: Image?
        while second == nil || second?.id.hex.first != id.hex.first {
            n += 1
            second = try store.importRootfs(from: BytesSource(emptyTar()), changes: labelled("n\(n)"))
            XCTAssertLessThan(n, 200)
        }
        XCTAssertThrowsError(try store.resolve(String(id.hex.prefix(1)))) { error in
            guard case .notFound(let m)? = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("matches"), m)
        }
        XCTAssertEqual(try store.resolve(String(id.hex.prefix(20))), id)
    }

    func testTagAndUntag() throws {
        try store.tag(String(id.hex.prefix(6)), as: "localhost:5000/copy")
        XCTAssertEqual(try store.get("localhost:5000/copy:latest").id, id)
        XCTAssertEqual(try store.get("busybox").repoTags, ["busybox:1.36", "busybox:latest", "localhost:5000/copy:latest"])
        XCTAssertNotNil(try store.get("busybox").lastTagTime)
        XCTAssertThrowsError(try store.tag("busybox", as: "x@sha256:" + id.hex)) {
            XCTAssertEqual($0 as? ImageError, .invalidArgument("refusing to create a tag with a digest reference"))
        }
        XCTAssertThrowsError(try store.tag("busybox", as: "sha256:abc")) {
            XCTAssertEqual($0 as? ImageError, .invalidArgument("refusing to create an ambiguous tag using digest algorithm as name"))
        }
        XCTAssertThrowsError(try store.tag("nosuch", as: "x")) {
            XCTAssertEqual($0 as? ImageError, .notFound("No such image: nosuch:latest"))
        }
        XCTAssertThrowsError(try store.tag("busybox", as: "UPPER")) {
            guard case .invalidArgument? = $0 as? ImageError else { return XCTFail("\($0)") }
        }

        // Removing by name untags; the image stays while other tags remain.
        XCTAssertEqual(try store.remove("localhost:5000/copy", users: Self.noUsers), [.untagged("localhost:5000/copy:latest")])
        XCTAssertEqual(try store.remove("busybox:1.36", users: Self.noUsers), [.untagged("busybox:1.36")])
        XCTAssertEqual(try store.get(id.encoded).repoTags, ["busybox:latest"])
        // The last tag takes the image (and its layer) with it.
        let chain = try store.get(id.encoded).chainIDs[0]
        XCTAssertEqual(try store.remove("busybox", users: Self.noUsers),
                       [.untagged("busybox:latest"), .deleted(id.encoded), .deleted(chain.encoded)])
        XCTAssertThrowsError(try store.get(id.encoded))
        XCTAssertEqual(store.layers.all(), [])
        XCTAssertEqual(try FileIO.listDirectory(root + "/store/layers"), [])
        XCTAssertEqual(try store.content.list(), [], "config and layer blobs are collected")
        XCTAssertEqual(try FileIO.listDirectory(root + "/store/images"), [])
    }

    func testRemoveByIDWithSeveralRepositoriesNeedsForce() throws {
        try store.tag("busybox", as: "other")
        XCTAssertThrowsError(try store.remove(String(id.hex.prefix(12)), users: Self.noUsers)) {
            XCTAssertEqual($0 as? ImageError, .conflict(
                "conflict: unable to delete \(self.id.shortID) (must be forced) - image is referenced in multiple repositories"))
        }
        XCTAssertEqual(try store.get(id.encoded).repoTags.count, 3)
        let items = try store.remove(String(id.hex.prefix(12)), force: true, users: Self.noUsers)
        XCTAssertEqual(Set(items.compactMap { if case .untagged(let t) = $0 { return t }; return nil }),
                       ["busybox:1.36", "busybox:latest", "other:latest"])
        XCTAssertTrue(items.contains(.deleted(id.encoded)))
        XCTAssertThrowsError(try store.get(id.encoded))
    }

    func testRemoveByIDWithTagsOfOneRepositoryUntagsAndDeletes() throws {
        try store.remove("busybox:1.36", users: Self.noUsers)
        let items = try store.remove(id.encoded, users: Self.noUsers)
        XCTAssertEqual(items.first, .untagged("busybox:latest"))
        XCTAssertTrue(items.contains(.deleted(id.encoded)))
    }

    func testImagesInUseByContainers() throws {
        let stopped = users([ImageUser(containerID: "abcdef0123456789abcdef", running: false)])
        let running = users([ImageUser(containerID: "0123456789abcdef0123", running: true)])
        try store.remove("busybox:1.36", users: Self.noUsers)
        // Its last tag while a container uses it: refused unless forced.
        XCTAssertThrowsError(try store.remove("busybox", users: stopped)) {
            XCTAssertEqual($0 as? ImageError, .conflict(
                "conflict: unable to remove repository reference \"busybox\" (must force) - container abcdef012345 is using its referenced image \(self.id.shortID)"))
        }
        // By ID: a stopped container needs force, a running one cannot be forced.
        XCTAssertThrowsError(try store.remove(id.hex, users: stopped)) {
            XCTAssertEqual($0 as? ImageError, .conflict(
                "conflict: unable to delete \(self.id.shortID) (must be forced) - image is being used by stopped container abcdef012345"))
        }
        XCTAssertThrowsError(try store.remove(id.hex, force: true, users: running)) {
            XCTAssertEqual($0 as? ImageError, .conflict(
                "conflict: unable to delete \(self.id.shortID) (cannot be forced) - image is being used by running container 0123456789ab"))
        }
        // Forced untag of the last tag: the image stays (dangling) while the container lives.
        XCTAssertEqual(try store.remove("busybox", force: true, users: running), [.untagged("busybox:latest")])
        XCTAssertEqual(try store.get(id.encoded).repoTags, [])
        XCTAssertFalse(try store.layerDirs(id).isEmpty)
        // Prune leaves images in use alone.
        XCTAssertEqual(try store.prune(users: stopped).imagesDeleted, [])
        XCTAssertNoThrow(try store.get(id.encoded))
        let report = try store.prune(users: Self.noUsers)
        XCTAssertEqual(report.imagesDeleted.first, .deleted(id.encoded))
        XCTAssertGreaterThan(report.spaceReclaimed, 1_000_000)
    }

    func testPruneDanglingAndAll() throws {
        let dangling = try store.importRootfs(from: BytesSource(emptyTar()), changes: labelled("dangling"))
        let tagged = try store.importRootfs(from: BytesSource(emptyTar()), reference: "keep", changes: labelled("keep"))
        let report = try store.prune(users: Self.noUsers)
        XCTAssertEqual(report.imagesDeleted.first, .deleted(dangling.id.encoded))
        XCTAssertThrowsError(try store.get(dangling.id.encoded))
        XCTAssertNoThrow(try store.get("keep"))
        XCTAssertNoThrow(try store.get("busybox"))
        XCTAssertEqual(try store.prune(users: Self.noUsers).imagesDeleted, [])

        // Only images matching the label filter; then all unused images.
        let byLabel = try store.prune(all: true, filters: ImageFilters(labels: ["t=keep"]), users: Self.noUsers)
        XCTAssertEqual(Array(byLabel.imagesDeleted.prefix(2)), [.untagged("keep:latest"), .deleted(tagged.id.encoded)])
        XCTAssertEqual(byLabel.imagesDeleted.count, 3, "and its layer, which no other image uses now")
        let all = try store.prune(all: true, users: Self.noUsers)
        XCTAssertTrue(all.imagesDeleted.contains(.deleted(id.encoded)))
        XCTAssertGreaterThan(all.spaceReclaimed, 1_000_000)
        XCTAssertEqual(try store.list(), [])
        XCTAssertEqual(store.layers.all(), [])
    }

    func testListFilters() throws {
        let other = try store.importRootfs(from: BytesSource(emptyTar()), reference: "localhost:5000/app:1", changes: labelled("x"))
        let none = try store.importRootfs(from: BytesSource(emptyTar()), changes: labelled("y"))
        XCTAssertEqual(try store.list().map(\.id), [none.id.encoded, other.id.encoded, id.encoded], "newest first")
        XCTAssertEqual(try store.list(ImageFilters(dangling: true)).map(\.id), [none.id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(dangling: false)).map(\.id), [other.id.encoded, id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(labels: ["t"])).map(\.id), [none.id.encoded, other.id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(labels: ["t=x"])).map(\.id), [other.id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(references: ["busy*"])).map(\.repoTags), [["busybox:1.36", "busybox:latest"]])
        XCTAssertEqual(try store.list(ImageFilters(references: ["busybox:1*"])).map(\.repoTags), [["busybox:1.36"]])
        XCTAssertEqual(try store.list(ImageFilters(references: ["localhost:5000/*"])).map(\.id), [other.id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(before: "localhost:5000/app:1")).map(\.id), [id.encoded])
        XCTAssertEqual(try store.list(ImageFilters(since: "busybox")).map(\.id), [none.id.encoded, other.id.encoded])
        XCTAssertThrowsError(try store.list(ImageFilters(references: ["[-x]"])))
        let usage = store.diskUsage()
        XCTAssertEqual(usage.images.count, 3)
        XCTAssertGreaterThan(usage.layersSize, 1_000_000)
        // The two imports share their (empty) layer.
        XCTAssertEqual(usage.images.first { $0.id == id.encoded }?.sharedSize, 0)
    }

    /// An empty tar: 1024 zero bytes.
    private func emptyTar() -> [UInt8] { [UInt8](repeating: 0, count: 1024) }

    private func labelled(_ v: String) -> ImageConfigChanges {
        var c = ImageConfigChanges()
        c.labels = ["t": v]
        return c
    }
}
