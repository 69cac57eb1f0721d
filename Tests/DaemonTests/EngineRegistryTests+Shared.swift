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
print(manifest["layers"][0]["digest"])
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
}
