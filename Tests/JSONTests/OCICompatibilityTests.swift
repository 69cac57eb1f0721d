import Foundation
import JSON
import OCISpec
import XCTest

/// Real config.json files decode to the same values as with Foundation's JSONDecoder.
final class OCICompatibilityTests: XCTestCase {
    func assertSameAsFoundation<T: Codable & Equatable>(_ type: T.Type, _ bytes: [UInt8], _ what: String,
                                                         file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try JSON.decode(type, from: bytes)
        let theirs = try JSONDecoder().decode(type, from: Data(bytes))
        XCTAssertEqual(ours, theirs, what, file: file, line: line)
        // And what we write, Foundation reads back to the same value.
        XCTAssertEqual(try JSONDecoder().decode(type, from: Data(JSON.encode(ours))), theirs, what, file: file, line: line)
        XCTAssertEqual(try JSON.decode(type, from: JSON.encode(ours, pretty: true)), theirs, what, file: file, line: line)
    }

    func run(_ argv: [String], in dir: String? = nil) -> Bool {
        let task = Foundation.Process()
        task.executableURL = URL(fileURLWithPath: argv[0])
        task.arguments = Array(argv.dropFirst())
        if let dir { task.currentDirectoryURL = URL(fileURLWithPath: dir) }
        task.standardOutput = FileHandle.nullDevice
        task.standardError = FileHandle.nullDevice
        do { try task.run() } catch { return false }
        task.waitUntilExit()
        return task.terminationStatus == 0
    }

    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jsontests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testMakeBundleConfig() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../fixtures/make-bundle.sh").standardized.path
        try XCTSkipUnless(["/bin/busybox", "/usr/bin/busybox"].contains { FileManager.default.isExecutableFile(atPath: $0) },
                          "busybox not installed")
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try XCTSkipUnless(run(["/bin/bash", script, dir + "/bundle", "/bin/sh", "-c", "echo \"a b\" / ü"]), "make-bundle.sh failed")
        let bytes = try SpecFile.read(dir + "/bundle/config.json")
        try assertSameAsFoundation(Spec.self, bytes, "make-bundle.sh config.json")
        XCTAssertEqual(try JSON.decode(Spec.self, from: bytes).process?.args?.last, "echo \"a b\" / ü")
    }

    func testRuncSpecOutput() throws {
        guard let runc = ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else { throw XCTSkip("runc not installed") }
        for flags in [["spec"], ["spec", "--rootless"]] {
            let dir = try tempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try XCTSkipUnless(run([runc] + flags, in: dir), "runc spec failed")
            try assertSameAsFoundation(Spec.self, try SpecFile.read(dir + "/config.json"), "runc \(flags.joined(separator: " "))")
        }
    }

    func testFullConfigAndOtherDocuments() throws {
        try assertSameAsFoundation(Spec.self, Array(fullConfigJSON.utf8), "full config")
        let state = #"{"ociVersion":"1.2.0","id":"c1","status":"running","pid":42,"bundle":"/b","annotations":{"a":"b"}}"#
        try assertSameAsFoundation(State.self, Array(state.utf8), "state")
        let resources = #"{"memory":{"limit":-1,"swap":9223372036854775807},"cpu":{"shares":18446744073709551615},"pids":{"limit":0}}"#
        try assertSameAsFoundation(LinuxResources.self, Array(resources.utf8), "resources")
    }

    /// OCISpec's own encoder and decoder (SpecFile) round-trip what Foundation writes.
    func testSpecFileAgreesWithFoundation() throws {
        let spec = try JSONDecoder().decode(Spec.self, from: Data(fullConfigJSON.utf8))
        XCTAssertEqual(try SpecFile.decode(Spec.self, from: SpecFile.encode(spec), file: "x"), spec)
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        XCTAssertEqual(String(decoding: try SpecFile.encode(spec), as: UTF8.self),
                       String(decoding: try foundation.encode(spec), as: UTF8.self))
    }
}
