import Foundation
import XCTest

/// `features` (the runtime-spec's features document) and `spec` (a starting config.json).
final class SpecFeaturesTests: RuntimeTestCase {
    func testFeaturesDocument() throws {
        if isCrun { throw XCTSkip("crun 1.8.1 has no features command") }
        let result = runtime(["features"])
        XCTAssertEqual(result.status, 0, result.description)
        let features = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? JSONObject,
                                     "features prints a JSON object: \(result.stdout)")
        let minimum = try XCTUnwrap(features["ociVersionMin"] as? String, "ociVersionMin")
        let maximum = try XCTUnwrap(features["ociVersionMax"] as? String, "ociVersionMax")
        XCTAssertTrue(minimum.hasPrefix("1."), minimum)
        XCTAssertTrue(maximum.hasPrefix("1."), maximum)
        XCTAssertNotEqual(minimum.compare(maximum, options: .numeric), .orderedDescending, "min \(minimum) <= max \(maximum)")
        if isBerth { XCTAssertTrue(maximum.hasPrefix("1.2"), "berth-runtime implements runtime-spec 1.2: \(maximum)") }

        let hooks = Set(features["hooks"] as? [String] ?? [])
        XCTAssertEqual(hooks, ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"])
        let mountOptions = Set(features["mountOptions"] as? [String] ?? [])
        for option in ["ro", "rw", "nosuid", "nodev", "noexec", "bind", "rbind", "private", "rslave", "relatime", "tmpcopyup"] {
            XCTAssertTrue(mountOptions.contains(option), "mountOptions has \(option): \(mountOptions.sorted())")
        }

        let linux = try XCTUnwrap(features["linux"] as? JSONObject, "linux")
        let namespaces = Set(linux["namespaces"] as? [String] ?? [])
        // runc 1.1.5 predates time namespaces.
        let expected: Set<String> = isRunc ? ["pid", "network", "mount", "ipc", "uts", "user", "cgroup"]
                                           : ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"]
        XCTAssertEqual(namespaces, expected)
        let seccomp = try XCTUnwrap(linux["seccomp"] as? JSONObject, "linux.seccomp")
        XCTAssertEqual(seccomp["enabled"] as? Bool, true)
        let actions = Set(seccomp["actions"] as? [String] ?? [])
        for action in ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG"] {
            XCTAssertTrue(actions.contains(action), "seccomp.actions has \(action): \(actions.sorted())")
        }
        XCTAssertTrue((seccomp["operators"] as? [String] ?? []).contains("SCMP_CMP_MASKED_EQ"))
        XCTAssertTrue((seccomp["archs"] as? [String] ?? []).contains("SCMP_ARCH_X86_64"))
        let capabilities = linux["capabilities"] as? [String] ?? []
        XCTAssertTrue(capabilities.contains("CAP_SYS_ADMIN") && capabilities.contains("CAP_CHOWN"), "\(capabilities)")
        let cgroup = try XCTUnwrap(linux["cgroup"] as? JSONObject, "linux.cgroup")
        XCTAssertEqual(cgroup["v1"] as? Bool, true)
        XCTAssertEqual(cgroup["v2"] as? Bool, true)
    }

    /// `spec --bundle DIR` writes a config.json that the runtime then runs once the bundle has a
    /// rootfs and the interactive shell is swapped for /bin/true.
    func testSpecWritesAConfigThatCreateAccepts() throws {
        let bundle = try makeBundle(["true"])
        try FileManager.default.removeItem(at: bundle.configURL)
        let written = runtime(["spec", "--bundle", bundle.path])
        XCTAssertEqual(written.status, 0, written.description)
        let data = try Data(contentsOf: bundle.configURL)
        var config = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? JSONObject, "config.json is a JSON object")
        XCTAssertNotNil(config["ociVersion"] as? String)
        XCTAssertEqual((config["root"] as? JSONObject)?["path"] as? String, "rootfs")
        XCTAssertEqual((config["process"] as? JSONObject)?["terminal"] as? Bool, true, "runc's default: an interactive sh")
        let namespaces = ((config["linux"] as? JSONObject)?["namespaces"] as? [JSONObject] ?? []).compactMap { $0["type"] as? String }
        XCTAssertEqual(Set(namespaces), ["pid", "network", "ipc", "uts", "mount"], "\(namespaces)")
        XCTAssertFalse(namespaces.contains("user"), "a rootful spec has no user namespace")

        var process = config["process"] as? JSONObject ?? [:]
        process["args"] = ["/bin/true"]
        process["terminal"] = false
        config["process"] = process
        bundle.config = config
        let id = newID("spec")
        let created = try create(id, bundle)
        XCTAssertEqual(created.status, 0, "create accepts what spec wrote: \(created)")
        XCTAssertEqual(status(id), "created")
        XCTAssertEqual(runtime(["start", id]).status, 0)
        XCTAssertTrue(waitForStatus(id, "stopped"))
        XCTAssertEqual(runtime(["delete", id]).status, 0)
        assertNothingLeft(id: id, bundle: bundle, context: "after delete")
    }

    func testSpecRefusesToOverwrite() throws {
        let dir = try env.makeDirectory("spec")
        let existing = dir.appendingPathComponent("config.json")
        try Data("{\"mine\": true}\n".utf8).write(to: existing)
        let result = runtime(["spec", "--bundle", dir.path])
        XCTAssertNotEqual(result.status, 0, "spec must not overwrite config.json: \(result)")
        XCTAssertTrue(result.stderr.contains("exists"), result.stderr)
        XCTAssertEqual(try String(contentsOf: existing, encoding: .utf8), "{\"mine\": true}\n", "config.json untouched")
    }

    func testSpecRootless() throws {
        // As root, crun 1.8.1 writes a user namespace without any mapping.
        if isCrun { throw XCTSkip("crun 1.8.1 writes no uid/gid mappings in spec --rootless when run as root") }
        let dir = try env.makeDirectory("spec")
        let result = runtime(["spec", "--rootless", "--bundle", dir.path])
        XCTAssertEqual(result.status, 0, result.description)
        let data = try Data(contentsOf: dir.appendingPathComponent("config.json"))
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? JSONObject)
        let linux = try XCTUnwrap(config["linux"] as? JSONObject, "linux")
        let namespaces = (linux["namespaces"] as? [JSONObject] ?? []).compactMap { $0["type"] as? String }
        XCTAssertTrue(namespaces.contains("user"), "a rootless spec has a user namespace: \(namespaces)")
        XCTAssertFalse(namespaces.contains("network"), "rootless keeps the host network (no way to set one up): \(namespaces)")
        for key in ["uidMappings", "gidMappings"] {
            let mappings = linux[key] as? [JSONObject] ?? []
            XCTAssertEqual(mappings.count, 1, "\(key): \(mappings)")
            XCTAssertEqual((mappings.first?["containerID"] as? NSNumber)?.intValue, 0, "\(key) maps root: \(mappings)")
            XCTAssertEqual((mappings.first?["size"] as? NSNumber)?.intValue, 1, "\(key): \(mappings)")
        }
        let hostUID = ((linux["uidMappings"] as? [JSONObject])?.first?["hostID"] as? NSNumber)?.uint32Value
        XCTAssertEqual(hostUID, getuid(), "root in the container is the caller")
    }
}
