import Foundation
import XCTest

/// Bad bundles: create fails with a non-zero status and an error on stderr, and leaves no state
/// entry, cgroup, process or mount. The exact wording is checked for berth-runtime only (the
/// error must name the field or path at fault); runc and crun only have to say something.
final class BadInputTests: RuntimeTestCase {
    /// Runs create on `bundle` and checks the failure; returns stderr.
    @discardableResult
    private func assertCreateFails(_ bundle: TestBundle, _ what: String, prepared: Bool = true,
                                   mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let id = newID("bad")
        let result = try create(id, bundle, prepareConfig: prepared)
        XCTAssertNotEqual(result.status, 0, "\(what): create must fail: \(result)", file: file, line: line)
        XCTAssertFalse(result.timedOut, "\(what): create hung", file: file, line: line)
        XCTAssertFalse(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                       "\(what): an error on stderr", file: file, line: line)
        if isBerth {
            XCTAssertEqual(result.status, 1, "\(what): exit status 1", file: file, line: line)
            for word in mentions {
                XCTAssertTrue(result.stderr.contains(word), "\(what): the error names \(word): \(result.stderr)", file: file, line: line)
            }
        }
        XCTAssertNotEqual(runtime(["state", id]).status, 0, "\(what): no container after a failed create", file: file, line: line)
        assertNothingLeft(id: id, bundle: bundle, context: "after \(what)", file: file, line: line)
        return result.stderr
    }

    func testMalformedConfig() throws {
        let bundle = try makeBundle(["true"])
        try bundle.saveRaw("{ \"ociVersion\": \"1.0.2\", \"process\": { \"args\": [\"true\" ")
        try assertCreateFails(bundle, "truncated config.json", prepared: false, mentions: ["config.json"])
    }

    func testConfigIsNotAnObject() throws {
        let bundle = try makeBundle(["true"])
        try bundle.saveRaw("[1, 2, 3]")
        try assertCreateFails(bundle, "config.json holding an array", prepared: false, mentions: ["config.json"])
    }

    func testMissingConfig() throws {
        let bundle = try makeBundle(["true"])
        try FileManager.default.removeItem(at: bundle.configURL)
        try assertCreateFails(bundle, "bundle without config.json", prepared: false, mentions: ["config.json"])
    }

    func testWrongFieldType() throws {
        // crun 1.8.1 accepts a string where the spec wants an array of strings and runs it.
        if isCrun { throw XCTSkip("crun 1.8.1 accepts process.args as a string") }
        let bundle = try makeBundle(["true"])
        bundle["process.args"] = "true"
        try assertCreateFails(bundle, "process.args as a string", mentions: ["args"])
    }

    func testMissingRootfs() throws {
        let bundle = try makeBundle(["true"])
        bundle["root.path"] = "no-such-rootfs"
        try assertCreateFails(bundle, "missing rootfs", mentions: ["no-such-rootfs"])
    }

    func testUnknownNamespaceType() throws {
        let bundle = try makeBundle(["true"])
        bundle.append("linux.namespaces", ["type": "bogusns"] as JSONObject)
        try assertCreateFails(bundle, "unknown namespace type", mentions: ["bogusns"])
    }

    func testJoiningNonexistentNamespacePath() throws {
        let bundle = try makeBundle(["true"])
        bundle.setNamespace("network", path: "/proc/999999999/ns/net")
        try assertCreateFails(bundle, "namespace path that does not exist", mentions: ["/proc/999999999/ns/net"])
    }

    func testBindMountOfNonexistentSource() throws {
        let bundle = try makeBundle(["true"])
        let source = env.workDir.appendingPathComponent("no-such-source").path
        bundle.addMount(destination: "/mnt/missing", type: "bind", source: source, options: ["bind"])
        try assertCreateFails(bundle, "bind mount of a missing source", mentions: [source])
    }

    func testMissingExecutable() throws {
        let bundle = try makeBundle(["/bin/no-such-program"])
        let id = newID("noexec")
        // runc and crun report a missing program at create (they check it before waiting for
        // start); either way the container must never run and must leave nothing once deleted.
        let created = try create(id, bundle)
        if created.status == 0 {
            let started = runtime(["start", id])
            XCTAssertNotEqual(started.status == 0 && status(id) == "running", true, "a missing program cannot run")
        } else {
            XCTAssertFalse(created.stderr.isEmpty)
            if isBerth { XCTAssertTrue(created.stderr.contains("/bin/no-such-program"), created.stderr) }
        }
        runtime(["delete", "--force", id])
        assertNothingLeft(id: id, bundle: bundle, context: "after a missing executable")
    }
}
