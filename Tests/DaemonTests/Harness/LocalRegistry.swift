import Foundation
import XCTest

/// Debian's docker-registry started by Tests/fixtures/start-registry.sh with its data
/// (storage, config, log, pid) under `dir`; the registry test classes start and stop theirs
/// through this.
enum LocalRegistry {
    /// Skips the test unless docker-registry, skopeo (which seeds it) and `extra` are installed.
    static func requireTools(_ extra: [String] = []) throws {
        for tool in ["/usr/bin/docker-registry", "/usr/bin/skopeo"] + extra where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed")
        }
    }

    /// A fresh directory of a test class's own for its registries' data, named after the
    /// class and this process.
    static func privateDir(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "berth-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Stops the registries under `dir` (one per subdirectory in `registries`) and removes it all.
    static func discard(_ dir: String, registries: [String] = ["reg"]) {
        for r in registries { stop(dir: dir + "/" + r) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Starts a registry on `port`; `environment` passes start-registry.sh's settings
    /// (REGISTRY_ACCESSLOG, REGISTRY_AUTH_*, REGISTRY_TLS_*, REGISTRY_ADDR); `command` runs the
    /// script under another command (nsenter into a test's network namespace).
    static func start(port: UInt16, dir: String, environment: [String: String] = [:], command: [String] = [],
                      ioDir: String) throws {
        let argv = command + ["/bin/bash", Binaries.fixtures + "/start-registry.sh", String(port), dir]
        let r = ChildProcess.run(argv[0], Array(argv.dropFirst()), environment: environment, outputDir: ioDir, timeout: 60)
        guard r.status == 0 else { throw HarnessError("start-registry.sh \(port) \(dir) failed: \(r)") }
    }

    /// The pid start-registry.sh recorded for the registry in `dir`.
    static func pid(dir: String) -> Int32? {
        (try? String(contentsOfFile: dir + "/registry.pid", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Kills the registry in `dir` (if it started).
    static func stop(dir: String) {
        if let p = pid(dir: dir) { kill(p, SIGKILL) }
    }
}
