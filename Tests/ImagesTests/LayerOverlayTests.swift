import CLinux
import Foundation
import Glibc
import XCTest
import Digest
import Images
import JSON
import LinuxSys

/// A two-layer image with whiteouts, built here with tar, stacked with overlayfs.
final class LayerOverlayTests: ImageStoreTestCase {
    private func makeLayer(_ name: String, _ files: [String: String], dirs: [String] = []) throws -> String {
        let dir = root + "/src-" + name
        for d in dirs { try FileIO.mkdirAll(dir + "/" + d) }
        for (path, content) in files {
            try FileIO.mkdirAll(FileIO.parent(of: dir + "/" + path))
            try FileIO.writeAtomic(dir + "/" + path, bytes(content), mode: 0o644)
        }
        let tar = root + "/" + name + ".tar"
        try sh("tar", "-C", dir, "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-cf", tar, ".")
        return tar
    }

    private func buildArchive() throws -> (path: String, diffIDs: [String]) {
        let l1 = try makeLayer("l1", ["a/gone": "old\n", "a/keep": "keep\n", "b/x": "x\n", "top": "1\n"])
        let l2 = try makeLayer("l2", ["a/.wh.gone": "", "a/new": "new\n", "b/.wh..wh..opq": "", "b/y": "y\n", "top": "2\n"])
        try sh("gzip", "-n", l2) // the second layer compressed, as registries serve them
        let d1 = try sha256Hex(ofFile: l1)
        try sh("sh", "-c", "gunzip -c \(l2).gz > \(root)/l2-plain.tar")
        let d2 = try sha256Hex(ofFile: root + "/l2-plain.tar")
        let dir = root + "/archive"
        try FileIO.mkdirAll(dir + "/layers")
        try sh("cp", l1, dir + "/layers/one.tar")
        try sh("cp", l2 + ".gz", dir + "/layers/two.tar")
        let config = """
        {"architecture":"\(Platform.host.architecture)","os":"linux","created":"2024-01-02T03:04:05Z",\
        "config":{"Cmd":["/bin/true"],"Unknown":"kept"},"rootfs":{"type":"layers","diff_ids":["sha256:\(d1)","sha256:\(d2)"]},\
        "history":[{"created":"2024-01-01T00:00:00Z","created_by":"ADD one"},{"created":"2024-01-02T00:00:00Z","created_by":"ENV x","empty_layer":true},\
        {"created":"2024-01-02T03:04:05Z","created_by":"ADD two","comment":"second"}],"future_field":[1,2,3]}
        """
        try FileIO.writeAtomic(dir + "/config.json", bytes(config))
        try FileIO.writeAtomic(dir + "/manifest.json",
                               bytes(#"[{"Config":"config.json","RepoTags":["whiteouts:test"],"Layers":["layers/one.tar","layers/two.tar"]}]"#))
        // manifest.json last: the loader must not need it first.
        try sh("tar", "-C", dir, "-cf", root + "/whiteouts.tar", "layers", "config.json", "manifest.json")
        return (root + "/whiteouts.tar", [d1, d2])
    }

    func testLayersStackWithOverlayfsAndWhiteoutsHideFiles() throws {
        let (archive, diffIDs) = try buildArchive()
        let store = try openStore()
        let loaded = try load(store, archive)
        let id = try XCTUnwrap(loaded.first?.id)
        XCTAssertEqual(loaded.first?.messages, ["Loaded image: whiteouts:test"])
        XCTAssertEqual(id, Digest.sha256(of: try FileIO.read(path: root + "/archive/config.json")), "ID from the exact bytes")
        XCTAssertEqual(try store.configBytes(id), try FileIO.read(path: root + "/archive/config.json"), "unknown fields kept verbatim")

        let d = try diffIDs.map { try Digest(sha256Hex: $0) }
        let chains = LayerStore.chainIDs(d)
        XCTAssertEqual(chains[0], d[0])
        XCTAssertEqual(chains[1], Digest.sha256(of: "sha256:\(diffIDs[0]) sha256:\(diffIDs[1])"))
        XCTAssertEqual(try store.get(id.encoded).chainIDs, chains)
        XCTAssertEqual(store.layers.get(chains[1])?.parent, chains[0])
        XCTAssertEqual(store.layers.get(chains[1])?.diffID, d[1])

        let dirs = try store.layerDirs(id)
        XCTAssertEqual(dirs, [root + "/store/layers/\(chains[1].hex)/diff", root + "/store/layers/\(chains[0].hex)/diff"], "top first")

        // The upper layer holds overlay whiteouts: a 0/0 character device and the opaque attribute.
        var st = stat()
        XCTAssertEqual(lstat(dirs[0] + "/a/gone", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(st.st_rdev, 0)
        XCTAssertFalse(FileIO.exists(dirs[0] + "/a/.wh.gone"))
        var v = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(getxattr(dirs[0] + "/b", "trusted.overlay.opaque", &v, v.count), 1)
        XCTAssertEqual(v[0], UInt8(ascii: "y"))

        let mnt = root + "/mnt"
        try FileIO.mkdirAll(mnt)
        let rc = mount("overlay", mnt, "overlay", 0, "lowerdir=" + dirs.joined(separator: ":"))
        XCTAssertEqual(rc, 0, "mount overlay: \(Errno.describe(errno))")
        guard rc == 0 else { return }
        mounts.append(mnt)
        XCTAssertFalse(FileIO.exists(mnt + "/a/gone"), "the whiteout hides the lower file")
        XCTAssertEqual(try FileIO.readString(mnt + "/a/keep"), "keep\n")
        XCTAssertEqual(try FileIO.readString(mnt + "/a/new"), "new\n")
        XCTAssertFalse(FileIO.exists(mnt + "/b/x"), "the opaque directory hides the lower contents")
        XCTAssertEqual(try FileIO.readString(mnt + "/b/y"), "y\n")
        XCTAssertEqual(try FileIO.readString(mnt + "/top"), "2\n")

        // History: the empty layer has no size; rows newest first; only the top row has the ID.
        let h = try store.history("whiteouts:test")
        XCTAssertEqual(h.map(\.createdBy), ["ADD two", "ENV x", "ADD one"])
        XCTAssertEqual(h.map(\.id), [id.encoded, "<missing>", "<missing>"])
        XCTAssertEqual(h[1].size, 0)
        XCTAssertEqual(h[0].size, store.layers.get(chains[1])?.size)
        XCTAssertEqual(h[0].comment, "second")
        XCTAssertEqual(h[2].created, 1_704_067_200)
        XCTAssertEqual(h[0].tags, ["whiteouts:test"])

        // Save reproduces each layer's exact uncompressed tar (the second from its gzip blob).
        let sink = BytesSink()
        try store.save(["whiteouts:test"], to: sink)
        let other = try openStore("other")
        XCTAssertEqual(try other.load(from: BytesSource(sink.bytes)).map(\.id), [id])
        XCTAssertEqual(try other.get(id.encoded).chainIDs, chains)
    }
}
