import Foundation

/// Debian's docker-registry started by Tests/fixtures/start-registry.sh with its data
/// (storage, config, log, pid) under `dir`; the registry test classes start and stop theirs
/// through this.
enum LocalRegistry {
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
