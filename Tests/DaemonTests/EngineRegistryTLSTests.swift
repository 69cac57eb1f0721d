import Foundation
import XCTest

/// Registries reached over HTTPS, as Docker Hub is: berthd's berth-https helper (URLSession),
/// Docker's certs.d for a private CA, the secure-by-default rule for addresses outside
/// 127.0.0.0/8, the plain-HTTP exception for insecure registries, and an https token realm.
///
/// Everything runs in a network namespace this class makes (`ip netns add`) with the
/// registries' address 10.231.0.1 on its own loopback, so no traffic leaves the machine's
/// loopback. berthd (and so its helper) runs in that namespace too, with
/// `--registry-certs-dir` naming the test's certs.d: the host's trust store is never touched.
final class EngineRegistryTLSTests: EngineTestCase {
    static let address = "10.231.0.1"
    static let user = "bob", password = "pa55"
    nonisolated(unsafe) static var setup: Setup?

    struct Setup {
        var netns: String
        var dir: String
        var pids: [Int32] = []
    }

    static var dir: String { setup?.dir ?? "/nonexistent" }
    static var netnsPath: String { "/run/netns/" + (setup?.netns ?? "none") }

    override class var daemonArgs: [String] {
        ["--insecure-registry", "\(address):5001", "--registry-certs-dir", dir + "/certs.d"]
    }
    override class var daemonWrapper: [String] { ["/usr/bin/nsenter", "--net=\(netnsPath)"] }

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root") }
        try LocalRegistry.requireTools(["/usr/bin/openssl", "/usr/bin/nsenter", "/usr/bin/unshare"])
        guard ChildProcess.run("/usr/bin/env", ["python3", "-c", "import cryptography"], outputDir: "/tmp").status == 0 else {
            throw XCTSkip("python3 cryptography (for the token server's JWTs) is missing")
        }
        if Self.setup == nil {
            do { try Self.startRegistries() } catch { Self.stopRegistries(); throw error }
        }
        try super.setUpWithError()
    }

    override class func tearDown() {
        super.tearDown() // berthd first: it lives in the namespace
        stopRegistries()
    }

    // MARK: set-up

    /// Runs `args` inside the test's network namespace.
    static func inNetns(_ args: [String], env: [String: String] = [:], timeout: TimeInterval = 120) -> ChildResult {
        ChildProcess.run("/usr/bin/nsenter", ["--net=\(netnsPath)"] + args, environment: env, outputDir: dir + "/io", timeout: timeout)
    }

    static func startRegistries() throws {
        let name = "berth-tls-\(getpid())"
        let d = NSTemporaryDirectory() + name
        try? FileManager.default.removeItem(atPath: d)
        try FileManager.default.createDirectory(atPath: d + "/io", withIntermediateDirectories: true)
        setup = Setup(netns: name, dir: d)
        let io = d + "/io"
        for cmd in [["netns", "add", name], ["-n", name, "link", "set", "lo", "up"],
                    ["-n", name, "addr", "add", "\(address)/32", "dev", "lo"]] {
            let r = ChildProcess.run("/usr/bin/env", ["ip"] + cmd, outputDir: io)
            guard r.status == 0 else { throw HarnessError("ip \(cmd.joined(separator: " ")) failed: \(r)") }
        }
        let certs = d + "/certs"
        let made = ChildProcess.run("/bin/bash", [Binaries.fixtures + "/make-tls-certs.sh", certs, "registry",
                                                  "IP:\(address)", "IP:127.0.0.1"], outputDir: io)
        guard made.status == 0 else { throw HarnessError("make-tls-certs.sh failed: \(made)") }
        // A certificate from a CA nobody trusts.
        let other = ChildProcess.run("/bin/bash", [Binaries.fixtures + "/make-tls-certs.sh", d + "/other", "registry", "IP:\(address)"],
                                     outputDir: io)
        guard other.status == 0 else { throw HarnessError("make-tls-certs.sh (untrusted) failed: \(other)") }
        // skopeo trusts what a --dest-cert-dir holds; berthd what certs.d holds, per registry
        // as Docker reads it (the untrusted one on :5444 has no entry).
        try FileManager.default.createDirectory(atPath: d + "/skopeo-certs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: certs + "/ca.crt", toPath: d + "/skopeo-certs/ca.crt")
        for host in ["\(address):5443", "127.0.0.1:5443", "\(address):5002", "\(address):5003"] {
            try FileManager.default.createDirectory(atPath: "\(d)/certs.d/\(host)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: certs + "/ca.crt", toPath: "\(d)/certs.d/\(host)/ca.crt")
        }

        let token = inNetnsChild(["python3", Binaries.fixtures + "/token-server.py", "5003", d + "/token-cert.pem", user, password],
                                 env: ["TOKEN_ADDR": address, "TOKEN_TLS_CERT": certs + "/registry.crt", "TOKEN_TLS_KEY": certs + "/registry.key"])
        guard let token else { throw HarnessError("token-server.py did not start") }
        setup?.pids.append(token.pid)
        guard eventually(timeout: 30, { token.currentStdout.contains("ready") }) else {
            throw HarnessError("token-server.py did not start: \(token.currentStderr)")
        }

        let tls = ["REGISTRY_TLS_CERT": certs + "/registry.crt", "REGISTRY_TLS_KEY": certs + "/registry.key", "REGISTRY_TLS_CA": certs + "/ca.crt"]
        let untrusted = ["REGISTRY_TLS_CERT": d + "/other/registry.crt", "REGISTRY_TLS_KEY": d + "/other/registry.key",
                         "REGISTRY_TLS_CA": d + "/other/ca.crt"]
        let tokenAuth = ["REGISTRY_AUTH_TOKEN_REALM": "https://\(address):5003/token", "REGISTRY_AUTH_TOKEN_SERVICE": "berth-test",
                         "REGISTRY_AUTH_TOKEN_ISSUER": "berth-test-token-server", "REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE": d + "/token-cert.pem"]
        let registries: [(name: String, host: String, port: Int, env: [String: String], seed: [String])] = [
            ("tls", address, 5443, tls, ["--dest-cert-dir", d + "/skopeo-certs"]),
            ("untrusted", address, 5444, untrusted, ["--dest-tls-verify=false"]),
            ("plain", address, 5000, [:], ["--dest-tls-verify=false"]),
            ("insecure", address, 5001, [:], ["--dest-tls-verify=false"]),
            ("loopback", "127.0.0.1", 5443, tls, ["--dest-cert-dir", d + "/skopeo-certs"]),
            ("token", address, 5002, tls.merging(tokenAuth) { a, _ in a },
             ["--dest-cert-dir", d + "/skopeo-certs", "--dest-creds", "\(user):\(password)"]),
        ]
        let oci = try EngineHarness.imageDir.get() + "/oci"
        for r in registries {
            defer { if let pid = LocalRegistry.pid(dir: "\(d)/\(r.name)") { setup?.pids.append(pid) } }
            try LocalRegistry.start(port: UInt16(r.port), dir: "\(d)/\(r.name)", environment: r.env.merging(["REGISTRY_ADDR": r.host]) { a, _ in a },
                                    command: ["/usr/bin/nsenter", "--net=\(netnsPath)"], ioDir: d + "/io")
            let seed = inNetns(["/usr/bin/skopeo", "copy"] + r.seed + ["oci:\(oci):latest", "docker://\(r.host):\(r.port)/tls/busybox:latest"])
            guard seed.status == 0 else { throw HarnessError("seeding the \(r.name) registry failed: \(seed)") }
        }
    }

    static func inNetnsChild(_ args: [String], env: [String: String]) -> ChildProcess? {
        guard let p = try? ChildProcess("/usr/bin/nsenter", ["--net=\(netnsPath)"] + args, outputDir: dir + "/io") else { return nil }
        p.environment = env
        return (try? p.start()) == nil ? nil : p
    }

    static func stopRegistries() {
        guard let s = setup else { return }
        for pid in s.pids { kill(pid, SIGKILL) }
        for pid in s.pids { var st: Int32 = 0; _ = waitpid(pid, &st, WNOHANG) }
        _ = ChildProcess.run("/usr/bin/env", ["ip", "netns", "del", s.netns], outputDir: "/tmp")
        try? FileManager.default.removeItem(atPath: s.dir)
        setup = nil
    }

    var tls: String { "\(Self.address):5443" }

    func repoDigests(_ image: String) -> String {
        ok(engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", image]))
    }

    // MARK: tests

    /// Pull and push over HTTPS with certificate checks (the CA is in berthd's system bundle);
    /// what was pushed pulls back by digest; the berth CLI and the Python SDK pull too.
    func testPullPushOverHTTPS() throws {
        let image = "\(tls)/tls/busybox:latest"
        engine.docker(["rmi", image]) // pulled by an earlier test, perhaps
        let pulled = ok(engine.docker(["pull", image], timeout: 120), "docker pull over https")
        XCTAssertTrue(pulled.contains("latest: Pulling from tls/busybox"), pulled)
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(image)"), pulled)
        guard let digest = pulled.split(separator: "\n").first(where: { $0.hasPrefix("Digest: ") })?.dropFirst(8) else {
            return XCTFail("no digest line: \(pulled)")
        }
        XCTAssertTrue(repoDigests(image).contains("\(tls)/tls/busybox@\(digest)"), repoDigests(image))

        ok(engine.docker(["tag", image, "\(tls)/tls/pushed:v1"]))
        let pushed = ok(engine.docker(["push", "\(tls)/tls/pushed:v1"], timeout: 120), "docker push over https")
        XCTAssertTrue(pushed.contains("v1: digest: \(digest)"), pushed)
        ok(engine.docker(["rmi", "\(tls)/tls/pushed:v1", image]))
        ok(engine.docker(["pull", "\(tls)/tls/pushed@\(digest)"], timeout: 120), "pull back by digest")
        XCTAssertTrue(repoDigests("\(tls)/tls/pushed@\(digest)").contains("\(tls)/tls/pushed@\(digest)"))

        // HTTPS went through the berth-https helper, a child of berthd; killed, it is
        // started again by the next request.
        let helpers = ProcessTable.pidsWithCommandLine(containing: engine.execRoot + "/https.sock")
        XCTAssertEqual(helpers.count, 1, "one berth-https helper")
        if let helper = helpers.first {
            XCTAssertEqual(ProcessTable.parent(of: helper), engine.daemon?.pid)
            _ = ProcessTable.killAndWait([helper])
        }
        let berth = try engine.berth(["pull", "-q", image], timeout: 120)
        XCTAssertEqual(berth.status, 0, "\(berth)")
        XCTAssertEqual(berth.out, image)
        let sdk = engine.python("img = client.images.pull('\(tls)/tls/busybox', tag='latest')\nprint(img.attrs['RepoDigests'])")
        XCTAssertEqual(sdk.status, 0, "\(sdk)")
        XCTAssertTrue(sdk.stdout.contains("\(tls)/tls/busybox@\(digest)"), sdk.stdout)
    }

    /// When berthd stops, its helper goes too (EOF on the pipe that is its stdin).
    func testHelperExitsWithBerthd() throws {
        ok(engine.docker(["pull", "\(tls)/tls/busybox:latest"], timeout: 120))
        let helpers = ProcessTable.pidsWithCommandLine(containing: engine.execRoot + "/https.sock")
        XCTAssertEqual(helpers.count, 1)
        engine.stopDaemon()
        XCTAssertTrue(eventually(timeout: 10) { helpers.allSatisfy { !ProcessTable.isAlive($0) || ProcessTable.state($0) == "Z" } },
                      "berth-https outlived berthd")
        try engine.start()
    }

    /// A certificate from an unknown CA: docker's x509 error, no image, and no retry loop.
    func testUntrustedCertificateIsRefused() throws {
        let image = "\(Self.address):5444/tls/busybox:latest"
        let r = engine.docker(["pull", image], timeout: 60)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("https://\(Self.address):5444/v2/"), r.stderr)
        XCTAssertTrue(r.stderr.contains("x509: certificate signed by unknown authority"), r.stderr)
        XCTAssertEqual(ok(engine.docker(["images", "-q", image])), "")
    }

    /// Outside 127.0.0.0/8 a registry is HTTPS unless listed in insecure-registries:
    /// a plain-HTTP one is refused in docker's words; the listed one works over plain HTTP.
    func testPlainHTTPNeedsInsecureRegistries() throws {
        let refused = engine.docker(["pull", "\(Self.address):5000/tls/busybox:latest"], timeout: 60)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("http: server gave HTTP response to HTTPS client"), refused.stderr)
        let listed = ok(engine.docker(["pull", "\(Self.address):5001/tls/busybox:latest"], timeout: 120), "insecure registry")
        XCTAssertTrue(listed.contains("Status: Downloaded newer image"), listed)
    }

    /// A registry on loopback (insecure by default) that speaks only TLS: berthd's plain
    /// request gets Go's "HTTP request to an HTTPS server" answer and goes on over HTTPS.
    func testLoopbackRegistryThatSpeaksOnlyTLS() throws {
        let image = "127.0.0.1:5443/tls/busybox:latest"
        let pulled = ok(engine.docker(["pull", image], timeout: 120), "pull from a TLS registry on loopback")
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image for \(image)"), pulled)
        ok(engine.docker(["tag", image, "127.0.0.1:5443/tls/again:v2"]))
        let pushed = ok(engine.docker(["push", "127.0.0.1:5443/tls/again:v2"], timeout: 120), "push to it")
        XCTAssertTrue(pushed.contains("v2: digest: sha256:"), pushed)
    }

    /// Token auth with an https realm (as Docker Hub's auth.docker.io): login checks the
    /// credentials over HTTPS, a wrong password is refused, the right one pulls.
    func testTokenRealmOverHTTPS() throws {
        let registry = "\(Self.address):5002"
        let wrong = engine.docker(["login", registry, "-u", Self.user, "--password-stdin"], stdin: "nope\n", timeout: 60)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("login attempt to https://\(registry)/v2/ failed"), wrong.stderr)
        let anonymous = engine.docker(["pull", "\(registry)/tls/busybox:latest"], timeout: 60)
        XCTAssertNotEqual(anonymous.status, 0, "\(anonymous)")
        let login = ok(engine.docker(["login", registry, "-u", Self.user, "--password-stdin"], stdin: Self.password + "\n", timeout: 60))
        XCTAssertTrue(login.contains("Login Succeeded"), login)
        let pulled = ok(engine.docker(["pull", "\(registry)/tls/busybox:latest"], timeout: 120), "pull with a token from an https realm")
        XCTAssertTrue(pulled.contains("Status: Downloaded newer image"), pulled)
        ok(engine.docker(["logout", registry]))
    }
}
