import Foundation

/// The OCI runtime binary the suite drives through its runc-compatible command line.
///
/// `BERTH_TEST_RUNTIME` names it (a path, or a name looked up on PATH such as `runc` or `crun`).
/// Without it the suite uses the package's own `berth-runtime`: first the one next to the running
/// test binary (same build, same scratch path), then `.build/debug/berth-runtime`.
struct RuntimeUnderTest: Sendable {
    enum Kind: String, Sendable { case berth, runc, crun, other }

    let path: String
    let kind: Kind

    /// The package root, found from this file's location (Tests/RuntimeTests/Harness/).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures: URL = packageRoot.appendingPathComponent("Tests/fixtures")

    /// The runtime to test, or a sentence saying why there is none (the suite then skips).
    static let resolved: Result<RuntimeUnderTest, HarnessError> = resolve()

    private static func resolve() -> Result<RuntimeUnderTest, HarnessError> {
        let env = ProcessInfo.processInfo.environment
        if let wanted = env["BERTH_TEST_RUNTIME"], !wanted.isEmpty {
            guard let path = lookUp(wanted, path: env["PATH"] ?? "/usr/bin:/bin:/usr/sbin:/sbin") else {
                return .failure(HarnessError("BERTH_TEST_RUNTIME=\(wanted): no such executable (not a path, not on PATH)"))
            }
            return .success(RuntimeUnderTest(path: path, kind: kind(of: path)))
        }
        var candidates: [String] = []
        if let testBinary = Bundle.main.executableURL {
            // swift test runs <scratch>/debug/<Package>PackageTests.xctest; berth-runtime sits beside it.
            candidates.append(testBinary.deletingLastPathComponent().appendingPathComponent("berth-runtime").path)
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/berth-runtime").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return .success(RuntimeUnderTest(path: candidate, kind: .berth))
        }
        return .failure(HarnessError(
            "no OCI runtime to test: berth-runtime is not built (looked at \(candidates.joined(separator: ", "))) "
            + "and BERTH_TEST_RUNTIME is not set; build it or run with BERTH_TEST_RUNTIME=runc"))
    }

    private static func lookUp(_ name: String, path: String) -> String? {
        let fm = FileManager.default
        if name.contains("/") {
            let absolute = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath)).standardizedFileURL.path
            return fm.isExecutableFile(atPath: absolute) ? absolute : nil
        }
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Which runtime this is, so that the few checks of our own phrasing (and the known gaps of
    /// older runc/crun releases) can be guarded. The file name decides; `--version` settles
    /// names that say nothing (a wrapper script, a renamed copy).
    private static func kind(of path: String) -> Kind {
        let name = URL(fileURLWithPath: path).lastPathComponent
        if name.hasPrefix("berth") { return .berth }
        if name == "runc" { return .runc }
        if name == "crun" { return .crun }
        guard let temp = try? FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                                        appropriateFor: URL(fileURLWithPath: "/tmp"), create: true) else { return .other }
        defer { try? FileManager.default.removeItem(at: temp) }
        let version = Command.run(path, ["--version"], outputDir: temp, timeout: 10).stdout.lowercased()
        if version.hasPrefix("berth") { return .berth }
        if version.hasPrefix("runc") { return .runc }
        if version.hasPrefix("crun") { return .crun }
        return .other
    }
}
