import Foundation

/// What one test class shares: a private directory under /tmp, the OCI runtime's private state
/// root, a socket directory for shims, one pristine busybox bundle that test bundles copy, and
/// the host's cgroup hierarchies. Made on the first test of a class, removed at class teardown
/// (with whatever the tests left: processes, runtime state, cgroups, mounts).
///
/// Layout (short paths: Unix socket paths are limited to 107 bytes):
///   <root>/pristine   the make-bundle.sh bundle
///   <root>/runtime    the runtime's --root
///   <root>/shims      shim sockets (<id>.sock) and state (<id>/)
///   <root>/io         stdout/stderr files of ChildProcess
///   <root>/<hint>-x   directories from makeDirectory
final class Sandbox: @unchecked Sendable {
    /// Containers of the suites live in cgroup `/berth-test/<id>` of every hierarchy.
    static let cgroupParent = "berth-test"

    let root: String
    let runtimeRoot: String
    let shimDir: String
    let ioDir: String
    let pristineBundle: String
    let pristineConfig: JSONObject
    /// Every container id of this run starts with it (`dt<pid>-`), so cleanup can tell ours apart.
    let idPrefix: String
    /// Mounted cgroup hierarchy roots: ["/sys/fs/cgroup"] on v2, each /sys/fs/cgroup/<name> on v1.
    let cgroupRoots: [String]
    private var nextID = 0
    private let lock = NSLock()

    nonisolated(unsafe) private static var current: Sandbox?
    private static let currentLock = NSLock()

    /// The class's sandbox, made on first use.
    static func acquire() throws -> Sandbox {
        currentLock.lock()
        defer { currentLock.unlock() }
        if let current { return current }
        let made = try Sandbox()
        current = made
        return made
    }

    /// Destroys the class's sandbox (call from `class func tearDown`).
    static func release() {
        currentLock.lock()
        defer { currentLock.unlock() }
        current?.destroy()
        current = nil
    }

    private init() throws {
        let fm = FileManager.default
        idPrefix = "dt\(getpid())-"
        // /tmp itself, world-searchable: a container's root may be an unprivileged host uid.
        var template = Array("/tmp/berth-dt-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buf in buf.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw HarnessError("mkdtemp /tmp/berth-dt-XXXXXX: \(String(cString: strerror(errno)))")
        }
        root = String(cString: made)
        chmod(root, 0o755)
        runtimeRoot = root + "/runtime"
        shimDir = root + "/shims"
        ioDir = root + "/io"
        pristineBundle = root + "/pristine"
        for dir in [runtimeRoot, shimDir, ioDir] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        }
        let made2 = ChildProcess.run("/bin/bash", [Binaries.fixtures + "/make-bundle.sh", pristineBundle, "/bin/true"],
                                     outputDir: ioDir, timeout: 60)
        guard made2.status == 0 else { throw HarnessError("make-bundle.sh failed: \(made2)") }
        let data = try Data(contentsOf: URL(fileURLWithPath: pristineBundle + "/config.json"))
        guard let config = try JSONSerialization.jsonObject(with: data) as? JSONObject else {
            throw HarnessError("make-bundle.sh wrote a config.json that is not a JSON object")
        }
        pristineConfig = config
        cgroupRoots = Sandbox.detectCgroupRoots()
    }

    /// A fresh container id: `<prefix><hint>-<n>`.
    func uniqueID(_ hint: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        return "\(idPrefix)\(hint)-\(nextID)"
    }

    /// A fresh directory under the sandbox (mode 0755).
    func makeDirectory(_ hint: String) throws -> String {
        let dir = "\(root)/\(hint)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return dir
    }

    func makeBundle(_ args: [String]) throws -> TestBundle { try TestBundle(sandbox: self, args: args) }

    /// Runs a host helper (cp, chown...) and throws with its output when it fails.
    func host(_ executable: String, _ arguments: [String]) throws {
        let result = ChildProcess.run(executable, arguments, outputDir: ioDir, timeout: 60)
        guard result.status == 0 else {
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) failed: \(result)")
        }
    }

    // MARK: - cgroups

    private static func detectCgroupRoots() -> [String] {
        let fm = FileManager.default
        if fm.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") { return ["/sys/fs/cgroup"] }
        let mountPoints = Set(Mounts.current())
        let names = (try? fm.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return names.sorted().map { "/sys/fs/cgroup/\($0)" }.filter { mountPoints.contains($0) }
    }

    /// The host directory of container `id` in the hierarchy of `controller` ("memory", "pids").
    func cgroupDirectory(of id: String, controller: String) -> String {
        cgroupRoots == ["/sys/fs/cgroup"] ? "/sys/fs/cgroup/\(Sandbox.cgroupParent)/\(id)"
            : "/sys/fs/cgroup/\(controller)/\(Sandbox.cgroupParent)/\(id)"
    }

    /// Cgroup directories of `id` that still exist in any hierarchy.
    func cgroupLeftovers(of id: String) -> [String] {
        cgroupRoots.map { "\($0)/\(Sandbox.cgroupParent)/\(id)" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// cgroupfs directories go with rmdir alone (their files are not real), children first.
    static func removeCgroupTree(_ path: String) {
        var isDir: ObjCBool = false
        for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            let sub = "\(path)/\(child)"
            if FileManager.default.fileExists(atPath: sub, isDirectory: &isDir), isDir.boolValue { removeCgroupTree(sub) }
        }
        rmdir(path)
    }

    // MARK: - teardown

    /// Best effort, in dependency order: daemons started with our paths, runtime state, the
    /// containers' processes, cgroups, mounts, files.
    func destroy() {
        ProcessTable.killAndWait(ProcessTable.pidsWithCommandLine(containing: root))
        Sandbox.forceDeleteAll(runtimeRoot: runtimeRoot, ioDir: ioDir)
        ProcessTable.killAndWait(ProcessTable.pidsMentioning("BERTH_TEST_ID=\(idPrefix)"))
        for root in cgroupRoots {
            let parent = "\(root)/\(Sandbox.cgroupParent)"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where child.hasPrefix(idPrefix) {
                Sandbox.removeCgroupTree("\(parent)/\(child)")
            }
            rmdir(parent)   // fails harmlessly while another run still uses it
        }
        // A leaked mount under the sandbox would let rm walk into whatever it shows.
        for mountPoint in Mounts.current().filter({ $0.hasPrefix(root + "/") }).sorted().reversed() {
            umount2(mountPoint, Int32(MNT_DETACH))
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// `delete --force` of every container the runtime still knows under `runtimeRoot`.
    static func forceDeleteAll(runtimeRoot: String, ioDir: String) {
        guard case let .success(runtime) = Binaries.runtime else { return }
        for id in (try? FileManager.default.contentsOfDirectory(atPath: runtimeRoot)) ?? [] {
            ChildProcess.run(runtime.path, ["--root", runtimeRoot, "delete", "--force", id], outputDir: ioDir, timeout: 20)
        }
    }
}

/// Mount points of the test process's mount namespace (field 5 of /proc/self/mountinfo).
enum Mounts {
    static func current() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? unescape(String(fields[4])) : nil
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    private static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var chars = Array(s)[...]
        while let c = chars.popFirst() {
            if c == "\\", chars.count >= 3, let code = UInt8(String(chars.prefix(3)), radix: 8) {
                out.append(Character(UnicodeScalar(code)))
                chars = chars.dropFirst(3)
            } else {
                out.append(c)
            }
        }
        return out
    }
}
