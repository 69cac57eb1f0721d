import XCTest
import LinuxSys

final class DetachKeysTests: XCTestCase {
    func testParsesDockersFormat() throws {
        XCTAssertEqual(try DetachKeys(parsing: "ctrl-p,ctrl-q").bytes, [0x10, 0x11])
        XCTAssertEqual(try DetachKeys(parsing: "ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_").bytes, [0, 27, 28, 29, 30, 31])
        XCTAssertEqual(try DetachKeys(parsing: "a,ctrl-A,x").bytes, [0x61, 0x01, 0x78])
        for (bad, key) in [("", ""), ("ctrl-1", "ctrl-1"), ("ctrl-", "ctrl-"), ("abc", "abc"), ("a,,b", "")] {
            XCTAssertThrowsError(try DetachKeys(parsing: bad), bad) { e in
                XCTAssertEqual("\(e)", "Unknown character: '\(key)'")
            }
        }
    }

    /// The sequence may straddle reads; a broken start is forwarded, not lost.
    func testScannerHoldsAPossibleStartAndReleasesItWhenBroken() {
        var s = DetachKeys.Scanner(.default)
        XCTAssertEqual(s.scan(Array("ab".utf8)).forward, Array("ab".utf8))
        let held = s.scan([0x63, 0x10])
        XCTAssertEqual(held.forward, [0x63])
        XCTAssertFalse(held.detach)
        let broken = s.scan([0x10, 0x64])
        XCTAssertEqual(broken.forward, [0x10, 0x10, 0x64], "ctrl-p ctrl-p d: both ctrl-p and the d go on")
        let partial = s.scan([0x65, 0x10])
        XCTAssertEqual(partial.forward, [0x65])
        let done = s.scan([0x11, 0x66])
        XCTAssertTrue(done.detach)
        XCTAssertEqual(done.forward, [])
    }
}
