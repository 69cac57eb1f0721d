import Foundation
import XCTest
import Digest
import Images
import JSON
import LinuxSys

/// docker load / save / import with the busybox fixture, and the store after a restart.
final class ImageLoadSaveTests: ImageStoreTestCase {
    func testLoadDockerArchive() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        let loaded = try load(store, fx.dockerArchive)
        XCTAssertEqual(loaded.count, 1)
        let id = try XCTUnwrap(loaded.first?.id)
        // The ID is the sha256 of the config file's exact bytes.
        XCTAssertEqual(id.hex, fx.configHex)
        XCTAssertEqual(try store.configBytes(id), Array(try sh("tar", "-xOf", fx.dockerArchive, fx.configHex + ".json").utf8))
        XCTAssertEqual(loaded[0].messages, ["Loaded image: busybox:latest", "Loaded image: busybox:1.36"])
        XCTAssertEqual(loaded[0].references.map(\.description), ["docker.io/library/busybox:latest", "docker.io/library/busybox:1.36"])

        let img = try store.get("busybox")
        XCTAssertEqual(img.id, id)
        XCTAssertEqual(img.repoTags, ["busybox:1.36", "busybox:latest"])
        XCTAssertEqual(img.config.config?.Cmd, ["sh"])
        XCTAssertEqual(img.config.rootfs.diffIDs.map(\.hex), [fx.diffIDHex])
        XCTAssertEqual(img.chainIDs.map(\.hex), [fx.diffIDHex], "one layer: the chain ID is the diff ID")
        XCTAssertGreaterThan(img.size, 1_000_000)

        let dirs = try store.layerDirs(id)
        XCTAssertEqual(dirs, [root + "/store/layers/" + fx.diffIDHex + "/diff"])
        XCTAssertTrue(FileIO.exists(dirs[0] + "/bin/busybox"))
        XCTAssertEqual(try sh("cmp", dirs[0] + "/bin/busybox", "/bin/busybox"), "")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dirs[0] + "/bin/sh"), "/bin/busybox")

        // The layer tar is kept as a blob (the docker archive's is uncompressed: blob = diff ID).
        XCTAssertTrue(store.content.has(try Digest(sha256Hex: fx.diffIDHex)))
        XCTAssertTrue(store.content.has(id))

        let inspect = try store.inspect("busybox:1.36")
        XCTAssertEqual(inspect.id, id.encoded)
        XCTAssertEqual(inspect.repoTags, ["busybox:1.36", "busybox:latest"])
        XCTAssertEqual(inspect.repoDigests, [])
        XCTAssertEqual(inspect.created, "1970-01-01T00:00:00Z")
        XCTAssertEqual(inspect.os, "linux")
        XCTAssertEqual(inspect.rootFS.type, "layers")
        XCTAssertEqual(inspect.rootFS.layers, ["sha256:" + fx.diffIDHex])
        XCTAssertEqual(inspect.size, img.size)
        XCTAssertEqual(inspect.parent, "")
        let json = String(decoding: try JSON.encode(inspect), as: UTF8.self)
        XCTAssertTrue(json.contains("\"Metadata\":{\"LastTagTime\":\""), json)
        XCTAssertTrue(json.contains("\"RootFS\":{\"Layers\":[\"sha256:\(fx.diffIDHex)\"],\"Type\":\"layers\"}"), json)

        let history = try store.history("busybox")
        XCTAssertEqual(history.count, 1)
        XCTAssertEqual(history[0].id, id.encoded)
        XCTAssertEqual(history[0].createdBy, "make-busybox-image.sh (busybox-static)")
        XCTAssertEqual(history[0].tags, ["busybox:1.36", "busybox:latest"])
        XCTAssertEqual(history[0].size, img.size)
        XCTAssertEqual(history[0].created, 0)

        let list = try store.list()
        XCTAssertEqual(list.map(\.id), [id.encoded])
        XCTAssertEqual(list.first?.repoTags, ["busybox:1.36", "busybox:latest"])
        XCTAssertEqual(list.first?.size, img.size)

        // Loading again changes nothing and says so the same way.
        let again = try load(store, fx.dockerArchive)
        XCTAssertEqual(again.first?.messages, ["Loaded image: busybox:latest", "Loaded image: busybox:1.36"])
        XCTAssertEqual(try store.list().count, 1)
        XCTAssertEqual(try FileIO.listDirectory(root + "/store/tmp"), [], "spooled files are cleaned up")
    }

    func testLoadOCILayout() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        // ref.name "latest"/"1.36" are bare tags naming no repository: docker prints the ID.
        let loaded = try load(store, fx.ociTar)
        XCTAssertEqual(loaded.count, 1)
        XCTAssertEqual(loaded[0].id.hex, fx.configHex, "same config, same ID as the docker archive")
        XCTAssertEqual(loaded[0].messages, ["Loaded image ID: sha256:" + fx.configHex])
        XCTAssertEqual(try store.list(ImageFilters(dangling: true)).map(\.id), ["sha256:" + fx.configHex])
        // The gzip layer blob is kept compressed; the unpacked layer is the same diff.
        let dirs = try store.layerDirs(loaded[0].id)
        XCTAssertTrue(FileIO.exists(dirs[0] + "/bin/busybox"))

        // With containerd's name annotation (and the whole tar gzip-compressed) it is tagged.
        let named = try load(store, fx.ociNamedTar)
        XCTAssertEqual(named.first?.messages, ["Loaded image: busybox:oci"])
        XCTAssertEqual(try store.get("busybox:oci").id, loaded[0].id)
        XCTAssertEqual(try store.list(ImageFilters(dangling: true)).count, 0)
    }

    func testLoadMultiPlatformOCILayoutTakesTheHostPlatform() throws {
        let fx = try BusyboxFixture.get()
        let dir = root + "/multi"
        try sh("cp", "-a", fx.ociDir, dir)
        let top = try JSON.decode(ImageIndex.self, from: try FileIO.read(path: dir + "/index.json"))
        var host = try XCTUnwrap(top.manifests.first)
        host.annotations = nil
        host.platform = Platform.host
        // Another platform's manifest whose blobs are not in the archive: loading it would fail.
        let other = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.sha256(of: "elsewhere"), size: 9,
                               platform: Platform(architecture: Platform.host.architecture == "s390x" ? "amd64" : "s390x", os: "linux"))
        let nested = try JSON.encode(ImageIndex(manifests: [other, host]))
        let nestedDigest = Digest.sha256(of: nested)
        try FileIO.writeAtomic(dir + "/blobs/sha256/" + nestedDigest.hex, nested)
        let entry = Descriptor(mediaType: MediaType.ociIndex, digest: nestedDigest, size: Int64(nested.count),
                               annotations: [Annotation.refName: "localhost:5000/multi:v1"])
        try FileIO.writeAtomic(dir + "/index.json", try JSON.encode(ImageIndex(manifests: [entry])))
        try sh("tar", "-C", dir, "-cf", root + "/multi.tar", ".")

        let store = try openStore(durable: true)
        let loaded = try load(store, root + "/multi.tar")
        XCTAssertEqual(loaded.map(\.id.hex), [fx.configHex])
        XCTAssertEqual(loaded.first?.messages, ["Loaded image: localhost:5000/multi:v1"])

        // No entry for this platform: a clear error.
        let foreign = try JSON.encode(ImageIndex(manifests: [other]))
        try FileIO.writeAtomic(dir + "/index.json", foreign)
        try sh("tar", "-C", dir, "-cf", root + "/foreign.tar", ".")
        XCTAssertThrowsError(try load(store, root + "/foreign.tar")) { error in
            XCTAssertEqual("\(error)", "invalid OCI image layout: index.json lists no image for linux/\(Platform.host.architecture)")
        }
    }

    func testSaveProducesADockerLoadableArchiveThatLoadsBackToTheSameID() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        let id = try XCTUnwrap(try load(store, fx.dockerArchive).first?.id)
        let out = root + "/saved.tar"
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        try store.save(["busybox"], to: FDSink(fd: fd))
        close(fd)

        let names = Set(try sh("tar", "-tf", out).split(separator: "\n").map(String.init))
        for expected in ["manifest.json", "repositories", "index.json", "oci-layout", "blobs/sha256/" + fx.configHex,
                         "blobs/sha256/" + fx.diffIDHex] {
            XCTAssertTrue(names.contains(expected), "\(expected) missing from \(names.sorted())")
        }
        let manifest = try JSON.decode([ArchiveManifestEntry].self, from: bytes(try sh("tar", "-xOf", out, "manifest.json")))
        XCTAssertEqual(manifest, [ArchiveManifestEntry(config: "blobs/sha256/" + fx.configHex,
                                                      repoTags: ["busybox:1.36", "busybox:latest"],
                                                      layers: ["blobs/sha256/" + fx.diffIDHex])])
        let repos = try JSON.decode(LegacyRepositories.self, from: bytes(try sh("tar", "-xOf", out, "repositories")))
        XCTAssertEqual(repos, ["busybox": ["latest": fx.diffIDHex, "1.36": fx.diffIDHex]])
        let index = try JSON.decode(ImageIndex.self, from: bytes(try sh("tar", "-xOf", out, "index.json")))
        XCTAssertEqual(index.manifests.compactMap { $0.annotations?[Annotation.containerdImageName] }.sorted(),
                       ["docker.io/library/busybox:1.36", "docker.io/library/busybox:latest"])
        XCTAssertEqual(index.manifests.compactMap { $0.annotations?[Annotation.refName] }.sorted(), ["1.36", "latest"])

        // Every blob hashes to its name (the layer is the exact uncompressed tar).
        let x = root + "/x"
        try FileIO.mkdirAll(x)
        try sh("tar", "-C", x, "-xf", out)
        for blob in try FileIO.listDirectory(x + "/blobs/sha256") {
            XCTAssertEqual(try sha256Hex(ofFile: x + "/blobs/sha256/" + blob), blob)
        }
        XCTAssertEqual(try sh("cmp", x + "/blobs/sha256/" + fx.diffIDHex, fx.rootfsTar), "")

        // Our load takes it back: same ID, same tags (manifest.json is preferred over index.json).
        let other = try openStore("other")
        let loaded = try load(other, out)
        XCTAssertEqual(loaded.map(\.id), [id])
        XCTAssertEqual(try other.get(id.encoded).repoTags, ["busybox:1.36", "busybox:latest"])

        // The OCI layout half alone loads too (what containerd-based loaders read).
        FileIO.removeAll(x + "/manifest.json")
        FileIO.removeAll(x + "/repositories")
        try sh("tar", "-C", x, "-cf", root + "/oci-only.tar", ".")
        let third = try openStore("third")
        let ociLoaded = try load(third, root + "/oci-only.tar")
        XCTAssertEqual(ociLoaded.map(\.id), [id])
        XCTAssertEqual(try third.get(id.encoded).repoTags, ["busybox:1.36", "busybox:latest"])

        // Saving by tag or ID selects one image; an unknown name is Docker's error.
        let sink = BytesSink()
        try store.save([String(fx.configHex.prefix(8))], to: sink)
        XCTAssertGreaterThan(sink.bytes.count, 2_000_000)
        XCTAssertThrowsError(try store.save(["nosuch:tag"], to: BytesSink())) { error in
            XCTAssertEqual(error as? ImageError, .notFound("No such image: nosuch:tag"))
        }
    }

    func testImportRootfs() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        let changes = try ImageConfigChanges.parse([#"CMD ["/bin/sh"]"#, "ENV FOO=bar", "WORKDIR /tmp", "LABEL a=b"])
        let img = try store.importRootfs(from: try fileSource(fx.rootfsTar), reference: "imported:v1", changes: changes,
                                         message: "Imported from -")
        XCTAssertEqual(img.repoTags, ["imported:v1"])
        XCTAssertEqual(img.config.rootfs.diffIDs.map(\.hex), [fx.diffIDHex], "the diff ID is the tar's sha256")
        XCTAssertEqual(img.config.config?.Cmd, ["/bin/sh"])
        XCTAssertEqual(img.config.config?.Env, ["FOO=bar"])
        XCTAssertEqual(img.config.config?.WorkingDir, "/tmp")
        XCTAssertEqual(img.config.config?.Labels, ["a": "b"])
        XCTAssertEqual(img.config.comment, "Imported from -")
        XCTAssertEqual(img.config.history?.first?.comment, "Imported from -")
        XCTAssertEqual(img.config.os, "linux")
        XCTAssertEqual(img.config.architecture, Platform.host.architecture)
        XCTAssertEqual(img.id, Digest.sha256(of: try store.configBytes(img.id)))
        XCTAssertNotNil(img.lastTagTime)
        XCTAssertTrue(FileIO.exists(try store.layerDirs(img.id)[0] + "/bin/busybox"))
        XCTAssertEqual(try store.history("imported:v1").first?.comment, "Imported from -")

        // A gzip-compressed rootfs, no reference: dangling, same layer reused.
        try sh("sh", "-c", "gzip -c \(fx.rootfsTar) > \(root)/rootfs.tar.gz")
        let plain = try store.importRootfs(from: try fileSource(root + "/rootfs.tar.gz"))
        XCTAssertEqual(plain.repoTags, [])
        XCTAssertEqual(plain.chainIDs, img.chainIDs)
        XCTAssertEqual(store.layers.all().count, 1)

        XCTAssertThrowsError(try store.importRootfs(from: BytesSource([]), reference: "x@sha256:" + fx.configHex)) { error in
            XCTAssertEqual(error as? ImageError, .invalidArgument("cannot import digest reference"))
        }
        XCTAssertThrowsError(try store.importRootfs(from: BytesSource(bytes("not a tar at all, clearly not")), reference: "bad")) { error in
            guard case .invalidArgument? = error as? ImageError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try store.get("bad"))
    }

    func testStoreReopenedFromDiskKeepsEverything() throws {
        let fx = try BusyboxFixture.get()
        var store: ImageStore? = try openStore()
        let id = try XCTUnwrap(try load(store!, fx.dockerArchive).first?.id)
        try store!.tag("busybox", as: "localhost:5000/mine:v2")
        let imported = try store!.importRootfs(from: try fileSource(fx.rootfsTar), reference: "imported")
        let before = try store!.list()
        // Left behind by a pull cut short: collected when the store opens again.
        let orphan = try store!.content.ingest(bytes: bytes("orphan")).digest
        store = nil

        let reopened = try openStore(durable: true)
        XCTAssertEqual(try reopened.list(), before)
        XCTAssertEqual(try reopened.get("localhost:5000/mine:v2").id, id)
        XCTAssertEqual(try reopened.get("imported:latest").id, imported.id)
        XCTAssertEqual(try reopened.inspect("busybox").repoTags, ["busybox:1.36", "busybox:latest", "localhost:5000/mine:v2"])
        XCTAssertTrue(FileIO.exists(try reopened.layerDirs(id)[0] + "/bin/busybox"))
        XCTAssertFalse(reopened.content.has(orphan))
        XCTAssertTrue(reopened.content.has(id))
        let repos = try FileIO.readString(root + "/store/repositories.json")
        XCTAssertTrue(repos.contains("\"busybox:latest\": \"sha256:\(fx.configHex)\""), repos)
        XCTAssertTrue(repos.contains("\"localhost:5000/mine\""), repos)
    }

    func testAddImageFromBlobsAsAPullDoes() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        let index = try JSON.decode(ImageIndex.self, from: try FileIO.read(path: fx.ociDir + "/index.json"))
        let manifestDigest = try XCTUnwrap(index.manifests.first?.digest)
        let blobPath = { (d: Digest) in fx.ociDir + "/blobs/sha256/" + d.hex }
        let manifestBytes = try FileIO.read(path: blobPath(manifestDigest))
        let manifest = try JSON.decode(ImageManifest.self, from: manifestBytes)
        let id = try store.withWriteLease { () throws -> Digest in
            try store.content.ingest(bytes: manifestBytes, expected: manifestDigest)
            var blobs: [LayerBlob] = []
            for l in manifest.layers {
                try store.content.ingest(from: try fileSource(blobPath(l.digest)), expected: l.digest, size: l.size)
                blobs.append(LayerBlob(digest: l.digest, mediaType: l.mediaType, size: l.size))
            }
            let config = try FileIO.read(path: blobPath(manifest.config.digest))
            return try store.addImage(configBytes: config, layers: blobs, manifest: manifestDigest)
        }
        XCTAssertEqual(id, manifest.config.digest)
        let repo = try Reference.parseNormalized("localhost:5000/busybox")
        try store.addReference(repo.withDigest(manifestDigest), to: id)
        try store.addReference(try repo.withTag("1"), to: id)
        let inspect = try store.inspect("localhost:5000/busybox:1")
        XCTAssertEqual(inspect.repoTags, ["localhost:5000/busybox:1"])
        XCTAssertEqual(inspect.repoDigests, ["localhost:5000/busybox@" + manifestDigest.encoded])
        XCTAssertEqual(try store.resolve("localhost:5000/busybox@" + manifestDigest.encoded), id)
        XCTAssertTrue(store.content.has(manifestDigest), "the manifest is kept with the image")
        // The repository's last tag takes its digest reference (and then the image) along.
        let items = try store.remove("localhost:5000/busybox:1", users: Self.noUsers)
        XCTAssertEqual(Array(items.prefix(3)), [.untagged("localhost:5000/busybox:1"),
                                                .untagged("localhost:5000/busybox@" + manifestDigest.encoded), .deleted(id.encoded)])
        XCTAssertFalse(store.content.has(manifestDigest))
        XCTAssertEqual(try store.content.list(), [])
    }

    func testLayerWithTheWrongDiffIDIsRefusedAndLeavesNothing() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        // The busybox config, pointing at a different (tiny) layer tar.
        let dir = root + "/bad"
        try FileIO.mkdirAll(dir + "/content/etc")
        try FileIO.writeAtomic(dir + "/content/etc/hello", bytes("hi\n"))
        try sh("tar", "-C", dir + "/content", "-cf", dir + "/layer.tar", "etc")
        try sh("sh", "-c", "tar -xOf \(fx.dockerArchive) \(fx.configHex).json > \(dir)/config.json")
        try FileIO.writeAtomic(dir + "/manifest.json",
                               bytes(#"[{"Config":"config.json","RepoTags":["bad:1"],"Layers":["layer.tar"]}]"#))
        try sh("tar", "-C", dir, "-cf", root + "/bad.tar", "manifest.json", "config.json", "layer.tar")
        XCTAssertThrowsError(try load(store, root + "/bad.tar")) { error in
            guard case .invalidArgument(let m)? = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("diff ID") && m.contains(fx.diffIDHex), m)
        }
        XCTAssertThrowsError(try store.get("bad:1"))
        XCTAssertEqual(store.layers.all(), [])
        XCTAssertEqual(try FileIO.listDirectory(root + "/store/layers"), [])
        XCTAssertEqual(try FileIO.listDirectory(root + "/store/tmp"), [])
    }

    func testBadArchivesGetClearErrors() throws {
        let store = try openStore(durable: true)
        try FileIO.mkdirAll(root + "/empty/x")
        try sh("tar", "-C", root + "/empty", "-cf", root + "/empty.tar", "x")
        XCTAssertThrowsError(try load(store, root + "/empty.tar")) { error in
            XCTAssertEqual("\(error)", "invalid image archive: it has neither manifest.json (docker save format) nor index.json (OCI image layout)")
        }
        try FileIO.writeAtomic(root + "/empty/manifest.json", bytes(#"[{"Config":"missing.json","RepoTags":["a:b"],"Layers":[]}]"#))
        try sh("tar", "-C", root + "/empty", "-cf", root + "/missing.tar", "manifest.json")
        XCTAssertThrowsError(try load(store, root + "/missing.tar")) { error in
            XCTAssertEqual("\(error)", "invalid image archive: config \"missing.json\" is not in the archive")
        }
        XCTAssertThrowsError(try store.load(from: BytesSource(Array(repeating: 7, count: 1000)))) { error in
            guard case .invalidArgument? = error as? ImageError else { return XCTFail("\(error)") }
        }
    }

    func testConcurrentLoadsOfOneImage() throws {
        let fx = try BusyboxFixture.get()
        let store = try openStore(durable: true)
        let results = Locked<[Digest]>([])
        let errors = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            do {
                let l = try store.load(from: try fileSource(i == 1 ? fx.ociNamedTar : fx.dockerArchive))
                results.mutate { $0 += l.map(\.id) }
            } catch { errors.mutate { $0.append("\(error)") } }
        }
        XCTAssertEqual(errors.value, [])
        XCTAssertEqual(Set(results.value).map(\.hex), [fx.configHex])
        XCTAssertEqual(store.layers.all().count, 1)
        XCTAssertEqual(try store.get("busybox:oci").id.hex, fx.configHex)
    }
}
