import Foundation
import XCTest

/// Registries that want credentials: one with token auth (Tests/fixtures/token-server.py
/// signs the JWTs the registry's `auth.token` checks), one with basic auth (htpasswd, bcrypt
/// through Python's crypt). `docker login` against berthd checks the credentials and stores
/// them in DOCKER_CONFIG/config.json; pull and push then send them as X-Registry-Auth.
final class EngineRegistryAuthTests: EngineTestCase {
    static let user = "alice", password = "s3cret"
    /// The directory holding both registries, the token server's certificate and htpasswd.
    nonisolated(unsafe) static var dir: String?
    nonisolated(unsafe) static var tokenAddress = "", basicAddress = ""
    nonisolated(unsafe) static var tokenServer: ChildProcess?

    override func setUpWithError() throws {
        try super.setUpWithError()
        try LocalRegistry.requireTools()
        guard ChildProcess.run("/usr/bin/env", ["python3", "-c", "import cryptography, crypt"], outputDir: engine.ioDir).status == 0 else {
            throw XCTSkip("python3 cryptography (for the token server's JWTs) or crypt (for bcrypt htpasswd) is missing")
        }
        if Self.dir == nil { try Self.startRegistries(ioDir: engine.ioDir) }
    }

    override class func tearDown() {
        if let p = tokenServer { kill(p.pid, SIGKILL); _ = p.wait(timeout: 10); tokenServer = nil }
        if let d = dir {
            LocalRegistry.discard(d, registries: ["token", "basic"])
            dir = nil
        }
        super.tearDown()
    }

    static func startRegistries(ioDir: String) throws {
        let d = try LocalRegistry.privateDir("registry-auth")
        dir = d
        let tokenPort = try EngineRegistryTests.freePort()
        let server = try ChildProcess("/usr/bin/env", ["python3", Binaries.fixtures + "/token-server.py", String(tokenPort),
                                                       d + "/cert.pem", user, password, d + "/tokens.log"], outputDir: ioDir)
        try server.start()
        tokenServer = server
        // "ready" once it listens (the certificate is written before).
        guard eventually(timeout: 30, { server.currentStdout.contains("ready") }) else {
            throw HarnessError("token-server.py did not start: \(server.currentStderr)")
        }
        let hash = ChildProcess.run("/usr/bin/env", ["python3", "-W", "ignore", "-c",
                                                      "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))",
                                                      password], outputDir: ioDir)
        guard hash.status == 0 else { throw HarnessError("bcrypt hash failed: \(hash)") }
        try Data("\(user):\(hash.out)\n".utf8).write(to: URL(fileURLWithPath: d + "/htpasswd"))
        let configs: [(String, [String: String])] = [
            ("token", ["REGISTRY_AUTH_TOKEN_REALM": "http://127.0.0.1:\(tokenPort)/token", "REGISTRY_AUTH_TOKEN_SERVICE": "berth-test",
                       "REGISTRY_AUTH_TOKEN_ISSUER": "berth-test-token-server", "REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE": d + "/cert.pem"]),
            ("basic", ["REGISTRY_AUTH_HTPASSWD_REALM": "berth-test", "REGISTRY_AUTH_HTPASSWD_PATH": d + "/htpasswd"]),
        ]
        let oci = try EngineHarness.imageDir.get() + "/oci"
        for (name, env) in configs {
            let port = try EngineRegistryTests.freePort()
            try LocalRegistry.start(port: port, dir: "\(d)/\(name)", environment: env, ioDir: ioDir)
            let address = "127.0.0.1:\(port)"
            if name == "token" { tokenAddress = address } else { basicAddress = address }
            let seed = ChildProcess.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "--dest-creds", "\(user):\(password)",
                                                            "oci:\(oci):latest", "docker://\(address)/secret/busybox:latest"],
                                        outputDir: ioDir, timeout: 120)
            guard seed.status == 0 else { throw HarnessError("seeding \(name) registry failed: \(seed)") }
        }
    }

    var configJSON: [String: Any] {
        let path = engine.root + "/docker-config/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// Without credentials a pull and a push are refused clearly; a wrong password fails
    /// login with a 401; the right one is stored in config.json, after which pull and push work.
    func loginPullPush(_ address: String) throws {
        let image = "\(address)/secret/busybox:latest"
        engine.docker(["logout", address])
        let anonymous = engine.docker(["pull", image], timeout: 60)
        XCTAssertNotEqual(anonymous.status, 0)
        XCTAssertTrue(anonymous.stderr.contains("pull access denied for \(address)/secret/busybox"), anonymous.stderr)
        ok(engine.docker(["tag", "busybox", "\(address)/secret/mine:v1"]))
        let anonPush = engine.docker(["push", "\(address)/secret/mine:v1"], timeout: 60)
        XCTAssertNotEqual(anonPush.status, 0, "\(anonPush)")
        XCTAssertTrue(anonPush.stderr.contains("unauthorized: authentication required")
                      || anonPush.stderr.contains("no basic auth credentials for \(address)"), "\(anonPush)")

        let wrong = engine.docker(["login", address, "-u", Self.user, "--password-stdin"], stdin: "nope\n", timeout: 60)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("login attempt to http://\(address)/v2/ failed"), wrong.stderr)
        XCTAssertNil((configJSON["auths"] as? [String: Any])?[address])

        let login = ok(engine.docker(["login", address, "-u", Self.user, "--password-stdin"], stdin: Self.password + "\n", timeout: 60),
                       "docker login")
        XCTAssertTrue(login.contains("Login Succeeded"), login)
        let stored = (configJSON["auths"] as? [String: Any])?[address] as? [String: Any]
        XCTAssertEqual(stored?["auth"] as? String, Data("\(Self.user):\(Self.password)".utf8).base64EncodedString())

        let pulled = ok(engine.docker(["pull", image], timeout: 120), "pull with credentials")
        XCTAssertTrue(pulled.contains("Pulling from secret/busybox"), pulled)
        XCTAssertEqual(ok(engine.docker(["run", "--rm", image, "echo", "in"])), "in")
        let pushed = ok(engine.docker(["push", "\(address)/secret/mine:v1"], timeout: 120), "push with credentials")
        XCTAssertTrue(pushed.contains("v1: digest: sha256:"), pushed)
        ok(engine.docker(["rmi", "\(address)/secret/mine:v1"]))
        ok(engine.docker(["pull", "\(address)/secret/mine:v1"], timeout: 120), "pull back what was pushed")

        ok(engine.docker(["logout", address]))
        XCTAssertNil((configJSON["auths"] as? [String: Any])?[address])
        let after = engine.docker(["pull", image], timeout: 60)
        XCTAssertNotEqual(after.status, 0, "a pull after logout must be refused: \(after)")
    }

    func testTokenAuthLoginPullPush() throws { try loginPullPush(Self.tokenAddress) }

    /// Pushing an image pulled from one repository into another of the same registry mounts
    /// its blobs: the token berthd asks for carries pull on the source besides push on the
    /// target (the registry refuses the mount otherwise), and the image pulls back the same.
    func testTokenAuthPushMountsFromThePulledRepository() throws {
        let address = Self.tokenAddress
        let source = "\(address)/secret/busybox:latest", target = "\(address)/secret/mounted:v1"
        ok(engine.docker(["login", address, "-u", Self.user, "--password-stdin"], stdin: Self.password + "\n", timeout: 60), "login")
        defer { engine.docker(["logout", address]) }
        ok(engine.docker(["pull", source], timeout: 120), "pull")
        ok(engine.docker(["tag", source, target]))
        let pushed = ok(engine.docker(["push", target], timeout: 120), "push")
        // Other tests of the class push the same image to other repositories: any of them is a candidate.
        let from = try XCTUnwrap(pushed.firstMatch(of: /: Mounted from (secret\/[a-z-]+)/)?.1, pushed)
        XCTAssertFalse(pushed.contains(": Pushed"), "nothing is uploaded: \(pushed)")
        let tokens = (try? String(contentsOfFile: (Self.dir ?? "") + "/tokens.log", encoding: .utf8)) ?? ""
        XCTAssertTrue(tokens.split(separator: "\n").contains { $0 == "repository:secret/mounted:pull,push repository:\(from):pull" }, tokens)

        let sourceDigests = ok(engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", source]))
        let digest = try XCTUnwrap(pushed.firstMatch(of: /v1: digest: (sha256:[0-9a-f]{64})/)?.1)
        XCTAssertTrue(sourceDigests.contains("\(address)/secret/busybox@\(digest)"), "the pulled manifest is pushed unchanged: \(sourceDigests) \(pushed)")
        let id = ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", target]))
        ok(engine.docker(["rmi", target]))
        let back = ok(engine.docker(["pull", target], timeout: 120), "pull back")
        XCTAssertTrue(back.contains("Digest: \(digest)"), back)
        XCTAssertEqual(ok(engine.docker(["image", "inspect", "-f", "{{.Id}}", target])), id)
    }

    func testBasicAuthLoginPullPush() throws { try loginPullPush(Self.basicAddress) }

    /// `berth login/pull/push/logout`, with DOCKER_CONFIG pointing at a config of their own.
    func testBerthLoginPullPushLogout() throws {
        let address = Self.tokenAddress
        let configDir = engine.root + "/berth-config"
        func berth(_ args: [String], stdin: String? = nil) throws -> ChildResult {
            ChildProcess.run(try EngineHarness.binary("berth"), args, stdin: stdin,
                             environment: ["BERTH_HOST": engine.host, "DOCKER_CONFIG": configDir], outputDir: engine.ioDir, timeout: 120)
        }
        let image = "\(address)/secret/busybox:latest"
        let refused = try berth(["pull", image])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("pull access denied"), "\(refused)")
        let wrong = try berth(["login", address, "-u", Self.user, "--password-stdin"], stdin: "bad\n")
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("login attempt to http://\(address)/v2/ failed"), "\(wrong)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: configDir + "/config.json"))
        XCTAssertEqual(ok(try berth(["login", address, "-u", Self.user, "--password-stdin"], stdin: Self.password + "\n")), "Login Succeeded")
        let config = try String(contentsOfFile: configDir + "/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains(Data("\(Self.user):\(Self.password)".utf8).base64EncodedString()), config)

        let pulled = ok(try berth(["pull", image]), "berth pull")
        XCTAssertTrue(pulled.contains("Pulling from secret/busybox"), pulled)
        XCTAssertTrue(pulled.hasSuffix(image), pulled)
        XCTAssertEqual(ok(try berth(["pull", "-q", image])), image)
        ok(engine.docker(["tag", "busybox", "\(address)/secret/berth-pushed:v2"]))
        let pushed = ok(try berth(["push", "\(address)/secret/berth-pushed:v2"]), "berth push")
        XCTAssertTrue(pushed.contains("v2: digest: sha256:"), pushed)

        XCTAssertEqual(ok(try berth(["logout", address])), "Removing login credentials for \(address)")
        let after = try berth(["pull", image])
        XCTAssertNotEqual(after.status, 0, "\(after)")
    }

    /// With `credsStore` (and `credHelpers`, which wins for its server) in config.json, `berth login`
    /// stores through `docker-credential-<name> store`, pull and push read through `get`, logout
    /// runs `erase`; config.json keeps no secret, only an empty `auths` entry naming the server.
    func testBerthCredentialHelpers() throws {
        let address = Self.basicAddress
        let configDir = engine.root + "/berth-helper-config", creds = engine.root + "/helper-creds.json"
        try FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
        let env = ["BERTH_HOST": engine.host, "DOCKER_CONFIG": configDir, "BERTHTEST_CREDS": creds,
                   "PATH": Binaries.fixtures + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        func berth(_ args: [String], stdin: String? = nil) throws -> ChildResult {
            ChildProcess.run(try EngineHarness.binary("berth"), args, stdin: stdin, environment: env, outputDir: engine.ioDir, timeout: 120)
        }
        func calls() -> [String] {
            ((try? String(contentsOfFile: creds + ".log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let image = "\(address)/secret/busybox:latest"
        for config in [#"{"credsStore": "berthtest"}"#,
                       #"{"credsStore": "absent-helper", "credHelpers": {"\#(address)": "berthtest"}}"#] {
            try Data(config.utf8).write(to: URL(fileURLWithPath: configDir + "/config.json"))
            try? FileManager.default.removeItem(atPath: creds + ".log")
            let refused = try berth(["pull", image])
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains("pull access denied"), "nothing stored yet is anonymous: \(refused)")
            XCTAssertEqual(calls(), ["get"])

            XCTAssertEqual(ok(try berth(["login", address, "-u", Self.user, "--password-stdin"], stdin: Self.password + "\n")),
                           "Login Succeeded")
            let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: creds))) as? [String: [String]]
            XCTAssertEqual(stored?[address], [Self.user, Self.password])
            let file = try String(contentsOfFile: configDir + "/config.json", encoding: .utf8)
            XCTAssertFalse(file.contains(Data("\(Self.user):\(Self.password)".utf8).base64EncodedString()), file)
            XCTAssertEqual((configJSON(configDir)["auths"] as? [String: Any])?[address] as? [String: String], [:], file)

            XCTAssertTrue(ok(try berth(["pull", image]), "pull through the helper").contains("Pulling from secret/busybox"))
            ok(engine.docker(["tag", "busybox", "\(address)/secret/helper-pushed:v1"]))
            XCTAssertTrue(ok(try berth(["push", "\(address)/secret/helper-pushed:v1"]), "push").contains("v1: digest: sha256:"))
            XCTAssertEqual(ok(try berth(["logout", address])), "Removing login credentials for \(address)")
            XCTAssertEqual(calls().filter { $0 != "get" }, ["store", "erase"])
            let erased = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: creds))) as? [String: [String]]
            XCTAssertNil(erased?[address])
            XCTAssertNotEqual(try berth(["pull", image]).status, 0, "a pull after logout is anonymous again")
        }

        // A configured helper that is not installed is an error that names it, not a silent anonymous pull.
        try Data(#"{"credsStore": "absent-helper"}"#.utf8).write(to: URL(fileURLWithPath: configDir + "/config.json"))
        let missing = try berth(["pull", image])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("docker-credential-absent-helper"), "\(missing)")
    }

    func configJSON(_ dir: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: dir + "/config.json") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// The SDK sends credentials as X-Registry-Auth too (auth_config).
    func testPythonSDKPullWithAuthConfig() throws {
        let address = Self.tokenAddress
        let r = engine.python("""
        img = client.images.pull('\(address)/secret/busybox', tag='latest', auth_config={'username': '\(Self.user)', 'password': '\(Self.password)'})
        print(img.id)
        try:
            client.images.pull('\(address)/secret/busybox', tag='latest', auth_config={'username': '\(Self.user)', 'password': 'bad'})
            print('no error')
        except docker.errors.APIError as e:
            print('refused', e.status_code)
        print(client.login(username='\(Self.user)', password='\(Self.password)', registry='\(address)')['Status'])
        """)
        XCTAssertEqual(r.status, 0, "\(r)")
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.out)
        XCTAssertTrue(lines.first?.hasPrefix("sha256:") ?? false, r.out)
        XCTAssertTrue(lines.dropFirst().first?.hasPrefix("refused") ?? false, r.out)
        XCTAssertEqual(lines.last, "Login Succeeded")
    }
}
