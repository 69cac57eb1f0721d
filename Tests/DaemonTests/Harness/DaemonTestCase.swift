import Foundation
import XCTest
import Wire

/// Base class of the daemon integration tests (shim, supervisor, ctl). It needs root and skips
/// without it or without the binaries. Each container id a test takes with `newID` is cleaned
/// up in tearDown whatever happened: daemons whose command line names it are SIGKILLed, the
/// runtime deletes it with --force, its processes are killed, its cgroups, shim socket and
/// state removed; anything that even then remains is a test failure.
///
/// Typical use:
///
///     final class MyTests: DaemonTestCase {
///         func testX() throws {
///             let id = newID("x")
///             let bundle = try makeBundle(["/bin/sh", "-c", "echo hi"], for: id)
///             let shim = try startShim(id)      // ShimTests helper, or your own daemon
///             ...
///             assertNothingLeft(id, bundle: bundle)
///         }
///     }
class DaemonTestCase: XCTestCase {
    private(set) var sandbox: Sandbox!
    private(set) var runtime: RuntimeChoice!
    private var ids: [(id: String, bundle: TestBundle?)] = []
    private var children: [ChildProcess] = []
    private var teardowns: [() -> Void] = []

    var isBerthRuntime: Bool { runtime.kind == .berth }

    override func setUpWithError() throws {
        try super.setUpWithError()
        continueAfterFailure = false
        guard geteuid() == 0 else { throw XCTSkip("daemon integration tests need root") }
        runtime = try Self.require(Binaries.runtime)
        sandbox = try Sandbox.acquire()
    }

    override func tearDownWithError() throws {
        for block in teardowns.reversed() { block() }
        teardowns.removeAll()
        for child in children { child.terminate() }
        children.removeAll()
        if sandbox != nil {
            for (id, bundle) in ids {
                forceCleanup(id)
                assertNothingLeft(id, bundle: bundle, context: "after teardown cleanup")
            }
        }
        ids.removeAll()
        try super.tearDownWithError()
    }

    override class func tearDown() {
        Sandbox.release()
        super.tearDown()
    }

    /// The path, or an XCTSkip saying why there is none.
    static func require<T>(_ found: Result<T, HarnessError>) throws -> T {
        switch found {
        case let .success(value): return value
        case let .failure(why): throw XCTSkip(why.description)
        }
    }

    // MARK: - Ids, bundles, children

    /// A fresh container id, cleaned up at teardown.
    func newID(_ hint: String = "c") -> String {
        let id = sandbox.uniqueID(hint)
        ids.append((id, nil))
        return id
    }

    /// A bundle running `args`, tied to `id` (its cgroup and environment mark), edited by `edit`.
    func makeBundle(_ args: [String], for id: String, _ edit: (TestBundle) throws -> Void = { _ in }) throws -> TestBundle {
        let bundle = try sandbox.makeBundle(args)
        try edit(bundle)
        try bundle.prepare(for: id)
        if let i = ids.firstIndex(where: { $0.id == id }) { ids[i].bundle = bundle } else { ids.append((id, bundle)) }
        return bundle
    }

    /// Starts a program in the background; teardown kills it.
    @discardableResult
    func spawn(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
               newSession: Bool = false) throws -> ChildProcess {
        let child = try ChildProcess(executable, arguments, outputDir: sandbox.ioDir)
        child.environment = environment
        child.newSession = newSession
        try child.start()
        children.append(child)
        return child
    }

    /// Runs a program to completion.
    @discardableResult
    func run(_ executable: String, _ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 30) -> ChildResult {
        ChildProcess.run(executable, arguments, stdin: stdin, outputDir: sandbox.ioDir, timeout: timeout)
    }

    /// `<runtime> --root <sandbox runtime root> args...`
    @discardableResult
    func runRuntime(_ args: [String], timeout: TimeInterval = 30) -> ChildResult {
        run(runtime.path, ["--root", sandbox.runtimeRoot] + args, timeout: timeout)
    }

    /// Runs `block` at teardown (last registered, first run), before the container cleanup.
    func addTeardown(_ block: @escaping () -> Void) { teardowns.append(block) }

    // MARK: - Connecting

    /// Connects and says Hello, retrying while the socket is not there yet.
    func connect(_ socket: String, protocolName: String, version: Int, timeout: TimeInterval = 10) throws -> RPCClient {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                return try RPCClient(path: socket, protocolName: protocolName, version: version, clientName: "daemon-tests")
            } catch {
                if Date() > deadline { throw HarnessError("connect \(socket): \(error)") }
                usleep(20_000)
            }
        }
    }

    // MARK: - Nothing left behind

    /// Everything of `id`, forcibly: its daemons, runtime state, processes, cgroups, shim files.
    func forceCleanup(_ id: String) {
        // Daemons first, so that none restarts or reaps what the runtime deletes.
        ProcessTable.killAndWait(ProcessTable.pidsOf(container: id))
        runRuntime(["delete", "--force", id], timeout: 20)
        ProcessTable.killAndWait(ProcessTable.pidsOf(container: id))
        for dir in sandbox.cgroupLeftovers(of: id) { Sandbox.removeCgroupTree(dir) }
        unlink("\(sandbox.shimDir)/\(id).sock")
        try? FileManager.default.removeItem(atPath: "\(sandbox.shimDir)/\(id)")
    }

    /// Fails unless no trace of `id` remains: runtime state, cgroup directories, processes
    /// (daemons naming it, container processes marked with it), host mounts under the bundle,
    /// the shim's socket and state directory. Polls briefly: killed processes take a moment.
    func assertNothingLeft(_ id: String, bundle: TestBundle? = nil, context: String = "",
                           file: StaticString = #filePath, line: UInt = #line) {
        var problems: [String] = []
        _ = eventually(timeout: 5) {
            problems = leftovers(of: id, bundle: bundle)
            return problems.isEmpty
        }
        if !problems.isEmpty {
            XCTFail("\(id) left things behind \(context): \(problems.joined(separator: "; "))", file: file, line: line)
        }
    }

    func leftovers(of id: String, bundle: TestBundle?) -> [String] {
        var problems: [String] = []
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(sandbox.runtimeRoot)/\(id)") { problems.append("runtime state \(sandbox.runtimeRoot)/\(id)") }
        let cgroups = sandbox.cgroupLeftovers(of: id)
        if !cgroups.isEmpty { problems.append("cgroup directories \(cgroups)") }
        let pids = ProcessTable.pidsOf(container: id)
        if !pids.isEmpty { problems.append("processes \(pids.sorted().map(ProcessTable.describe))") }
        for path in ["\(sandbox.shimDir)/\(id).sock", "\(sandbox.shimDir)/\(id)"] where fm.fileExists(atPath: path) {
            problems.append("shim file \(path)")
        }
        if let bundle {
            let mounts = Mounts.current().filter { $0 == bundle.path || $0.hasPrefix(bundle.path + "/") }
            if !mounts.isEmpty { problems.append("host mounts \(mounts)") }
        }
        return problems
    }
}
