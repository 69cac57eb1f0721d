import Foundation
import XCTest

/// Layers the store has already: dockerd's "<id>: Already exists", and no download of them.
extension EngineRegistryTests {
    /// busybox's config with another Cmd: the same single layer under a new image ID.
    static let otherConfigScript = #"""
import hashlib, json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True)
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
config.setdefault("config", {})["Cmd"] = ["echo", "other config"]
cd, cs = put(json.dumps(config).encode())
manifest["config"]["digest"], manifest["config"]["size"] = cd, cs
md, ms = put(json.dumps(manifest).encode())
desc["digest"], desc["size"] = md, ms
json.dump(index, open(os.path.join(dst, "index.json"), "w"))
"""#

    /// busybox plus a new layer (random bytes in /twice-data) listed twice, as an image
    /// that adds the same files twice has it.
    static let repeatedLayerScript = #"""
import gzip, hashlib, io, json, os, shutil, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
blobs = os.path.join(dst, "blobs", "sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return "sha256:" + d, len(data)
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
    payload = os.urandom(300 * 1024)
    info = tarfile.TarInfo("twice-data"); info.size = len(payload); info.mode = 0o644
    t.addfile(info, io.BytesIO(payload))
tar = raw.getvalue()
ld, ls = put(gzip.compress(tar, mtime=0))
index = json.load(open(os.path.join(dst, "index.json")))
desc = index["manifests"][0]
manifest = json.load(open(os.path.join(blobs, desc["digest"].split(":")[1])))
config = json.load(open(os.path.join(blobs, manifest["config"]["digest"].split(":")[1])))
config["rootfs"]["diff_ids"] += ["sha256:" + hashlib.sha256(tar).hexdigest()] * 2
config["config"]["Cmd"] = ["echo", "twice"]
cd, cs = put(json.dumps(config).encode())
manifest["config"]["digest"], manifest["config"]["size"] = cd, cs
manifest["layers"] += [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}] * 2
md, ms = put(json.dumps(manifest).encode())
desc["digest"], desc["size"] = md, ms
json.dump(index, open(os.path.join(dst, "index.json"), "w"))
"""#

    /// The layers of `repo:tag` as the registry lists them.
    func registryLayers(_ repo: String) throws -> [String] {
        let r = ChildProcess.run("/usr/bin/curl", ["-sf", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                                                   "http://\(address)/v2/\(repo)/manifests/latest"], outputDir: engine.ioDir)
        XCTAssertEqual(r.status, 0, "\(r)")
        let m = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return ((m?["layers"] as? [[String: Any]]) ?? []).compactMap { $0["digest"] as? String }
    }

    /// Pulls an image that adds a layer to busybox, and one that is busybox's layer under
    /// another config, after busybox itself. The registry has lost busybox's blob in both
    /// repositories (deleted through the API), so a pull that fetched it would fail.
    func testLayersAlreadyHereAreNotDownloaded() throws {
        let oci = try EngineHarness.imageDir.get() + "/oci"
        let dir = Self.registry?.dir ?? NSTemporaryDirectory()
        let stacked = "\(address)/shared-stacked:latest", other = "\(address)/shared-config:latest"
        defer { engine.docker(["rmi", stacked, other]) }
        for (script, name) in [(EngineRegistryFaultTests.uniqueImageScript, "shared-stacked"), (Self.otherConfigScript, "shared-config")] {
            let made = ChildProcess.run("/usr/bin/env", ["python3", "-c", script, oci, dir + "/layout-" + name], outputDir: engine.ioDir)
            XCTAssertEqual(made.status, 0, "\(made)")
            try Self.copy("oci:\(dir)/layout-\(name):latest", "docker://\(address)/\(name):latest", ioDir: engine.ioDir)
        }
        let base = try XCTUnwrap(try registryLayers("busybox").first)
        let top = try XCTUnwrap(try registryLayers("shared-stacked").last)
        XCTAssertEqual(try registryLayers("shared-stacked").first, base)
        XCTAssertEqual(try registryLayers("shared-config"), [base])
        ok(engine.docker(["pull", "\(address)/busybox"], timeout: 120), "pull busybox")

        for repo in ["shared-stacked", "shared-config"] {
            let url = "http://\(address)/v2/\(repo)/blobs/\(base)"
            let del = ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", url], outputDir: engine.ioDir)
            XCTAssertEqual(del.out, "202", "DELETE \(url): \(del)")
            let get = ChildProcess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url], outputDir: engine.ioDir)
            XCTAssertEqual(get.out, "404", "the registry still serves \(url)")
        }
        let short = { (d: String) in String(d.dropFirst("sha256:".count).prefix(12)) }

        let pulled = ok(engine.docker(["pull", stacked], timeout: 120), "pull of busybox plus a layer")
        XCTAssertTrue(pulled.contains("\(short(base)): Already exists"), pulled)
        XCTAssertFalse(pulled.contains("\(short(base)): Pulling fs layer"), pulled)
        XCTAssertTrue(pulled.contains("\(short(top)): Pull complete"), pulled)
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(stacked)"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", stacked, "sh", "-c", "test -s /fault-data && echo both"])), "both")

        // Nothing to download at all, but a new image: every layer is listed, as dockerd does.
        let same = ok(engine.docker(["pull", other], timeout: 120), "pull of busybox's layer under another config")
        XCTAssertTrue(same.contains("\(short(base)): Already exists"), same)
        XCTAssertTrue(same.contains("Status: Downloaded newer image for \(other)"), same)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", other])), "other config")
        // The image itself is here: no layer lines at all.
        let again = ok(engine.docker(["pull", other], timeout: 120), "second pull")
        XCTAssertFalse(again.contains("Already exists"), again)
        XCTAssertTrue(again.contains("Status: Image is up to date for \(other)"), again)
    }

    /// A blob listed twice is downloaded once and unpacked as both layers (two chain IDs).
    func testRepeatedLayerIsDownloadedOnceAndUnpackedTwice() throws {
        let oci = try EngineHarness.imageDir.get() + "/oci"
        let dir = Self.registry?.dir ?? NSTemporaryDirectory()
        let image = "\(address)/repeated:latest"
        defer { engine.docker(["rmi", image]) }
        let made = ChildProcess.run("/usr/bin/env", ["python3", "-c", Self.repeatedLayerScript, oci, dir + "/layout-repeated"],
                                    outputDir: engine.ioDir)
        XCTAssertEqual(made.status, 0, "\(made)")
        try Self.copy("oci:\(dir)/layout-repeated:latest", "docker://\(image)", ioDir: engine.ioDir)
        let pulled = ok(engine.docker(["pull", image], timeout: 120), "pull")
        let layers = try registryLayers("repeated")
        XCTAssertEqual(layers.count, 3)
        let short = String(layers[2].dropFirst("sha256:".count).prefix(12))
        XCTAssertEqual(pulled.components(separatedBy: "\(short): Pulling fs layer").count, 2, "one download: \(pulled)")
        XCTAssertTrue(pulled.contains("\(short): Pull complete"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image])), "twice")
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{len .RootFS.Layers}}", image])), "3")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "sh", "-c", "test -s /twice-data && echo ok"])), "ok")
    }
}
