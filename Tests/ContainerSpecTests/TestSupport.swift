import DockerAPI
import Foundation
import JSON
import OCISpec
import XCTest
@testable import ContainerSpec

/// A private directory under /tmp, removed (without following symlinks) by `remove()`.
final class TempDir {
    let path: String

    init(_ hint: String = "spec") throws {
        var template = Array("/tmp/berth-\(hint)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed: \(String(cString: strerror(errno)))") }
        path = String(cString: made)
        chmod(path, 0o755)
    }

    func remove() {
        // Mounts a failed run may have left below the directory would make rm walk into them.
        _ = try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        return full
    }

    func mkdir(_ relative: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }
}

enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let seccompDefault = packageRoot.appendingPathComponent("deploy/seccomp-default.json").path
    static let makeBundle = packageRoot.appendingPathComponent("Tests/fixtures/make-bundle.sh").path

    static func defaultProfile() throws -> SeccompProfile {
        try SeccompProfile.decode(Array(try Data(contentsOf: URL(fileURLWithPath: seccompDefault))))
    }

    /// A host described exactly, so unit tests do not depend on this machine.
    static let host = HostFacts(cgroupUnified: false, capabilities: CapabilityNames.all, kernel: KernelVersion(6, 1),
                                seccompArch: "amd64", hostname: "buildhost", thermalThrottlePaths: [],
                                hasPingGroupRange: true, hasUnprivilegedPortStart: true, appArmorEnabled: false,
                                recursiveReadOnly: true)

    static let id = String(repeating: "0123456789abcdef", count: 4)

    static func hostConfig(_ json: String) throws -> HostConfig {
        try JSON.decode(HostConfig.self, from: Array(json.utf8))
    }

    static func config(_ json: String) throws -> ContainerConfig {
        try JSON.decode(ContainerConfig.self, from: Array(json.utf8))
    }

    /// A SpecInput for a rootfs with /etc/passwd and /etc/group, running `cmd`.
    static func input(rootfs: String, config: ContainerConfig? = nil, hostConfig: HostConfig = HostConfig(),
                      host: HostFacts = Fixtures.host) -> SpecInput {
        var c = config ?? ContainerConfig()
        if config == nil { c.Cmd = ["/bin/true"] }
        return SpecInput(id: id, config: c, hostConfig: hostConfig, rootfsPath: rootfs, cgroupsPath: "/berth/\(id)", host: host)
    }
}

/// A minimal root filesystem: /etc/passwd and /etc/group with root, nobody and a user in groups.
func makeRootfs(_ dir: TempDir) throws -> String {
    try dir.write("rootfs/etc/passwd", """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        bob:x:1000:1000:Bob:/home/bob:/bin/sh
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin

        """)
    try dir.write("rootfs/etc/group", """
        root:x:0:
        daemon:x:1:
        audio:x:29:bob
        video:x:44:bob,alice
        bob:x:1000:
        # comment:x:5:bob
        nogroup:x:65534:

        """)
    return dir.path + "/rootfs"
}

func XCTAssertThrowsMessage<T>(_ expression: @autoclosure () throws -> T, _ message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        XCTAssertEqual("\(error)", message, file: file, line: line)
    }
}
