import APIClient
@testable import CLICore
import JSON
import XCTest

/// The terminal rendering of Docker's JSON progress: bars as jsonmessage.JSONProgress draws them,
/// and each layer's line redrawn in place.
final class TerminalProgressTests: XCTestCase {
    func testBarAsDockerDrawsIt() {
        XCTAssertEqual(TerminalProgress.bar(current: 1_200_000, total: 3_400_000, width: 120),
                       "[" + String(repeating: "=", count: 17) + ">" + String(repeating: " ", count: 33) + "]    1.2MB/3.4MB")
        XCTAssertEqual(TerminalProgress.bar(current: 1_200_000, total: 3_400_000, width: 80), "   1.2MB/3.4MB")
        XCTAssertEqual(TerminalProgress.bar(current: 0, total: 0, width: 120), "")
        XCTAssertEqual(TerminalProgress.bar(current: 2048, total: 0, width: 120), " 2.048kB")
    }

    func testLayersKeepTheirLines() throws {
        let out = Output(fd: 1, capture: true)
        let p = TerminalProgress(out: out, width: 120)
        for line in [#"{"status":"Pulling from busybox","id":"latest"}"#,
                     #"{"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}"#,
                     #"{"status":"Pulling fs layer","progressDetail":{},"id":"bbb"}"#,
                     #"{"status":"Pull complete","progressDetail":{},"id":"aaa"}"#,
                     #"{"status":"Digest: sha256:1"}"#] {
            let v = try JSON.parse(Array(line.utf8))
            p.show(v, ProgressMessage(v))
        }
        XCTAssertEqual(out.text, "latest: Pulling from busybox\n"
                       + "\n\u{1B}[1A\u{1B}[2K\raaa: Pulling fs layer \r\u{1B}[1B"
                       + "\n\u{1B}[1A\u{1B}[2K\rbbb: Pulling fs layer \r\u{1B}[1B"
                       + "\u{1B}[2A\u{1B}[2K\raaa: Pull complete \r\u{1B}[2B"
                       + "Digest: sha256:1\n")
    }
}
