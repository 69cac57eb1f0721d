import Foundation
import XCTest
@testable import ContainerSpec

final class HostFactsTests: XCTestCase {
    func testDetectDescribesThisMachine() throws {
        let facts = HostFacts.detect()
        XCTAssertEqual(facts.cgroupUnified, FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers"))
        XCTAssertEqual(facts.capabilities, CapabilityNames.current())
        XCTAssertGreaterThanOrEqual(facts.kernel, KernelVersion(3, 10))
        var uts = utsname()
        uname(&uts)
        let machine = withUnsafeBytes(of: uts.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if machine == "x86_64" { XCTAssertEqual(facts.seccompArch, "amd64") }
        XCTAssertEqual(facts.hostname, ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? facts.hostname)
        XCTAssertEqual(facts.recursiveReadOnly, facts.kernel >= KernelVersion(5, 12))
        for path in facts.thermalThrottlePaths { XCTAssertTrue(FileManager.default.fileExists(atPath: path), path) }
    }

    func testKernelReleaseParsing() {
        XCTAssertEqual(KernelVersion(release: "6.1.0-13-amd64"), KernelVersion(6, 1))
        XCTAssertEqual(KernelVersion(release: "3.12-1-amd64"), KernelVersion(3, 12))
        XCTAssertEqual(KernelVersion(release: "6.18.44-fc-v669"), KernelVersion(6, 18))
        XCTAssertNil(KernelVersion(release: "garbage"))
        XCTAssertEqual(CPUList.parse("0-3,7\n"), [0, 1, 2, 3, 7])
    }
}
