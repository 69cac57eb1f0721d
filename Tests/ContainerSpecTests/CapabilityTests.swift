import XCTest
@testable import ContainerSpec

final class CapabilityTests: XCTestCase {
    let all = CapabilityNames.all

    func testDefaultSetIsDockersFourteen() throws {
        let caps = try CapabilitySet.effective(add: [], drop: [], privileged: false, available: all)
        XCTAssertEqual(caps.count, 14)
        // The mask `docker run alpine grep CapEff /proc/self/status` prints.
        XCTAssertEqual(CapabilityNames.mask(caps), 0x0000_0000_a804_25fb)
    }

    func testAddAndDropAcceptAnyCaseWithOrWithoutPrefix() throws {
        let caps = try CapabilitySet.effective(add: ["sys_admin", "CAP_NET_ADMIN"], drop: ["chown", "Cap_Kill"],
                                               privileged: false, available: all)
        XCTAssertTrue(caps.contains("CAP_SYS_ADMIN"))
        XCTAssertTrue(caps.contains("CAP_NET_ADMIN"))
        XCTAssertFalse(caps.contains("CAP_CHOWN"))
        XCTAssertFalse(caps.contains("CAP_KILL"))
        XCTAssertEqual(caps.count, 14)
    }

    func testAddAllKeepsOnlyWhatIsNotDropped() throws {
        let caps = try CapabilitySet.effective(add: ["ALL"], drop: ["NET_RAW", "sys_module"], privileged: false, available: all)
        XCTAssertEqual(caps.count, all.count - 2)
        XCTAssertFalse(caps.contains("CAP_NET_RAW"))
        XCTAssertFalse(caps.contains("CAP_SYS_MODULE"))
    }

    func testDropAllLeavesOnlyTheAdded() throws {
        XCTAssertEqual(try CapabilitySet.effective(add: ["kill"], drop: ["all"], privileged: false, available: all), ["CAP_KILL"])
        XCTAssertEqual(try CapabilitySet.effective(add: [], drop: ["ALL"], privileged: false, available: all), [])
    }

    func testPrivilegedGetsEverythingTheDaemonHas() throws {
        let daemon = all.filter { $0 != "CAP_SYS_RESOURCE" }
        XCTAssertEqual(try CapabilitySet.effective(add: [], drop: ["ALL"], privileged: true, available: daemon), daemon)
    }

    func testUnknownAndUnavailableCapabilitiesAreRefused() {
        XCTAssertThrowsMessage(try CapabilitySet.effective(add: ["foo"], drop: [], privileged: false, available: all),
                               "unknown capability: \"CAP_FOO\"")
        XCTAssertThrowsMessage(try CapabilitySet.effective(add: [], drop: ["CAP_NOPE"], privileged: false, available: all),
                               "unknown capability: \"CAP_NOPE\"")
        let daemon = all.filter { $0 != "CAP_SYS_RESOURCE" }
        XCTAssertThrowsMessage(
            try CapabilitySet.effective(add: ["SYS_RESOURCE"], drop: [], privileged: false, available: daemon),
            "capability not supported by your kernel or not available in the current environment: \"CAP_SYS_RESOURCE\"")
        XCTAssertThrowsMessage(try CapabilitySet.validate(add: [], drop: ["bogus"], available: all),
                               "invalid CapDrop: unknown capability: \"CAP_BOGUS\"")
    }

    func testMaskRoundTrip() {
        XCTAssertEqual(CapabilityNames.names(mask: 0xa804_25fb), CapabilityNames.all.filter(CapabilityNames.dockerDefault.contains))
    }
}
