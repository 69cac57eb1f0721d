import Foundation
import OCISpec
import XCTest

final class StateFeaturesTests: XCTestCase {
    func testStateKeys() throws {
        let state = State(id: "c1", status: .running, pid: 4242, bundle: "/b", annotations: ["a": "b"])
        let obj = try jsonObject(SpecFile.encode(state))
        XCTAssertEqual(Set(obj.keys), ["ociVersion", "id", "status", "pid", "bundle", "annotations"])
        XCTAssertEqual(obj["ociVersion"] as? String, OCIVersion.current)
        XCTAssertEqual(obj["status"] as? String, "running")
        XCTAssertEqual(obj["pid"] as? Int, 4242)
        XCTAssertEqual(state.containerStatus, .running)

        // A stopped container has no pid; the key is left out rather than null.
        let stopped = State(id: "c1", status: .stopped, bundle: "/b")
        XCTAssertEqual(String(decoding: try SpecFile.encode(stopped), as: UTF8.self),
                       #"{"bundle":"/b","id":"c1","ociVersion":"1.2.0","status":"stopped"}"#)
    }

    func testStateDecodesRuncOutput() throws {
        let json = #"""
        {"ociVersion":"1.0.2-dev","id":"c1","pid":1234,"status":"created","bundle":"/tmp/b","rootfs":"/tmp/b/rootfs",
         "created":"2024-01-01T00:00:00.0Z","owner":""}
        """#
        let state = try SpecFile.decode(State.self, from: Data(json.utf8), file: "state")
        XCTAssertEqual(state, State(ociVersion: "1.0.2-dev", id: "c1", status: .created, pid: 1234, bundle: "/tmp/b"))
        XCTAssertEqual(ContainerStatus.allCases.map(\.rawValue), ["creating", "created", "running", "paused", "stopped"])
        XCTAssertNil(State(status: "exploded").containerStatus)
    }

    func testContainerProcessStateKeys() throws {
        let msg = ContainerProcessState(fds: ["seccompFd"], pid: 7, metadata: "m", state: State(id: "c", status: .creating, bundle: "/b"))
        let obj = try jsonObject(SpecFile.encode(msg))
        XCTAssertEqual(Set(obj.keys), ["ociVersion", "fds", "pid", "metadata", "state"])
        XCTAssertEqual(try SpecFile.decode(ContainerProcessState.self, from: SpecFile.encode(msg), file: "m"), msg)
    }

    static let features = Features(
        ociVersionMin: "1.0.0", ociVersionMax: OCIVersion.current,
        hooks: ["prestart", "createRuntime"], mountOptions: ["ro", "rbind"],
        linux: LinuxFeatures(
            namespaces: ["pid", "time"], capabilities: ["CAP_KILL"],
            cgroup: CgroupFeatures(v1: true, v2: true, systemd: true, systemdUser: false, rdma: true),
            seccomp: SeccompFeatures(enabled: true, actions: ["SCMP_ACT_ALLOW"], operators: ["SCMP_CMP_EQ"],
                                     archs: ["SCMP_ARCH_X86_64"], knownFlags: ["SECCOMP_FILTER_FLAG_LOG"], supportedFlags: []),
            apparmor: AppArmorFeatures(enabled: false), selinux: SELinuxFeatures(enabled: false),
            intelRdt: IntelRdtFeatures(enabled: false),
            mountExtensions: MountExtensionsFeatures(idmap: IDMapFeatures(enabled: true))),
        annotations: ["io.github.seccomp.libseccomp.version": "2.5.4"],
        potentiallyUnsafeConfigAnnotations: ["bundle", "org.systemd.property."])

    func testFeaturesKeys() throws {
        let obj = try jsonObject(SpecFile.encode(Self.features))
        XCTAssertEqual(Set(obj.keys), ["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations",
                                       "potentiallyUnsafeConfigAnnotations"])
        let linux = try XCTUnwrap(obj["linux"] as? [String: Any])
        XCTAssertEqual(Set(linux.keys), ["namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt", "mountExtensions"])
        XCTAssertEqual(Set(try XCTUnwrap(linux["cgroup"] as? [String: Any]).keys), ["v1", "v2", "systemd", "systemdUser", "rdma"])
        XCTAssertEqual(Set(try XCTUnwrap(linux["seccomp"] as? [String: Any]).keys),
                       ["enabled", "actions", "operators", "archs", "knownFlags", "supportedFlags"])
        let idmap = try XCTUnwrap((linux["mountExtensions"] as? [String: Any])?["idmap"] as? [String: Any])
        XCTAssertEqual(idmap["enabled"] as? Bool, true)
        XCTAssertEqual(try SpecFile.decode(Features.self, from: SpecFile.encode(Self.features), file: "f"), Self.features)
        XCTAssertEqual(String(decoding: try SpecFile.encode(Features()), as: UTF8.self), "{}")
    }

    /// runc's and crun's own `features` output must decode (skipped when neither is installed).
    func testRealRuntimeFeatures() throws {
        var checked = 0
        for runtime in ["/usr/sbin/runc", "/usr/bin/runc", "/usr/bin/crun", "/usr/local/bin/crun"] {
            guard FileManager.default.isExecutableFile(atPath: runtime), let out = runTool([runtime, "features"]) else { continue }
            let f = try SpecFile.decode(Features.self, from: out, file: "\(runtime) features")
            XCTAssertNotNil(f.ociVersionMax, runtime)
            XCTAssertFalse(f.linux?.namespaces?.isEmpty ?? true, runtime)
            checked += 1
        }
        try XCTSkipIf(checked == 0, "neither runc nor crun supports `features` here")
    }
}
