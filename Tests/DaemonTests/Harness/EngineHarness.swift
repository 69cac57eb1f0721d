import Foundation
import XCTest

/// A private berthd for a test class: its own data root, exec root, socket and supervisor,
/// with the busybox image (built from Debian's busybox-static by
/// Tests/fixtures/make-busybox-image.sh) loaded. Clients are the real `docker` CLI, the
/// Python docker SDK and the `berth` CLI, all pointed at its socket; containers get a
/// loopback resolver (`--dns 127.0.0.1`), so nothing queries the host's.
final class EngineHarness: @unchecked Sendable {
    let root: String
    let dataRoot: String
    let execRoot: String
    let socket: String
    let ioDir: String
    var daemon: ChildProcess?
    var extraArgs: [String]
    /// A command berthd runs under (nsenter into a test's network namespace, ...).
    var wrapper: [String]

    /// The image fixtures, made once per test run.
    static let imageDir: Result<String, HarnessError> = {
        let dir = "/tmp/berth-test-images-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = ChildProcess.run("/bin/bash", [Binaries.fixtures + "/make-busybox-image.sh", dir, "latest"], outputDir: dir, timeout: 120)
        guard r.status == 0 else { return .failure(HarnessError("make-busybox-image.sh failed: \(r)")) }
        atexit { _ = try? FileManager.default.removeItem(atPath: "/tmp/berth-test-images-\(getpid())") }
        return .success(dir)
    }()

    static var dockerArchive: String { ((try? imageDir.get()) ?? "/nonexistent") + "/busybox-docker-archive.tar" }

    init(extraArgs: [String] = [], wrapper: [String] = []) throws {
        var template = Array("/tmp/be-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw HarnessError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        root = String(cString: made)
        dataRoot = root + "/data"
        execRoot = root + "/exec"
        socket = root + "/berthd.sock"
        ioDir = root + "/io"
        self.extraArgs = extraArgs
        self.wrapper = wrapper
        try FileManager.default.createDirectory(atPath: ioDir, withIntermediateDirectories: true)
    }

    var host: String { "unix://\(socket)" }

    static func binary(_ name: String) throws -> String {
        switch Binaries.daemon(name, variable: "BERTH_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))_BIN") {
        case .success(let p): return p
        case .failure(let e): throw XCTSkip(e.description)
        }
    }

    /// Starts berthd and waits for /_ping.
    func start() throws {
        let berthd = try Self.binary("berthd")
        var args = ["--data-root", dataRoot, "--exec-root", execRoot, "-H", host, "--dns", "127.0.0.1",
                    "--config-file", root + "/daemon.json", "--debug",
                    // docker.io is a dead loopback port: no test's pull ever leaves the machine.
                    "--docker-io-server", "http://127.0.0.1:9",
                    "--seccomp-profile", Binaries.packageRoot + "/deploy/seccomp-default.json"]
        if !FileManager.default.fileExists(atPath: root + "/daemon.json") {
            try Data("{}".utf8).write(to: URL(fileURLWithPath: root + "/daemon.json"))
        }
        if let rt = ProcessInfo.processInfo.environment["BERTH_TEST_RUNTIME"], !rt.isEmpty,
           !rt.hasSuffix("/berth-runtime") {
            args += ["--default-runtime", "test", "--add-runtime", "test=\(rt)"]
        }
        args += extraArgs.map { $0 == "PIDFILE" ? root + "/berthd.pid" : $0 }
        let child = wrapper.isEmpty ? try ChildProcess(berthd, args, outputDir: ioDir)
            : try ChildProcess(wrapper[0], Array(wrapper.dropFirst()) + [berthd] + args, outputDir: ioDir)
        try child.start()
        daemon = child
        guard eventually(timeout: 30, { self.curl(["-sf", "http://d/_ping"]).stdout == "OK" }) else {
            throw HarnessError("berthd did not answer /_ping: \(child.currentStderr)")
        }
    }

    var daemonLog: String { daemon?.currentStderr ?? "" }

    /// SIGTERM (or SIGKILL) berthd; its supervisor and containers stay.
    func stopDaemon(kill sig: Int32 = SIGTERM) {
        guard let d = daemon else { return }
        kill(d.pid, sig)
        d.wait(timeout: 20)
        daemon = nil
    }

    /// Everything under the root goes: containers, shims, the supervisor, mounts, cgroups.
    func destroy() {
        if daemon != nil {
            let ids = (try? dockerIDs()) ?? []
            for id in ids { _ = curl(["-s", "-X", "DELETE", "http://d/containers/\(id)?force=1"]) }
        }
        stopDaemon()
        let pids = ProcessTable.pidsWithCommandLine(containing: root)
        _ = ProcessTable.killAndWait(pids)
        // Container processes whose shim died with it.
        for id in containerIDsOnDisk() {
            _ = ProcessTable.killAndWait(ProcessTable.pidsOf(container: id))
            for c in ["cpu", "cpuacct", "cpu,cpuacct", "memory", "pids", "blkio", "devices", "freezer", "hugetlb",
                      "net_cls", "net_prio", "perf_event", "cpuset", "rdma", "misc", "unified", "systemd"] {
                rmdir("/sys/fs/cgroup/\(c)/berth/\(id)")
            }
        }
        for m in Mounts.current().filter({ $0.hasPrefix(root + "/") }).sorted(by: >) { umount2(m, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: root)
    }

    func containerIDsOnDisk() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dataRoot + "/containers")) ?? []
    }

    func dockerIDs() throws -> [String] {
        let r = curl(["-s", "http://d/containers/json?all=1"])
        guard let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] else { return [] }
        return list.compactMap { $0["Id"] as? String }
    }

    // MARK: clients

    @discardableResult
    func curl(_ args: [String], timeout: TimeInterval = 30) -> ChildResult {
        ChildProcess.run("/usr/bin/curl", ["--unix-socket", socket] + args, outputDir: ioDir, timeout: timeout)
    }

    /// The real docker CLI against this berthd.
    @discardableResult
    func docker(_ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) -> ChildResult {
        ChildProcess.run("/usr/local/bin/docker", args, stdin: stdin,
                         environment: ["DOCKER_HOST": host, "DOCKER_CONFIG": root + "/docker-config"],
                         outputDir: ioDir, timeout: timeout)
    }

    /// Our CLI.
    @discardableResult
    func berth(_ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws -> ChildResult {
        ChildProcess.run(try Self.binary("berth"), args, stdin: stdin, environment: ["BERTH_HOST": host],
                         outputDir: ioDir, timeout: timeout)
    }

    /// A Python script using the docker SDK; `client` is connected to this berthd.
    @discardableResult
    func python(_ script: String, timeout: TimeInterval = 120) -> ChildResult {
        let prelude = "import docker, sys, json, time\nclient = docker.DockerClient(base_url='\(host)', timeout=60)\n"
        return ChildProcess.run("/usr/bin/env", ["python3", "-c", prelude + script], outputDir: ioDir, timeout: timeout)
    }

    func loadBusybox() throws {
        let dir = try Self.imageDir.get()
        let r = docker(["load", "-i", dir + "/busybox-docker-archive.tar"], timeout: 120)
        guard r.status == 0 else { throw HarnessError("docker load of busybox failed: \(r)\n\(daemonLog.suffix(2000))") }
    }
}

/// Base class: one berthd per test class with busybox loaded; each test's containers are removed after it.
class EngineTestCase: XCTestCase {
    nonisolated(unsafe) static var shared: [String: EngineHarness] = [:]
    var engine: EngineHarness!

    /// Extra berthd flags for the class's daemon.
    class var daemonArgs: [String] { [] }
    /// A command the class's berthd runs under.
    class var daemonWrapper: [String] { [] }

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("berthd tests need root") }
        let key = String(describing: type(of: self))
        if let h = Self.shared[key] {
            engine = h
        } else {
            let h = try EngineHarness(extraArgs: Self.daemonArgs, wrapper: Self.daemonWrapper)
            Self.shared[key] = h
            do {
                try h.start()
                try h.loadBusybox()
            } catch {
                h.destroy()
                Self.shared[key] = nil
                throw error
            }
            engine = h
        }
    }

    override func tearDownWithError() throws {
        // Containers a test made go, even when it failed half-way.
        if let engine, engine.daemon != nil {
            for id in (try? engine.dockerIDs()) ?? [] {
                engine.curl(["-s", "-X", "DELETE", "http://d/containers/\(id)?force=1"])
            }
        }
    }

    override class func tearDown() {
        let key = String(describing: self)
        shared[key]?.destroy()
        shared[key] = nil
        super.tearDown()
    }

    /// Asserts a command succeeded and returns its trimmed stdout.
    @discardableResult
    func ok(_ r: ChildResult, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(r.status, 0, "\(what) failed: \(r)\n--- berthd log tail:\n\(engine.daemonLog.suffix(3000))", file: file, line: line)
        return r.out
    }
}
