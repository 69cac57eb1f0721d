import Foundation

/// Where the programs under test are.
///
/// Daemons (`berth-shim`, `berth-supervisor`, `berth-ctl`): the variable BERTH_SHIM_BIN /
/// BERTH_SUPERVISOR_BIN / BERTH_CTL_BIN, else the binary next to the running test bundle (the
/// build's products directory, e.g. `.build-x/debug/`), else `.build/debug/`.
///
/// The OCI runtime the daemons drive: BERTH_TEST_RUNTIME (a path, or a name looked up on PATH
/// such as `runc` or `crun`), else `berth-runtime` found the same way as the daemons.
/// For crun on this hybrid-cgroup machine run the whole suite under
/// `Tests/fixtures/cgroup-v1-only.sh`.
enum Binaries {
    /// The package root, found from this file's location (Tests/DaemonTests/Harness/).
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let fixtures = packageRoot + "/Tests/fixtures"

    /// The build's products directory: where the test bundle itself lies.
    static let productsDir: String? = {
        // swift test runs <scratch>/debug/<Package>PackageTests.xctest.
        guard let exe = Bundle.main.executableURL else { return nil }
        return exe.deletingLastPathComponent().path
    }()

    static func daemon(_ name: String, variable: String) -> Result<String, HarnessError> {
        let env = ProcessInfo.processInfo.environment
        if let wanted = env[variable], !wanted.isEmpty {
            guard let path = lookUp(wanted) else {
                return .failure(HarnessError("\(variable)=\(wanted): no such executable"))
            }
            return .success(path)
        }
        var candidates: [String] = []
        if let productsDir { candidates.append("\(productsDir)/\(name)") }
        candidates.append("\(packageRoot)/.build/debug/\(name)")
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return .success(c) }
        return .failure(HarnessError("\(name) is not built (looked at \(candidates.joined(separator: ", "))); "
            + "build it or set \(variable)"))
    }

    static let shim = daemon("berth-shim", variable: "BERTH_SHIM_BIN")
    static let supervisor = daemon("berth-supervisor", variable: "BERTH_SUPERVISOR_BIN")
    static let ctl = daemon("berth-ctl", variable: "BERTH_CTL_BIN")

    /// The OCI runtime under test.
    static let runtime: Result<RuntimeChoice, HarnessError> = {
        let env = ProcessInfo.processInfo.environment
        if let wanted = env["BERTH_TEST_RUNTIME"], !wanted.isEmpty {
            guard let path = lookUp(wanted) else {
                return .failure(HarnessError("BERTH_TEST_RUNTIME=\(wanted): no such executable (not a path, not on PATH)"))
            }
            return .success(RuntimeChoice(path: path))
        }
        return daemon("berth-runtime", variable: "BERTH_RUNTIME_BIN").map { RuntimeChoice(path: $0) }
    }()

    /// An absolute path for `name`: made absolute if it has a slash, else searched on PATH.
    static func lookUp(_ name: String) -> String? {
        let fm = FileManager.default
        if name.contains("/") {
            let absolute = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath))
                .standardizedFileURL.path
            return fm.isExecutableFile(atPath: absolute) ? absolute : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }
}

/// The OCI runtime the daemons are told to use, and which one it is (so that checks of one
/// runtime's wording can be guarded).
struct RuntimeChoice: Sendable {
    enum Kind: String, Sendable { case berth, runc, crun, other }
    let path: String
    let kind: Kind

    init(path: String) {
        self.path = path
        let name = URL(fileURLWithPath: path).lastPathComponent
        kind = name.hasPrefix("berth") ? .berth : name == "runc" ? .runc : name == "crun" ? .crun : .other
    }
}
