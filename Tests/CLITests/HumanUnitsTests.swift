import XCTest
@testable import CLICore
import LinuxSys

/// go-units and Go's time formatting as the docker CLI prints them.
final class HumanUnitsTests: XCTestCase {
    func testHumanSizeThreeSignificantDigits() {
        XCTAssertEqual(HumanUnits.humanSize(0, precision: 3), "0B")
        XCTAssertEqual(HumanUnits.humanSize(999, precision: 3), "999B")
        XCTAssertEqual(HumanUnits.humanSize(1000, precision: 3), "1kB")
        XCTAssertEqual(HumanUnits.humanSize(1234, precision: 3), "1.23kB")
        XCTAssertEqual(HumanUnits.humanSize(187_654_321, precision: 3), "188MB")
        XCTAssertEqual(HumanUnits.humanSize(4_261_550, precision: 3), "4.26MB")
        // Go's %.3g of 999.5 rounds up into exponent form: docker shows `1e+03kB`.
        XCTAssertEqual(HumanUnits.humanSize(999_500, precision: 3), "1e+03kB")
        XCTAssertEqual(HumanUnits.humanSize(4_261_550), "4.262MB", "HumanSize has 4 digits")
        XCTAssertEqual(HumanUnits.humanSize(123_456_789), "123.5MB")
    }

    func testBytesSizeBinary() {
        XCTAssertEqual(HumanUnits.bytesSize(0), "0B")
        XCTAssertEqual(HumanUnits.bytesSize(1024), "1KiB")
        XCTAssertEqual(HumanUnits.bytesSize(40_000_000), "38.15MiB")
        XCTAssertEqual(HumanUnits.bytesSize(25_000_000_000), "23.28GiB")
    }

    func testHumanDurationBoundaries() {
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 0.5), "Less than a second")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 1), "1 second")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 59), "59 seconds")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 60), "About a minute")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 119), "About a minute")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 120), "2 minutes")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 3599), "59 minutes")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 3600), "About an hour")
        // Hours are rounded: 1h30m is 2 hours.
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 5400), "2 hours")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 47 * 3600), "47 hours")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 48 * 3600), "2 days")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 14 * 86400), "2 weeks")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 60 * 86400), "2 months")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 400 * 86400), "13 months")
        XCTAssertEqual(HumanUnits.humanDuration(seconds: 730 * 86400), "2 years")
    }

    func testRAMInBytes() throws {
        XCTAssertEqual(try HumanUnits.ramInBytes("512"), 512)
        XCTAssertEqual(try HumanUnits.ramInBytes("1k"), 1024)
        XCTAssertEqual(try HumanUnits.ramInBytes("1KB"), 1024)
        XCTAssertEqual(try HumanUnits.ramInBytes("1KiB"), 1024)
        XCTAssertEqual(try HumanUnits.ramInBytes("1.5g"), 1_610_612_736)
        XCTAssertEqual(try HumanUnits.ramInBytes("32 m"), 32 << 20)
        XCTAssertEqual(try HumanUnits.ramInBytes("10b"), 10)
        XCTAssertThrowsError(try HumanUnits.ramInBytes("10q")) { XCTAssertEqual("\($0)", "invalid suffix: 'q'") }
        XCTAssertThrowsError(try HumanUnits.ramInBytes("m")) { XCTAssertEqual("\($0)", "invalid size: 'm'") }
        XCTAssertThrowsError(try HumanUnits.ramInBytes("1kx")) { XCTAssertEqual("\($0)", "invalid suffix: 'kx'") }
    }

    func testNanoCPUs() throws {
        XCTAssertEqual(try HumanUnits.nanoCPUs("2"), 2_000_000_000)
        XCTAssertEqual(try HumanUnits.nanoCPUs("0.5"), 500_000_000)
        XCTAssertEqual(try HumanUnits.nanoCPUs(".25"), 250_000_000)
        XCTAssertEqual(try HumanUnits.nanoCPUs("3/2"), 1_500_000_000)
        XCTAssertThrowsError(try HumanUnits.nanoCPUs("abc")) { XCTAssertEqual("\($0)", "failed to parse abc as a rational number") }
    }

    func testGoDuration() throws {
        XCTAssertEqual(try GoDuration.parse("1m30s"), 90_000_000_000)
        XCTAssertEqual(try GoDuration.parse("500ms"), 500_000_000)
        XCTAssertEqual(try GoDuration.parse("1.5h"), 5_400_000_000_000)
        XCTAssertEqual(try GoDuration.parse("0"), 0)
        XCTAssertThrowsError(try GoDuration.parse("1x")) { XCTAssertEqual("\($0)", "time: unknown unit \"x\" in duration \"1x\"") }
        XCTAssertThrowsError(try GoDuration.parse("")) { XCTAssertEqual("\($0)", "time: invalid duration \"\"") }
        XCTAssertEqual(GoDuration.format(0), "0s")
        XCTAssertEqual(GoDuration.format(90_000_000_000), "1m30s")
        XCTAssertEqual(GoDuration.format(1_500_000_000), "1.5s")
        XCTAssertEqual(GoDuration.format(3_600_000_000_000), "1h0m0s")
        XCTAssertEqual(GoDuration.format(2_000_000), "2ms")
    }

    func testTimestamps() {
        let t = WallTime.parseRFC3339("2024-05-01T10:20:30.123456789+02:00")
        XCTAssertEqual(t?.seconds, 1714551630)
        XCTAssertEqual(t?.nanoseconds, 123_456_789)
        XCTAssertNil(WallTime.parseRFC3339("0001-01-01T00:00:00Z"), "Go's zero time means never")
        XCTAssertNil(WallTime.parseRFC3339("yesterday"))
        let now = WallTime(seconds: 1_700_000_000)
        XCTAssertEqual(try WallTime.apiTimestamp("10m", now: now), "1699999400.000000000")
        XCTAssertEqual(try WallTime.apiTimestamp("1699999999", now: now), "1699999999")
        XCTAssertEqual(try WallTime.apiTimestamp("2024-05-01T10:20:30Z", now: now), "1714558830.000000000")
        XCTAssertThrowsError(try WallTime.apiTimestamp("soon", now: now))
    }

    func testDisplayHelpers() {
        XCTAssertEqual(Display.truncateID("sha256:aaaabbbbccccdddd"), "aaaabbbbcccc")
        XCTAssertEqual(Display.ellipsis("/docker-entrypoint.sh nginx", 20), "/docker-entrypoint.…")
        XCTAssertEqual(Display.ellipsis("short", 20), "short")
        XCTAssertEqual(Display.ellipsis("名前名前名前", 5), "名前…", "wide characters count two columns")
        XCTAssertEqual(Display.imageForList(image: "docker.io/library/busybox@sha256:" + String(repeating: "a", count: 64),
                                            imageID: "sha256:bb", trunc: true), "busybox")
        XCTAssertEqual(Display.imageForList(image: "busybox@sha256:123", imageID: "x", trunc: true), "busybox@sha256:123",
                       "an invalid digest leaves the reference as it is")
    }

    func testDisplayablePorts() {
        func p(_ ip: String?, _ priv: Int, _ pub: Int?, _ type: String) -> JSONValueBuilder {
            JSONValueBuilder(ip: ip, priv: priv, pub: pub, type: type)
        }
        let ports = [p("0.0.0.0", 80, 8080, "tcp"), p("::", 80, 8080, "tcp"), p(nil, 443, nil, "tcp"), p(nil, 444, nil, "tcp"),
                     p("127.0.0.1", 53, 53, "udp"), p("127.0.0.1", 54, 54, "udp")].map(\.value)
        XCTAssertEqual(Display.ports(ports),
                       "127.0.0.1:53-54->53-54/udp, 443-444/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp")
    }
}

import JSON

struct JSONValueBuilder {
    let ip: String?, priv: Int, pub: Int?, type: String
    var value: JSONValue {
        var o = JSONObject()
        if let ip { o["IP"] = .string(ip) }
        o["PrivatePort"] = .number(JSONNumber(priv))
        if let pub { o["PublicPort"] = .number(JSONNumber(pub)) }
        o["Type"] = .string(type)
        return .object(o)
    }
}
