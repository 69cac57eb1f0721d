import XCTest
import LinuxSys

/// WallTime's RFC 3339 text, which image configs, the API, the shim and runc's state all use.
final class WallTimeTests: XCTestCase {
    func testParseRFC3339() throws {
        let t = try XCTUnwrap(WallTime.parse(rfc3339: "2024-05-01T10:20:30.123456789Z"))
        XCTAssertEqual(t.seconds, 1_714_558_830)
        XCTAssertEqual(t.nanoseconds, 123_456_789)
        XCTAssertEqual(WallTime.parse(rfc3339: "2024-05-01T12:20:30+02:00")?.seconds, 1_714_558_830)
        XCTAssertEqual(WallTime.parse(rfc3339: "2024-05-01t08:20:30.5-02:00"), WallTime(seconds: 1_714_558_830, nanoseconds: 500_000_000))
        XCTAssertEqual(WallTime.parse(rfc3339: "1970-01-01T00:00:00Z")?.seconds, 0)
        XCTAssertEqual(WallTime.parse(rfc3339: "2024-05-01T10:20:30.1234567891Z")?.nanoseconds, 123_456_789, "digits past 9 dropped")
        XCTAssertEqual(WallTime.parse(rfc3339: WallTime.goZeroRFC3339)?.seconds, -62_135_596_800)
        for bad in ["", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T10:20:30", "2024-05-01T10:20:30.Z",
                    "2024-05-01T10:20:30Zx", "2024-05-01T10:20Z", "2024-05-01T10:20:30+0200", "2024-05-01T25:00:00Z"] {
            XCTAssertNil(WallTime.parse(rfc3339: bad), bad)
        }
    }

    func testParseDockerCLILayouts() throws {
        let date = try XCTUnwrap(WallTime.parseDateTime("2024-05-01"))
        XCTAssertEqual(date.reading.seconds, 1_714_521_600)
        XCTAssertNil(date.utcOffset)
        let minutes = try XCTUnwrap(WallTime.parseDateTime("2024-05-01 10:20+0200"))
        XCTAssertEqual(minutes.reading.seconds, 1_714_521_600 + 10 * 3600 + 20 * 60)
        XCTAssertEqual(minutes.utcOffset, 7200)
        XCTAssertNil(WallTime.parseDateTime("2024-05-01t10:20:30z"), "Go's layouts take only T and Z")
        XCTAssertNil(WallTime.parseDateTime("2024-05-01T10"))
    }

    func testFormats() {
        let t = WallTime(seconds: 1_714_558_830, nanoseconds: 120_000_000)
        XCTAssertEqual(t.rfc3339Nano, "2024-05-01T10:20:30.120000000Z")
        XCTAssertEqual(t.rfc3339(.trimmed), "2024-05-01T10:20:30.12Z")
        XCTAssertEqual(t.rfc3339(.none), "2024-05-01T10:20:30Z")
        XCTAssertEqual(t.rfc3339(.nine, utcOffset: 7200), "2024-05-01T12:20:30.120000000+02:00")
        XCTAssertEqual(t.rfc3339(.none, utcOffset: -(5 * 3600 + 30 * 60)), "2024-05-01T04:50:30-05:30")
        XCTAssertEqual(WallTime(seconds: 0).rfc3339(.trimmed), "1970-01-01T00:00:00Z")
        XCTAssertEqual(WallTime(seconds: 0).rfc3339Nano, "1970-01-01T00:00:00.000000000Z")
        XCTAssertEqual(WallTime(seconds: -1, nanoseconds: 5).rfc3339Nano, "1969-12-31T23:59:59.000000005Z")
        XCTAssertEqual(WallTime.parse(rfc3339: WallTime.goZeroRFC3339)?.rfc3339(.trimmed), WallTime.goZeroRFC3339)
        // Round trip across leap days and centuries.
        for s in ["2000-02-29T23:59:59.999999999Z", "1900-03-01T00:00:00Z", "2100-12-31T12:00:00.5Z"] {
            XCTAssertEqual(WallTime.parse(rfc3339: s)?.rfc3339(.trimmed), s)
        }
    }
}
