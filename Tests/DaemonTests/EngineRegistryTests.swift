import Foundation
import XCTest

/// Pulls from a real registry (Debian's docker-registry, the CNCF distribution registry) on
/// 127.0.0.1, seeded with skopeo from the busybox OCI layout, through the docker CLI and the
/// Python SDK.
final class EngineRegistryTests: EngineTestCase {
    /// One registry per class: its directory (storage, config, log, pid) and address.
    nonisolated(unsafe) static var registry: (dir: String, address: String)?

    override func setUpWithError() throws {
        try super.setUpWithError()
        try LocalRegistry.requireTools()
        if Self.registry == nil { Self.registry = try Self.startRegistry(ioDir: engine.ioDir) }
    }

    override class func tearDown() {
        if let r = registry {
            LocalRegistry.discard(r.dir)
            registry = nil
        }
        super.tearDown()
    }

    var address: String { Self.registry?.address ?? "127.0.0.1:1" }

    /// Starts the registry on a free port with private storage and pushes busybox (and a
    /// two-platform index of it) with skopeo.
    static func startRegistry(ioDir: String) throws -> (dir: String, address: String) {
        let dir = try LocalRegistry.privateDir("registry")
        let port = try freePort()
        try LocalRegistry.start(port: port, dir: dir + "/reg", ioDir: ioDir)
        let address = "127.0.0.1:\(port)"
        registry = (dir, address) // so tearDown stops it even if seeding fails
        let oci = try EngineHarness.imageDir.get() + "/oci"
        try copy("oci:\(oci):latest", "docker://\(address)/busybox:latest", ioDir: ioDir)
        let multi = dir + "/multi"
        let made = ChildProcess.run("/usr/bin/env", ["python3", "-c", multiPlatformScript, oci, multi], outputDir: ioDir)
        guard made.status == 0 else { throw HarnessError("making the multi-platform layout failed: \(made)") }
        try copy("oci:\(multi):latest", "docker://\(address)/multi:latest", all: true, ioDir: ioDir)
        return (dir, address)
    }

    static func copy(_ from: String, _ to: String, all: Bool = false, ioDir: String) throws {
        let r = ChildProcess.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false"] + (all ? ["--all"] : []) + [from, to],
                                 outputDir: ioDir, timeout: 120)
        guard r.status == 0 else { throw HarnessError("skopeo copy \(from) \(to) failed: \(r)") }
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw HarnessError("bind: \(errno)") }
        return UInt16(bigEndian: addr.sin_port)
    }

    /// An OCI layout whose `latest` is an index of the busybox manifest (linux/amd64) and a
    /// copy of it whose config says linux/arm64.
    static let multiPlatformScript = #"""
import hashlib, json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copytree(src, dst)
blobs = os.path.join(dst, "blobs", "sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return "sha256:" + d, len(data)
index = json.load(open(os.path.join(dst, "index.json")))
desc = index["manifests"][0]
manifest = json.load(open(os.path.join(blobs, desc["digest"].split(":")[1])))
config = json.load(open(os.path.join(blobs, manifest["config"]["digest"].split(":")[1])))
config["architecture"] = "arm64"
cd, cs = put(json.dumps(config).encode())
manifest["config"]["digest"], manifest["config"]["size"] = cd, cs
md, ms = put(json.dumps(manifest).encode())
entries = [
    {"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"], "platform": {"os": "linux", "architecture": "amd64"}},
    {"mediaType": desc["mediaType"], "digest": md, "size": ms, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
]
inner = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
idd, ids = put(json.dumps(inner).encode())
top = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": idd, "size": ids,
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
json.dump(top, open(os.path.join(dst, "index.json"), "w"))
"""#

    /// The digest the registry serves `repo:tag` under (what RepoDigests must record).
    func registryDigest(_ repo: String, _ tag: String) -> String {
        let accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
            + "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"
        let r = ChildProcess.run("/usr/bin/curl", ["-sfI", "-H", "Accept: \(accept)", "http://\(address)/v2/\(repo)/manifests/\(tag)"],
                                 outputDir: engine.ioDir)
        for line in r.stdout.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) where line.lowercased().hasPrefix("docker-content-digest:") {
            return line.dropFirst("docker-content-digest:".count).trimmingCharacters(in: .whitespaces)
        }
        XCTFail("no Docker-Content-Digest for \(repo):\(tag): \(r)")
        return ""
    }

    func testPullListRunAndUpToDate() throws {
        let image = "\(address)/busybox"
        engine.docker(["rmi", image]) // pulled by an earlier test, perhaps
        let pulled = ok(engine.docker(["pull", image], timeout: 120), "docker pull")
        XCTAssertTrue(pulled.contains("latest: Pulling from busybox"), pulled)
        let digest = registryDigest("busybox", "latest")
        XCTAssertTrue(pulled.contains("Digest: \(digest)"), pulled)
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(image):latest"), pulled)
        XCTAssertTrue(pulled.hasSuffix(image + ":latest"), pulled)

        let listed = ok(engine.docker(["images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}", image]))
        XCTAssertEqual(listed, "\(image) latest \(digest)")
        // The harness's busybox has the same config, so the image may carry other references.
        let repoDigests = ok(engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", image]))
        XCTAssertTrue(repoDigests.contains("\"\(image)@\(digest)\""), repoDigests)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "echo", "hi"])), "hi")
        // By digest too, and the same image.
        ok(engine.docker(["pull", "\(image)@\(digest)"], timeout: 120), "pull by digest")

        let again = ok(engine.docker(["pull", image], timeout: 120), "second pull")
        XCTAssertTrue(again.contains("Status: Image is up to date for \(image):latest"), again)
        XCTAssertFalse(again.contains("Downloading"), again)
    }

    func testPullAgainAfterRemovingItsReferences() throws {
        // The raw progress stream of a pull whose references were removed in between.
        let image = "\(address)/busybox:latest"
        ok(engine.docker(["pull", image], timeout: 120))
        // Untagging the last tag of a repository drops its digest references too, as with dockerd.
        let untagged = ok(engine.docker(["rmi", image]))
        XCTAssertTrue(untagged.contains("Untagged: \(address)/busybox@\(registryDigest("busybox", "latest"))"), untagged)
        let raw = engine.curl(["-s", "-X", "POST", "http://d/images/create?fromImage=\(address)/busybox&tag=latest"], timeout: 120)
        XCTAssertEqual(raw.status, 0)
        let statuses = raw.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return o["status"] as? String
        }
        XCTAssertEqual(statuses.first, "Pulling from busybox", raw.stdout)
        XCTAssertEqual(statuses.last, "Status: Downloaded newer image for \(image)", raw.stdout)
        XCTAssertFalse(raw.stdout.contains("errorDetail"), raw.stdout)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "sh", "-c", "echo ok"])), "ok")
    }

    func testMissingTagAndRepositoryAreClearErrors() throws {
        let tag = engine.docker(["pull", "\(address)/busybox:nope"], timeout: 60)
        XCTAssertNotEqual(tag.status, 0)
        XCTAssertTrue(tag.stderr.contains("manifest for \(address)/busybox:nope not found"), tag.stderr)
        XCTAssertTrue(tag.stderr.contains("manifest unknown"), tag.stderr)
        let repo = engine.docker(["pull", "\(address)/no/such/repo"], timeout: 60)
        XCTAssertNotEqual(repo.status, 0)
        XCTAssertTrue(repo.stderr.contains("not found"), repo.stderr)
        XCTAssertEqual(ok(engine.docker(["images", "-q", "\(address)/busybox:nope"])), "")
        // A registry that is not there: a connection error, no hang.
        let down = engine.docker(["pull", "127.0.0.1:1/busybox"], timeout: 60)
        XCTAssertNotEqual(down.status, 0)
        XCTAssertTrue(down.stderr.contains("connection refused"), down.stderr)
        // docker.io (a dead loopback port in the tests) without a mirror: the same, promptly.
        let hub = engine.docker(["pull", "busybox:nope"], timeout: 60)
        XCTAssertNotEqual(hub.status, 0)
        XCTAssertTrue(hub.stderr.contains("127.0.0.1:9") && hub.stderr.contains("connection refused"), hub.stderr)
    }

    func testMultiPlatformIndexPicksTheHostOrTheAskedPlatform() throws {
        let image = "\(address)/multi:latest"
        let indexDigest = registryDigest("multi", "latest")
        ok(engine.docker(["pull", image], timeout: 120))
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", image])), "linux/amd64")
        let repoDigests = ok(engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", image]))
        XCTAssertTrue(repoDigests.contains("\"\(address)/multi@\(indexDigest)\""), repoDigests)
        ok(engine.docker(["pull", "--platform", "linux/arm64", image], timeout: 120))
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Architecture}}", image])), "arm64")
        let none = engine.docker(["pull", "--platform", "linux/s390x", image], timeout: 60)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("no matching manifest for linux/s390x"), none.stderr)
    }

    /// daemon.json's registry-mirrors serve docker.io pulls (a dead mirror is skipped),
    /// max-concurrent-downloads holds back the downloads beyond it, and insecure-registries
    /// is accepted.
    func testRegistryMirrorServesDockerHubPulls() throws {
        try EngineRegistryTests.copy("oci:\(try EngineHarness.imageDir.get())/oci:latest", "docker://\(address)/library/busybox:latest", ioDir: engine.ioDir)
        let config = engine.root + "/daemon.json"
        try Data(#"{"registry-mirrors": ["http://127.0.0.1:1", "http://\#(address)"], "max-concurrent-downloads": 1, "insecure-registries": ["registry.invalid:5000"]}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        engine.stopDaemon()
        defer {
            try? Data("{}".utf8).write(to: URL(fileURLWithPath: config))
            engine.stopDaemon()
            XCTAssertNoThrow(try engine.start())
        }
        try engine.start()
        engine.docker(["rmi", "busybox"])
        let pulled = ok(engine.docker(["pull", "busybox"], timeout: 120), "pull through the mirror")
        XCTAssertTrue(pulled.contains("latest: Pulling from library/busybox"), pulled)
        XCTAssertTrue(pulled.contains("Digest: \(registryDigest("library/busybox", "latest"))"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "busybox", "echo", "mirrored"])), "mirrored")
        // One download at a time: the second layer waits for it, and says so as with dockerd.
        try pushVariant("waiting", ["--layer", "first:64", "--layer", "second:64"])
        let waited = ok(engine.docker(["pull", "\(address)/waiting"], timeout: 120), "pull with one download at a time")
        XCTAssertTrue(waited.contains("\(shortID(try XCTUnwrap(try registryLayers("waiting").last))): Waiting"), waited)
        engine.docker(["rmi", "\(address)/waiting"])
        // Only docker.io goes through mirrors: the same repository elsewhere is not mirrored.
        let other = engine.docker(["pull", "127.0.0.1:1/library/busybox"], timeout: 60)
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("connection refused"), other.stderr)
    }

    func testPythonSDKPull() throws {
        let digest = registryDigest("busybox", "latest")
        let r = engine.python("""
        img = client.images.pull('\(address)/busybox', tag='latest')
        print(img.id)
        print(json.dumps(img.attrs['RepoDigests']))
        try:
            client.images.pull('\(address)/busybox', tag='absent')
            print('no error')
        except docker.errors.NotFound as e:
            print('notfound')
        """)
        XCTAssertEqual(r.status, 0, "\(r)")
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.out)
        XCTAssertEqual(lines.first, ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", "\(address)/busybox"])))
        XCTAssertTrue(lines.dropFirst().first?.contains("\(address)/busybox@\(digest)") ?? false, r.out)
        XCTAssertEqual(lines.last, "notfound")
    }

    func testPushThenPullBackIdentical() throws {
        // An image made locally (no recorded manifest): the pushed manifest is built here.
        let image = "\(address)/pushed:v1"
        ok(engine.docker(["tag", "busybox", image]))
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", image]))
        let pushed = ok(engine.docker(["push", image], timeout: 120), "docker push")
        XCTAssertTrue(pushed.contains("The push refers to repository [\(address)/pushed]"), pushed)
        let digest = registryDigest("pushed", "v1")
        XCTAssertTrue(pushed.contains("v1: digest: \(digest) size: "), pushed)
        let again = ok(engine.docker(["push", image], timeout: 120), "second push")
        XCTAssertTrue(again.contains("Layer already exists"), again)
        XCTAssertTrue(again.contains("v1: digest: \(digest)"), again)
        ok(engine.docker(["rmi", image]))
        let back = ok(engine.docker(["pull", image], timeout: 120), "pull back")
        XCTAssertTrue(back.contains("Digest: \(digest)"), back)
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", image])), id)
        // A pulled image pushed elsewhere keeps its manifest digest.
        ok(engine.docker(["pull", "\(address)/busybox"], timeout: 120))
        ok(engine.docker(["tag", "\(address)/busybox", "\(address)/copy:latest"]))
        ok(engine.docker(["push", "\(address)/copy:latest"], timeout: 120))
        XCTAssertEqual(registryDigest("copy", "latest"), registryDigest("busybox", "latest"))
        let missing = engine.docker(["push", "\(address)/never-made:latest"], timeout: 60)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("does not exist locally"), missing.stderr)
    }
}
