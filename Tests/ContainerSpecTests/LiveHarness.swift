import ContainerSpec
import DockerAPI
import Foundation
import OCISpec
import XCTest

/// Runs specs built by SpecBuilder with a real OCI runtime (`run -b`), as berthd will:
/// berth-runtime from this build (or BERTH_TEST_RUNTIME), and runc when it is installed,
/// so the specs are checked against the runtime Docker itself uses. One busybox rootfs per
/// test class (Tests/fixtures/make-bundle.sh); every container gets its own state root
/// entry and cgroup path, removed in tearDown.
final class LiveRuntime {
    let name: String
    let path: String

    init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    static func available() -> [LiveRuntime] {
        var out: [LiveRuntime] = []
        let env = ProcessInfo.processInfo.environment
        if let wanted = env["BERTH_TEST_RUNTIME"], !wanted.isEmpty, let path = lookUp(wanted) {
            return [LiveRuntime(name: URL(fileURLWithPath: path).lastPathComponent, path: path)]
        }
        var candidates: [String] = []
        if let binary = Bundle.main.executableURL {
            candidates.append(binary.deletingLastPathComponent().appendingPathComponent("berth-runtime").path)
        }
        candidates.append(Fixtures.packageRoot.appendingPathComponent(".build/debug/berth-runtime").path)
        if let berth = candidates.first(where: FileManager.default.isExecutableFile) {
            out.append(LiveRuntime(name: "berth-runtime", path: berth))
        }
        if let runc = lookUp("runc") { out.append(LiveRuntime(name: "runc", path: runc)) }
        return out
    }

    static func lookUp(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first(where: FileManager.default.isExecutableFile)
    }
}

struct RunResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status), stdout: \(stdout.debugDescription), stderr: \(stderr.debugDescription)" }
}

class LiveTestCase: XCTestCase {
    static let cgroupParent = "berth-spec-test"
    nonisolated(unsafe) static var shared: TempDir?
    nonisolated(unsafe) static var rootfs = ""

    var work: TempDir!
    var runtimes: [LiveRuntime] = []
    private var ids: [(LiveRuntime, String)] = []
    private var counter = 0

    override class func setUp() {
        super.setUp()
        guard geteuid() == 0, let dir = try? TempDir("live-rootfs") else { return }
        let result = LiveTestCase.spawn("/bin/bash", [Fixtures.makeBundle, dir.path + "/bundle"], output: dir.path, timeout: 60)
        if result.status == 0 {
            shared = dir
            rootfs = dir.path + "/bundle/rootfs"
        } else {
            dir.remove()
        }
    }

    override class func tearDown() {
        shared?.remove()
        shared = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        guard geteuid() == 0 else { throw XCTSkip("running containers needs root") }
        guard Self.shared != nil else { throw XCTSkip("make-bundle.sh could not make a busybox rootfs (busybox-static missing?)") }
        runtimes = LiveRuntime.available()
        guard !runtimes.isEmpty else {
            throw XCTSkip("no OCI runtime: build berth-runtime in this scratch path, or set BERTH_TEST_RUNTIME")
        }
        work = try TempDir("live")
    }

    override func tearDown() {
        for (runtime, id) in ids {
            _ = Self.spawn(runtime.path, ["--root", work.path + "/state", "delete", "--force", id], output: work.path, timeout: 20)
            for root in Self.cgroupRoots() {
                rmdir("\(root)/\(Self.cgroupParent)/\(id)")
                rmdir("\(root)/\(Self.cgroupParent)")
            }
        }
        ids.removeAll()
        work?.remove()
        super.tearDown()
    }

    /// /sys/fs/cgroup on v2, each mounted v1 hierarchy otherwise.
    static func cgroupRoots() -> [String] {
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") { return ["/sys/fs/cgroup"] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return names.map { "/sys/fs/cgroup/\($0)" }
    }

    /// A SpecInput for the shared busybox rootfs running `sh -c script`.
    func input(_ script: String, hostConfig: String = "{}", config: String = "{}") throws -> SpecInput {
        var c = try Fixtures.config(config)
        c.Cmd = ["/bin/sh", "-c", script]
        var input = SpecInput(id: "", config: c, hostConfig: try Fixtures.hostConfig(hostConfig), rootfsPath: Self.rootfs,
                              cgroupsPath: "", seccompProfile: try Fixtures.defaultProfile())
        input.volumePath = { [work] name in try work!.mkdir("volumes/" + name) }
        return input
    }

    /// Builds the spec for each runtime and runs it to completion.
    func run(_ input: SpecInput, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line,
             check: (LiveRuntime, RunResult) throws -> Void) throws {
        for runtime in runtimes {
            counter += 1
            let id = "bst\(getpid())-\(counter)"
            ids.append((runtime, id))
            var mine = input
            mine.id = String(repeating: "ab", count: 26) + String(format: "%012d", counter)
            mine.cgroupsPath = "/\(Self.cgroupParent)/\(id)"
            let spec = try SpecBuilder.build(mine)
            let bundle = try work.mkdir("bundle-\(id)")
            try Data(try SpecFile.encode(spec, pretty: true)).write(to: URL(fileURLWithPath: bundle + "/config.json"))
            let result = Self.spawn(runtime.path, ["--root", work.path + "/state", "run", "-b", bundle, id],
                                    output: bundle, timeout: timeout)
            try check(runtime, result)
        }
    }

    /// posix_spawn with stdout and stderr in files (a container keeps inherited pipes open),
    /// every other descriptor closed, SIGKILL past the timeout.
    static func spawn(_ exe: String, _ args: [String], output dir: String, timeout: TimeInterval) -> RunResult {
        let out = dir + "/spawn-\(UUID().uuidString.prefix(8))"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, out + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 {
        } else {
            for fd in ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap(Int32.init) where fd > 2 {
                posix_spawn_file_actions_addclose(&actions, fd)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([exe] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, &attributes, argv, environ)
        guard rc == 0 else { return RunResult(status: -1, stdout: "", stderr: "posix_spawn: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(10_000)
        }
        let code: Int32 = status & 0x7f != 0 ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        return RunResult(status: code, stdout: read(out + ".out"), stderr: read(out + ".err"))
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np, hidden behind _GNU_SOURCE: looked up at run time.
private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
private let addCloseFrom: AddCloseFrom? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: AddCloseFrom.self)
}()
