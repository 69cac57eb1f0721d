import Foundation

/// A runc-style config.json that touches every part of the v1.2 config (Tests/fixtures/full-config.json,
/// shared with the other test targets that decode it).
let fullConfigJSON: String = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/full-config.json").path
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}()
