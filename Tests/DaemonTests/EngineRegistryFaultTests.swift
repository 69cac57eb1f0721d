import Foundation
import XCTest

/// Pulls through Tests/fixtures/fault-proxy.py, in front of a private registry: a connection
/// cut mid-blob is resumed, 500s are retried, a corrupted blob is a clear digest error that
/// leaves no image behind, and the same pull succeeds once the fault is gone. Each test
/// pulls an image with a layer of its own (random bytes), so no layer is already in the store.
final class EngineRegistryFaultTests: EngineTestCase {
    nonisolated(unsafe) static var dir: String?
    nonisolated(unsafe) static var upstream = "", proxy = ""
    nonisolated(unsafe) static var proxyProcess: ChildProcess?

    override func setUpWithError() throws {
        try super.setUpWithError()
        try LocalRegistry.requireTools()
        if Self.dir == nil { try Self.start(ioDir: engine.ioDir) }
    }

    override class func tearDown() {
        if let p = proxyProcess { kill(p.pid, SIGKILL); _ = p.wait(timeout: 10); proxyProcess = nil }
        if let d = dir {
            LocalRegistry.discard(d)
            dir = nil
        }
        super.tearDown()
    }

    static func start(ioDir: String) throws {
        let d = try LocalRegistry.privateDir("registry-fault")
        dir = d
        let port = try EngineRegistryTests.freePort()
        try LocalRegistry.start(port: port, dir: d + "/reg", ioDir: ioDir)
        upstream = "127.0.0.1:\(port)"
        let proxyPort = try EngineRegistryTests.freePort()
        let p = try ChildProcess("/usr/bin/env", ["python3", Binaries.fixtures + "/fault-proxy.py", String(proxyPort), upstream],
                                 outputDir: ioDir)
        try p.start()
        proxyProcess = p
        proxy = "127.0.0.1:\(proxyPort)"
        guard eventually(timeout: 20, { p.currentStdout.contains("ready") }) else {
            throw HarnessError("fault-proxy.py did not start: \(p.currentStderr)")
        }
    }

    /// Pushes busybox plus a layer of 512 KiB random bytes to the registry as `name:latest`;
    /// with `escapeTo`, the layer instead tries to write into that host directory (an absolute
    /// symlink followed by a file through it, and a `../` name).
    func seed(_ name: String, escapeTo: String? = nil) throws {
        let oci = try EngineHarness.imageDir.get() + "/oci"
        let layout = (Self.dir ?? "/tmp") + "/layout-\(name)"
        let made = ChildProcess.run("/usr/bin/env", ["python3", Binaries.fixtures + "/oci-variant.py", oci, layout, "--layer", "fault-data:512"]
                                    + (escapeTo.map { ["--escape", $0] } ?? []), outputDir: engine.ioDir)
        guard made.status == 0 else { throw HarnessError("making the image failed: \(made)") }
        try EngineRegistryTests.copy("oci:\(layout):latest", "docker://\(Self.upstream)/\(name):latest", ioDir: engine.ioDir)
    }

    /// Sets the proxy's fault; returns how many requests were faulted so far.
    @discardableResult
    func fault(_ mode: String? = nil, count: Int = -1) -> Int {
        let query = mode.map { "?mode=\($0)&count=\(count)" } ?? ""
        let r = ChildProcess.run("/usr/bin/curl", ["-sf", "http://\(Self.proxy)/__fault\(query)"], outputDir: engine.ioDir)
        XCTAssertEqual(r.status, 0, "fault proxy control: \(r)")
        return Int(r.out) ?? -1
    }

    override func tearDownWithError() throws {
        if Self.dir != nil { fault("none") }
        try super.tearDownWithError()
    }

    func testConnectionDroppedMidBlobResumes() throws {
        try seed("dropped")
        let before = fault("drop", count: 2)
        let image = "\(Self.proxy)/dropped:latest"
        let pulled = ok(engine.docker(["pull", image], timeout: 120), "pull through dropped connections")
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(image)"), pulled)
        XCTAssertEqual(fault() - before, 2, "the proxy cut two blob downloads")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "sh", "-c", "test -s /fault-data && echo whole"])), "whole")
    }

    func testServerErrorsAreRetried() throws {
        try seed("flaky")
        let before = fault("error", count: 2)
        let image = "\(Self.proxy)/flaky:latest"
        ok(engine.docker(["pull", image], timeout: 120), "pull after two 500s")
        XCTAssertEqual(fault() - before, 2)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "echo", "ok"])), "ok")
    }

    func testCorruptBlobIsAClearErrorAndLeavesNoImage() throws {
        try seed("corrupt")
        let image = "\(Self.proxy)/corrupt:latest"
        let listed = ok(engine.docker(["images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]))
        fault("corrupt")
        let failed = engine.docker(["pull", image], timeout: 120)
        XCTAssertNotEqual(failed.status, 0, "\(failed)")
        XCTAssertTrue(failed.stderr.contains("failed to verify blob sha256:"), failed.stderr)
        XCTAssertEqual(ok(engine.docker(["images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])), listed,
                       "a failed pull must leave no image")
        fault("none")
        ok(engine.docker(["pull", image], timeout: 120), "pull once the fault is gone")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "sh", "-c", "test -s /fault-data && echo whole"])), "whole")
    }

    func testKilledDaemonMidPullLeavesNoCorruptBlobAndThePullCompletesLater() throws {
        try seed("killed")
        let image = "\(Self.proxy)/killed:latest"
        fault("stall", count: 1)
        let pull = try ChildProcess("/usr/local/bin/docker", ["pull", image], outputDir: engine.ioDir)
        pull.environment = ["DOCKER_HOST": engine.host]
        try pull.start()
        XCTAssertTrue(eventually(timeout: 20) { self.fault() >= 1 }, "the blob download never started")
        usleep(300_000)
        engine.stopDaemon(kill: SIGKILL)
        _ = pull.wait(timeout: 30)
        try engine.start()
        // Every blob in the store is whole: its content hashes to its name.
        let check = ChildProcess.run("/usr/bin/env", ["python3", "-c", """
            import hashlib, os, sys
            d = sys.argv[1]
            bad = [n for n in os.listdir(d) if hashlib.sha256(open(os.path.join(d, n), 'rb').read()).hexdigest() != n]
            print(bad)
            """, engine.dataRoot + "/image/blobs/sha256"], outputDir: engine.ioDir)
        XCTAssertEqual(check.out, "[]", "\(check)")
        XCTAssertFalse(ok(engine.docker(["images", "--format", "{{.Repository}}"])).contains("killed"), "a half pull is visible")
        fault("none")
        ok(engine.docker(["pull", image], timeout: 120), "the pull after the restart")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "sh", "-c", "test -s /fault-data && echo whole"])), "whole")
    }

    func testDeniedTooManyAndTruncatedAreClearErrors() throws {
        try seed("statuses")
        let image = "\(Self.proxy)/statuses:latest"
        let listed = ok(engine.docker(["images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]))
        for (mode, expected) in [("denied", "denied"), ("toomany", "toomanyrequests"), ("truncate", "sha256:")] {
            fault(mode)
            let failed = engine.docker(["pull", image], timeout: 180)
            XCTAssertNotEqual(failed.status, 0, "\(mode): \(failed)")
            XCTAssertTrue(failed.stderr.lowercased().contains(expected), "\(mode): \(failed.stderr)")
            XCTAssertEqual(ok(engine.docker(["images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])), listed,
                           "\(mode): a failed pull must leave no image")
        }
        // Two rate-limit answers are waited out, as registries ask.
        fault("toomany", count: 2)
        ok(engine.docker(["pull", image], timeout: 180), "pull through two 429s")
    }

    func testLayerThatEscapesIsRefusedAndLeavesNoImage() throws {
        let target = (Self.dir ?? "/tmp") + "/outside-\(getpid())"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try seed("escape", escapeTo: target)
        let listed = ok(engine.docker(["images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]))
        let failed = engine.docker(["pull", "\(Self.upstream)/escape:latest"], timeout: 120)
        XCTAssertNotEqual(failed.status, 0, "\(failed)")
        XCTAssertTrue(failed.stderr.contains("evil"), "the error should name the entry: \(failed.stderr)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), [], "the layer wrote outside its directory")
        XCTAssertEqual(ok(engine.docker(["images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])), listed,
                       "a refused layer must leave no image")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "busybox", "echo", "store fine"])), "store fine")
    }
}
