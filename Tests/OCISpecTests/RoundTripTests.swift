import Foundation
import OCISpec
import XCTest

final class RoundTripTests: XCTestCase {
    /// Every field set, so a property missing from CodingKeys or a wrong key shows up.
    static let populated = Spec(
        ociVersion: OCIVersion.current,
        process: OCISpec.Process(
            terminal: false, consoleSize: Box(height: 1, width: 2),
            user: User(uid: 1, gid: 2, umask: 0o22, additionalGids: [3], username: "u"),
            args: ["a"], commandLine: "cmd", env: ["A=B"], cwd: "/c",
            capabilities: LinuxCapabilities(bounding: ["CAP_KILL"], effective: [], inheritable: ["CAP_CHOWN"], permitted: ["CAP_KILL"], ambient: []),
            rlimits: [POSIXRlimit(type: "RLIMIT_CORE", hard: UInt64.max, soft: 0)],
            noNewPrivileges: true, apparmorProfile: "p", oomScoreAdj: 1000, selinuxLabel: "l",
            ioPriority: LinuxIOPriority(ioClass: "IOPRIO_CLASS_RT", priority: 7),
            scheduler: Scheduler(policy: "SCHED_FIFO", nice: 1, priority: 2, flags: ["f"], runtime: 3, deadline: 4, period: 5),
            execCPUAffinity: CPUAffinity(initial: "0", final: "1")),
        root: Root(path: "/r", readonly: false),
        hostname: "h", domainname: "d",
        mounts: [Mount(destination: "/m", type: "bind", source: "/s", options: ["rbind"],
                       uidMappings: [LinuxIDMapping(containerID: 0, hostID: 1, size: 2)],
                       gidMappings: [LinuxIDMapping(containerID: 3, hostID: 4, size: 5)])],
        hooks: Hooks(prestart: [Hook(path: "/p", args: ["p"], env: ["E=1"], timeout: 1)], createRuntime: [Hook(path: "/cr")],
                     createContainer: [Hook(path: "/cc")], startContainer: [Hook(path: "/sc")],
                     poststart: [Hook(path: "/ps")], poststop: [Hook(path: "/pp")]),
        annotations: ["k": "v"],
        linux: Linux(
            uidMappings: [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)],
            gidMappings: [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)],
            sysctl: ["kernel.shmmax": "1"],
            resources: LinuxResources(
                devices: [LinuxDeviceCgroup(allow: true, type: "b", major: 8, minor: -1, access: "r")],
                memory: LinuxMemory(limit: 1, reservation: 2, swap: 3, kernel: 4, kernelTCP: 5, swappiness: 6,
                                    disableOOMKiller: true, useHierarchy: false, checkBeforeUpdate: true),
                cpu: LinuxCPU(shares: 1, quota: -1, burst: 2, period: 3, realtimeRuntime: 4, realtimePeriod: 5, cpus: "0", mems: "0", idle: 1),
                pids: LinuxPids(limit: -1),
                blockIO: LinuxBlockIO(weight: 1, leafWeight: 2,
                                      weightDevice: [LinuxWeightDevice(major: 1, minor: 2, weight: 3, leafWeight: 4)],
                                      throttleReadBpsDevice: [LinuxThrottleDevice(major: 1, minor: 2, rate: 3)],
                                      throttleWriteBpsDevice: [LinuxThrottleDevice(major: 4, minor: 5, rate: 6)],
                                      throttleReadIOPSDevice: [LinuxThrottleDevice(major: 7, minor: 8, rate: 9)],
                                      throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 10, minor: 11, rate: 12)]),
                hugepageLimits: [LinuxHugepageLimit(pageSize: "1GB", limit: 1 << 30)],
                network: LinuxNetwork(classID: 7, priorities: [LinuxInterfacePriority(name: "lo", priority: 1)]),
                rdma: ["dev": LinuxRdma(hcaHandles: 1, hcaObjects: 2)],
                unified: ["cpu.weight": "100"]),
            cgroupsPath: "system.slice:berth:abc",
            namespaces: [LinuxNamespace(type: .pid), LinuxNamespace(type: "net", path: "/proc/1/ns/net")],
            devices: [LinuxDevice(path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0)],
            seccomp: LinuxSeccomp(defaultAction: "SCMP_ACT_KILL_PROCESS", defaultErrnoRet: 2, architectures: ["SCMP_ARCH_AARCH64"],
                                  flags: ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"], listenerPath: "/l", listenerMetadata: "m",
                                  syscalls: [LinuxSyscall(names: ["clone"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                                                          args: [LinuxSeccompArg(index: 5, value: UInt64.max, valueTwo: 1, op: "SCMP_CMP_MASKED_EQ")])]),
            rootfsPropagation: "rprivate", maskedPaths: ["/m"], readonlyPaths: ["/r"], mountLabel: "ml",
            intelRdt: LinuxIntelRdt(closID: "c", l3CacheSchema: "L3:0=1", memBwSchema: "MB:0=1", enableCMT: true, enableMBM: false),
            personality: LinuxPersonality(domain: "LINUX", flags: ["x"]),
            timeOffsets: ["boottime": LinuxTimeOffset(secs: Int64.min, nanosecs: 999_999_999)]))

    func testPopulatedSpecRoundTrips() throws {
        let data = try SpecFile.encode(Self.populated)
        XCTAssertEqual(try SpecFile.decode(Spec.self, from: data, file: "x"), Self.populated)
        // Synthesized JSONDecoder, not only our helper.
        XCTAssertEqual(try JSONDecoder().decode(Spec.self, from: JSONEncoder().encode(Self.populated)), Self.populated)
    }

    /// Re-encoding the runc-style config gives back the same JSON object, so no
    /// key is renamed, dropped or invented.
    func testFullConfigReencodesToSameJSON() throws {
        let original = Data(fullConfigJSON.utf8)
        let spec = try SpecFile.decode(Spec.self, from: original, file: "config.json")
        let encoded = try SpecFile.encode(spec, pretty: true)
        XCTAssertEqual(NSDictionary(dictionary: try jsonObject(encoded)), NSDictionary(dictionary: try jsonObject(original)))
    }

    func testNilFieldsAreOmitted() throws {
        XCTAssertEqual(String(decoding: try SpecFile.encode(Spec(ociVersion: "1.2.0")), as: UTF8.self), #"{"ociVersion":"1.2.0"}"#)
        XCTAssertEqual(String(decoding: try SpecFile.encode(OCISpec.Process(args: ["sh"])), as: UTF8.self),
                       #"{"args":["sh"],"cwd":"/","user":{"gid":0,"uid":0}}"#)
        XCTAssertEqual(String(decoding: try SpecFile.encode(LinuxResources(pids: LinuxPids(limit: 5))), as: UTF8.self),
                       #"{"pids":{"limit":5}}"#)
        XCTAssertEqual(String(decoding: try SpecFile.encode(LinuxDeviceCgroup(allow: false, access: "rwm")), as: UTF8.self),
                       #"{"access":"rwm","allow":false}"#)
    }

    func testSpecialKeyNames() throws {
        let prio = try jsonObject(SpecFile.encode(LinuxIOPriority(ioClass: "IOPRIO_CLASS_BE", priority: 3)))
        XCTAssertEqual(prio["class"] as? String, "IOPRIO_CLASS_BE")
        XCTAssertNil(prio["ioClass"])
        let arg = try jsonObject(SpecFile.encode(LinuxSeccompArg(index: 1, value: 2, valueTwo: 3, op: "SCMP_CMP_MASKED_EQ")))
        XCTAssertEqual(Set(arg.keys), ["index", "value", "valueTwo", "op"])
        let aff = try jsonObject(SpecFile.encode(CPUAffinity(initial: "0", final: "1")))
        XCTAssertEqual(Set(aff.keys), ["initial", "final"])
        let res = try jsonObject(SpecFile.encode(LinuxResources(blockIO: LinuxBlockIO(throttleReadIOPSDevice: []), hugepageLimits: [])))
        XCTAssertEqual(Set(res.keys), ["blockIO", "hugepageLimits"])
        XCTAssertEqual(Set(try XCTUnwrap(res["blockIO"] as? [String: Any]).keys), ["throttleReadIOPSDevice"])
        // Paths keep their slashes unescaped.
        XCTAssertEqual(String(decoding: try SpecFile.encode(Root(path: "/a/b")), as: UTF8.self), #"{"path":"/a/b"}"#)
    }

    func testLargeAndNegativeNumbers() throws {
        let json = #"{"limit": 9223372036854775807, "swap": -1, "swappiness": 18446744073709551615}"#
        let mem = try SpecFile.decode(LinuxMemory.self, from: Data(json.utf8), file: "m")
        XCTAssertEqual(mem, LinuxMemory(limit: Int64.max, swap: -1, swappiness: UInt64.max))
        XCTAssertEqual(try SpecFile.decode(LinuxMemory.self, from: SpecFile.encode(mem), file: "m"), mem)
    }
}
