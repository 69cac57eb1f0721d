import Foundation
import XCTest

/// A runc-style config.json that touches every part of the v1.2 config (Tests/fixtures/full-config.json,
/// shared with the other test targets that decode it).
let fullConfigJSON: String = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/full-config.json").path
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}()

func jsonObject(_ data: Data) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: data)
    return try XCTUnwrap(value as? [String: Any], "top level is not an object")
}

/// SpecFile.encode returns bytes, not Data.
func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    try jsonObject(Data(bytes))
}

/// Runs a program to completion; returns stdout, or nil when it is missing or fails.
func runTool(_ argv: [String], in dir: String? = nil) -> Data? {
    let task = Foundation.Process()
    task.executableURL = URL(fileURLWithPath: argv[0])
    task.arguments = Array(argv.dropFirst())
    if let dir { task.currentDirectoryURL = URL(fileURLWithPath: dir) }
    let out = Pipe()
    task.standardOutput = out
    task.standardError = FileHandle.nullDevice
    do { try task.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    task.waitUntilExit()
    return task.terminationStatus == 0 ? data : nil
}

func firstExecutable(_ candidates: [String]) -> String? {
    candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

func makeTempDir() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocispec-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}
