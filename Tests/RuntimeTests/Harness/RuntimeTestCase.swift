import Foundation
import XCTest

/// Base class of the runtime integration tests. Every container a test makes goes through the
/// helpers here, so teardown can `delete --force` it and then check that nothing of it is left:
/// no state entry under the private `--root`, no cgroup directory, no process, no host mount.
class RuntimeTestCase: XCTestCase {
    private(set) var env: TestEnvironment!
    private var containers: [(id: String, bundle: TestBundle?)] = []
    private var background: [Command] = []
    /// Where a container's stdout and stderr went, for containers started with `create`.
    private var containerOutput: [String: Command] = [:]

    var runtimeBinary: RuntimeUnderTest { env.runtime }
    /// Guards checks of berth-runtime's own error wording (runc and crun word things their own way).
    var isBerth: Bool { runtimeBinary.kind == .berth }
    var isRunc: Bool { runtimeBinary.kind == .runc }
    var isCrun: Bool { runtimeBinary.kind == .crun }

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard geteuid() == 0 else { throw XCTSkip("runtime integration tests need root") }
        switch RuntimeUnderTest.resolved {
        case let .failure(why): throw XCTSkip(why.description)
        case let .success(runtime): env = try TestEnvironment.acquire(runtime: runtime)
        }
    }

    override func tearDownWithError() throws {
        for command in background { command.terminate() }
        background.removeAll()
        if env != nil {
            for (id, _) in containers { runtime(["delete", "--force", id], timeout: 20) }
            for (id, bundle) in containers { assertNothingLeft(id: id, bundle: bundle, context: "after teardown delete --force") }
        }
        containers.removeAll()
        containerOutput.removeAll()
        try super.tearDownWithError()
    }

    override class func tearDown() {
        TestEnvironment.release()
        super.tearDown()
    }

    // MARK: - Bundles and ids

    func makeBundle(_ args: [String], rootfs: TestBundle.Rootfs = .hardLinked) throws -> TestBundle {
        try TestBundle(environment: env, args: args, rootfs: rootfs)
    }

    /// A fresh container id, registered for teardown.
    func newID(_ hint: String = "c") -> String {
        let id = env.uniqueID(hint)
        containers.append((id, nil))
        return id
    }

    /// Points the bundle at the container's own cgroup and marks its processes with the id (so
    /// a leftover process can be found), then writes config.json.
    func prepare(_ bundle: TestBundle, for id: String) throws {
        if let index = containers.firstIndex(where: { $0.id == id }) {
            containers[index].bundle = bundle
        } else {
            containers.append((id, bundle))
        }
        bundle["linux.cgroupsPath"] = "/\(cgroupParent)/\(id)"
        var envList = (bundle["process.env"] as? [String] ?? []).filter { !$0.hasPrefix("BERTH_TEST_ID=") }
        envList.append("BERTH_TEST_ID=\(id)")
        bundle["process.env"] = envList
        try bundle.save()
    }

    // MARK: - Driving the runtime

    /// `<runtime> --root <private root> args...`, run to completion.
    @discardableResult
    func runtime(_ args: [String], stdin: String? = nil, timeout: TimeInterval = 30) -> CommandResult {
        Command.run(runtimeBinary.path, ["--root", env.stateRoot] + args, stdin: stdin, outputDir: env.ioDir, timeout: timeout)
    }

    /// `create --bundle B [extra] id`. The container inherits the command's stdout and stderr;
    /// read them later with `output(of:)`. `extraFiles` are open in the runtime at fds 3, 4, ...
    @discardableResult
    func create(_ id: String, _ bundle: TestBundle, extra: [String] = [], extraFiles: [String] = [],
                prepareConfig: Bool = true) throws -> CommandResult {
        if prepareConfig { try prepare(bundle, for: id) } else { containers.append((id, bundle)) }
        let command = try Command(runtimeBinary.path, ["--root", env.stateRoot, "create", "--bundle", bundle.path] + extra + [id],
                                  outputDir: env.ioDir)
        command.extraFiles = extraFiles
        try command.start()
        let result = command.wait(timeout: 30)
        if result.status == 0 { containerOutput[id] = command }
        return result
    }

    /// create + start, failing the test when either fails.
    func createAndStart(_ id: String, _ bundle: TestBundle) throws {
        let created = try create(id, bundle)
        guard created.status == 0 else { throw HarnessError("create \(id) failed: \(created)") }
        let started = runtime(["start", id])
        guard started.status == 0 else { throw HarnessError("start \(id) failed: \(started)") }
    }

    /// Foreground `run`: waits for the container and returns its exit status and output.
    func run(_ id: String, _ bundle: TestBundle, extra: [String] = [], timeout: TimeInterval = 30) throws -> CommandResult {
        try prepare(bundle, for: id)
        return runtime(["run", "--bundle", bundle.path] + extra + [id], timeout: timeout)
    }

    /// Foreground `run` left running in the background (teardown kills it).
    func runInBackground(_ id: String, _ bundle: TestBundle) throws -> Command {
        try prepare(bundle, for: id)
        let command = try Command(runtimeBinary.path, ["--root", env.stateRoot, "run", "--bundle", bundle.path, id], outputDir: env.ioDir)
        try command.start()
        background.append(command)
        return command
    }

    /// The common case: a one-off container running `args` with the pristine config changed by `edit`.
    func runOnce(_ args: [String], rootfs: TestBundle.Rootfs = .hardLinked, hint: String = "once",
                 _ edit: (TestBundle) throws -> Void = { _ in }) throws -> CommandResult {
        let bundle = try makeBundle(args, rootfs: rootfs)
        try edit(bundle)
        return try run(newID(hint), bundle)
    }

    /// stdout (and stderr) of a container started with `create`, as written so far.
    func output(of id: String) -> (stdout: String, stderr: String) {
        guard let command = containerOutput[id] else { return ("", "") }
        return ((try? String(contentsOf: command.stdoutURL, encoding: .utf8)) ?? "",
                (try? String(contentsOf: command.stderrURL, encoding: .utf8)) ?? "")
    }

    func state(_ id: String) -> JSONObject? {
        let result = runtime(["state", id])
        guard result.status == 0, let data = result.stdout.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? JSONObject
    }

    func status(_ id: String) -> String? { state(id)?["status"] as? String }

    func pidOf(_ id: String) -> Int32? { (state(id)?["pid"] as? NSNumber)?.int32Value }

    /// Waits until `state` reports `status`. A killed init is only seen as stopped once it is
    /// reaped by some runtimes (crun), and this machine's pid 1 reaps orphans about every 2 s.
    func waitForStatus(_ id: String, _ wanted: String, timeout: TimeInterval = 15) -> Bool {
        eventually(timeout: timeout) { status(id) == wanted }
    }

    // MARK: - Nothing left behind

    /// No state entry, cgroup directory, process or host mount of `id` remains. Polls briefly:
    /// a process killed by `delete --force` may take a moment to be gone.
    func assertNothingLeft(id: String, bundle: TestBundle?, context: String,
                           file: StaticString = #filePath, line: UInt = #line) {
        var problems: [String] = []
        _ = eventually(timeout: 5) {
            problems = []
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: env.stateRoot)) ?? []
            let stale = entries.filter { $0.contains(id) }
            if !stale.isEmpty { problems.append("state entries \(stale) in \(env.stateRoot)") }
            let cgroups = env.cgroups.leftovers(of: id)
            if !cgroups.isEmpty { problems.append("cgroup directories \(cgroups)") }
            let pids = ProcessScan.pidsMentioning(id)
            if !pids.isEmpty { problems.append("processes \(pids.map { ProcessScan.describe($0) })") }
            if let bundle {
                let mounts = MountInfo.current().map(\.mountPoint).filter { $0 == bundle.path || $0.hasPrefix(bundle.path + "/") }
                if !mounts.isEmpty { problems.append("host mounts \(mounts)") }
            }
            return problems.isEmpty
        }
        if !problems.isEmpty {
            XCTFail("container \(id) left things behind \(context): \(problems.joined(separator: "; "))", file: file, line: line)
        }
    }
}

/// Finds processes by a token in their command line or environment (containers of the suite
/// carry BERTH_TEST_ID=<id> in their environment).
enum ProcessScan {
    static func pidsMentioning(_ token: String) -> [Int32] {
        let needle = Data(token.utf8)
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != me else { return false }
            for file in ["cmdline", "environ"] {
                if let data = FileManager.default.contents(atPath: "/proc/\(pid)/\(file)"), data.range(of: needle) != nil {
                    return true
                }
            }
            return false
        }
    }

    static func describe(_ pid: Int32) -> String {
        "\(pid) \(commandLine(pid).trimmingCharacters(in: .whitespaces))"
    }

    /// argv joined by spaces.
    static func commandLine(_ pid: Int32) -> String {
        let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// Alive and not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first.map { $0 != "Z" && $0 != "X" } ?? false
    }
}
