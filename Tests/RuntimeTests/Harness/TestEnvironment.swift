import Foundation

/// What one test class shares: a private work directory, the runtime's private state root
/// (`--root`), one pristine busybox bundle made by Tests/fixtures/make-bundle.sh that every test
/// bundle copies, and the host's cgroup layout. Made on first use, removed at class teardown.
final class TestEnvironment: @unchecked Sendable {
    let runtime: RuntimeUnderTest
    let workDir: URL
    let stateRoot: String
    /// Where commands write their stdout and stderr files.
    let ioDir: URL
    let pristineBundle: URL
    let pristineConfig: [String: Any]
    let cgroups: CgroupLayout
    /// Every container id of this run starts with it (`bt<pid>-`), so cleanup can tell ours apart.
    let idPrefix: String
    private var nextID = 0
    private let lock = NSLock()

    nonisolated(unsafe) private static var current: TestEnvironment?
    private static let currentLock = NSLock()

    static func acquire(runtime: RuntimeUnderTest) throws -> TestEnvironment {
        currentLock.lock()
        defer { currentLock.unlock() }
        if let current { return current }
        let made = try TestEnvironment(runtime: runtime)
        current = made
        return made
    }

    static func release() {
        currentLock.lock()
        defer { currentLock.unlock() }
        current?.destroy()
        current = nil
    }

    private init(runtime: RuntimeUnderTest) throws {
        self.runtime = runtime
        let fm = FileManager.default
        idPrefix = "bt\(getpid())-"
        // /tmp itself, not a private subdirectory: in a user namespace the container's root is
        // an unprivileged host uid that must be able to walk down to the bundle.
        let base = URL(fileURLWithPath: "/tmp/berth-rt-\(getpid())-\(UUID().uuidString.prefix(6))")
        try fm.createDirectory(at: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        workDir = base
        stateRoot = base.appendingPathComponent("state").path
        ioDir = base.appendingPathComponent("io")
        try fm.createDirectory(at: ioDir, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: stateRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        pristineBundle = base.appendingPathComponent("pristine")
        let script = RuntimeUnderTest.fixtures.appendingPathComponent("make-bundle.sh").path
        let made = Command.run("/bin/bash", [script, pristineBundle.path, "/bin/true"], outputDir: ioDir, timeout: 60)
        guard made.status == 0 else {
            throw HarnessError("make-bundle.sh failed: \(made)")
        }
        let data = try Data(contentsOf: pristineBundle.appendingPathComponent("config.json"))
        guard let config = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError("make-bundle.sh wrote a config.json that is not a JSON object")
        }
        pristineConfig = config
        cgroups = CgroupLayout.detect()
    }

    func uniqueID(_ hint: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        return "\(idPrefix)\(hint)-\(nextID)"
    }

    /// A fresh directory under the work directory (world-searchable, see init).
    func makeDirectory(_ hint: String) throws -> URL {
        let dir = workDir.appendingPathComponent("\(hint)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return dir
    }

    /// Runs a host helper (cp, chown...) and throws with its output when it fails.
    func host(_ executable: String, _ arguments: [String]) throws {
        let result = Command.run(executable, arguments, outputDir: ioDir, timeout: 60)
        guard result.status == 0 else {
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) failed: \(result)")
        }
    }

    private func destroy() {
        cgroups.removeTestParents(prefix: idPrefix)
        // A leaked mount under the work directory would let rm walk into whatever it shows.
        let leaked = MountInfo.current().map(\.mountPoint).filter { $0.hasPrefix(workDir.path + "/") }
        for mountPoint in leaked.sorted().reversed() { umount2(mountPoint, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(at: workDir)
    }
}
