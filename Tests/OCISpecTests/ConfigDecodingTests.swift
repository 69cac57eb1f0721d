import Foundation
import OCISpec
import XCTest

final class ConfigDecodingTests: XCTestCase {
    func decodeFull() throws -> Spec {
        try SpecFile.decode(Spec.self, from: Data(fullConfigJSON.utf8), file: "config.json")
    }

    func testFullConfigTopLevelAndProcess() throws {
        let spec = try decodeFull()
        XCTAssertEqual(spec.ociVersion, "1.2.0")
        XCTAssertEqual(spec.hostname, "box")
        XCTAssertEqual(spec.domainname, "example.org")
        XCTAssertEqual(spec.root, Root(path: "rootfs", readonly: true))
        XCTAssertEqual(spec.annotations, ["com.example.key1": "value1"])

        let p = try XCTUnwrap(spec.process)
        XCTAssertEqual(p.terminal, true)
        XCTAssertEqual(p.consoleSize, Box(height: 24, width: 80))
        XCTAssertEqual(p.user, User(uid: 1000, gid: 1000, umask: 18, additionalGids: [5, 10], username: "ignored"))
        XCTAssertEqual(p.args, ["sh", "-c", "echo \"hi\""])
        XCTAssertEqual(p.cwd, "/work")
        XCTAssertEqual(p.capabilities?.ambient, ["CAP_NET_BIND_SERVICE"])
        XCTAssertEqual(p.capabilities?.inheritable, [])
        XCTAssertEqual(p.rlimits, [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)])
        XCTAssertEqual(p.noNewPrivileges, true)
        XCTAssertEqual(p.oomScoreAdj, -500)
        XCTAssertEqual(p.ioPriority, LinuxIOPriority(ioClass: "IOPRIO_CLASS_IDLE", priority: 4))
        XCTAssertEqual(p.scheduler, Scheduler(policy: "SCHED_DEADLINE", nice: -5, priority: 10,
                                              flags: ["SCHED_FLAG_RESET_ON_FORK"], runtime: 100, deadline: 200, period: 300))
        XCTAssertEqual(p.execCPUAffinity, CPUAffinity(initial: "0-1", final: "2"))
        XCTAssertNil(p.commandLine)
    }

    func testFullConfigMountsAndHooks() throws {
        let spec = try decodeFull()
        let mounts = try XCTUnwrap(spec.mounts)
        XCTAssertEqual(mounts.count, 3)
        XCTAssertEqual(mounts[0], Mount(destination: "/proc", type: "proc", source: "proc"))
        XCTAssertNil(mounts[0].options)
        XCTAssertEqual(mounts[2].options, ["rbind", "rro"])
        XCTAssertEqual(mounts[2].uidMappings, [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)])

        let hooks = try XCTUnwrap(spec.hooks)
        XCTAssertEqual(hooks.prestart?.first, Hook(path: "/usr/bin/fix-mounts", args: ["fix-mounts", "arg1"], env: ["key1=value1"]))
        XCTAssertEqual(hooks.createRuntime?.first?.timeout, 5)
        XCTAssertEqual(hooks.createContainer?.count, 1)
        XCTAssertEqual(hooks.startContainer?.first?.path, "/usr/bin/refresh-ldcache")
        XCTAssertEqual(hooks.poststart?.count, 1)
        XCTAssertEqual(hooks.poststop?.first?.args, ["cleanup.sh", "-f"])
    }

    func testFullConfigLinux() throws {
        let linux = try XCTUnwrap(decodeFull().linux)
        XCTAssertEqual(linux.uidMappings, [LinuxIDMapping(containerID: 0, hostID: 1000, size: 32000)])
        XCTAssertEqual(linux.sysctl, ["net.ipv4.ip_forward": "1"])
        XCTAssertEqual(linux.cgroupsPath, "/myRuntime/myContainer")
        XCTAssertEqual(linux.namespaces?.map(\.type), ["pid", "network", "ipc", "uts", "mount", "user", "cgroup", "time"])
        XCTAssertEqual(Set(linux.namespaces?.compactMap(\.namespaceType) ?? []), Set(LinuxNamespaceType.allCases))
        XCTAssertEqual(linux.namespaces?[1], LinuxNamespace(type: .network, path: "/var/run/netns/x"))
        XCTAssertEqual(linux.namespaces?[1].namespaceType, .network)
        XCTAssertEqual(linux.devices, [LinuxDevice(path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0)])
        XCTAssertEqual(linux.rootfsPropagation, "slave")
        XCTAssertEqual(linux.maskedPaths, ["/proc/kcore", "/sys/firmware"])
        XCTAssertEqual(linux.readonlyPaths, ["/proc/sys"])
        XCTAssertEqual(linux.mountLabel, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811")
        XCTAssertEqual(linux.intelRdt, LinuxIntelRdt(closID: "guaranteed_group", l3CacheSchema: "L3:0=7f0;1=1f", memBwSchema: "MB:0=20;1=70"))
        XCTAssertEqual(linux.personality, LinuxPersonality(domain: "LINUX32", flags: []))
        XCTAssertEqual(linux.timeOffsets?["monotonic"], LinuxTimeOffset(secs: 3600, nanosecs: 5))
        XCTAssertEqual(linux.timeOffsets?["boottime"], LinuxTimeOffset(secs: -60))
    }

    func testFullConfigResources() throws {
        let r = try XCTUnwrap(decodeFull().linux?.resources)
        XCTAssertEqual(r.devices, [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 229, access: "rw"),
        ])
        XCTAssertEqual(r.memory, LinuxMemory(limit: 536870912, reservation: 536870912, swap: -1, kernel: -1, kernelTCP: -1,
                                             swappiness: 0, disableOOMKiller: false, useHierarchy: true, checkBeforeUpdate: true))
        XCTAssertEqual(r.cpu, LinuxCPU(shares: 1024, quota: 1000000, burst: 10000, period: 500000, realtimeRuntime: 950000,
                                       realtimePeriod: 1000000, cpus: "2-3", mems: "0-7", idle: 0))
        XCTAssertEqual(r.pids, LinuxPids(limit: 32771))
        let io = try XCTUnwrap(r.blockIO)
        XCTAssertEqual(io.weight, 10)
        XCTAssertEqual(io.leafWeight, 10)
        XCTAssertEqual(io.weightDevice, [LinuxWeightDevice(major: 8, minor: 0, weight: 500, leafWeight: 300),
                                         LinuxWeightDevice(major: 8, minor: 16, weight: 500)])
        XCTAssertEqual(io.throttleReadBpsDevice, [LinuxThrottleDevice(major: 8, minor: 0, rate: 600)])
        XCTAssertEqual(io.throttleWriteBpsDevice, [LinuxThrottleDevice(major: 8, minor: 0, rate: 700)])
        XCTAssertEqual(io.throttleReadIOPSDevice, [LinuxThrottleDevice(major: 8, minor: 16, rate: 300)])
        XCTAssertEqual(io.throttleWriteIOPSDevice, [LinuxThrottleDevice(major: 8, minor: 16, rate: 400)])
        XCTAssertEqual(r.hugepageLimits, [LinuxHugepageLimit(pageSize: "2MB", limit: 209715200)])
        XCTAssertEqual(r.network, LinuxNetwork(classID: 1048577, priorities: [LinuxInterfacePriority(name: "eth0", priority: 500)]))
        XCTAssertEqual(r.rdma, ["mlx5_1": LinuxRdma(hcaHandles: 3, hcaObjects: 10000)])
        XCTAssertEqual(r.unified, ["io.max": "8:0 rbps=1048576", "memory.high": "max"])
    }

    func testFullConfigSeccomp() throws {
        let s = try XCTUnwrap(decodeFull().linux?.seccomp)
        XCTAssertEqual(s.defaultAction, "SCMP_ACT_ERRNO")
        XCTAssertEqual(s.defaultErrnoRet, 1)
        XCTAssertEqual(s.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
        XCTAssertEqual(s.flags, ["SECCOMP_FILTER_FLAG_LOG"])
        XCTAssertEqual(s.listenerPath, "/run/seccomp-agent.sock")
        XCTAssertEqual(s.listenerMetadata, "meta")
        XCTAssertEqual(s.syscalls, [
            LinuxSyscall(names: ["getcwd", "chmod"], action: "SCMP_ACT_ALLOW"),
            LinuxSyscall(names: ["personality"], action: "SCMP_ACT_ALLOW", args: [
                LinuxSeccompArg(index: 0, value: 8, op: "SCMP_CMP_EQ"),
                LinuxSeccompArg(index: 1, value: 255, valueTwo: 8, op: "SCMP_CMP_MASKED_EQ"),
            ]),
            LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 38),
        ])
    }

    func testUnknownKeysAreIgnored() throws {
        let json = #"""
        {"ociVersion": "1.0.2", "futureField": {"x": [1, 2]}, "windows": {"layerFolders": []},
         "process": {"user": {"uid": 0, "gid": 0, "sid": "S-1"}, "cwd": "/", "newKnob": true},
         "linux": {"resources": {"memory": {"limit": 1, "someday": 2}, "misc": {}}, "netDevices": {"eth1": {"name": "x"}},
                   "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_LOG", "comment": "c"}]}}}
        """#
        let spec = try SpecFile.decode(Spec.self, from: Data(json.utf8), file: "config.json")
        XCTAssertEqual(spec.process?.user, User(uid: 0, gid: 0))
        XCTAssertEqual(spec.linux?.resources?.memory, LinuxMemory(limit: 1))
        XCTAssertEqual(spec.linux?.seccomp?.syscalls?.first?.action, "SCMP_ACT_LOG")
    }

    func testMinimalConfigAndMissingCwd() throws {
        let spec = try SpecFile.decode(Spec.self, from: Data(#"{"ociVersion":"1.0.0"}"#.utf8), file: "config.json")
        XCTAssertEqual(spec, Spec(ociVersion: "1.0.0"))

        // `runc exec --process` files may leave cwd out; the runtime reports that itself.
        let p = try SpecFile.decode(OCISpec.Process.self, from: Data(#"{"user":{"uid":1,"gid":2},"args":["ls"]}"#.utf8), file: "process.json")
        XCTAssertEqual(p.cwd, "")
        XCTAssertEqual(p.args, ["ls"])
    }

    func testLoadFromFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.json"
        try Data(fullConfigJSON.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Spec.load(from: path), try decodeFull())
        XCTAssertEqual(try SpecFile.load(Spec.self, from: path), try decodeFull())
    }

    /// The bundle the integration tests use must decode.
    func testMakeBundleConfig() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../fixtures/make-bundle.sh").standardized.path
        try XCTSkipUnless(firstExecutable(["/bin/busybox", "/usr/bin/busybox"]) != nil, "busybox not installed")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: script), "\(script) missing")
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bundle = dir + "/bundle"
        let out = runTool(["/bin/bash", script, bundle, "/bin/sh", "-c", "echo \"a b\"; id"])
        try XCTSkipIf(out == nil, "make-bundle.sh failed (busybox not statically linked?)")

        let spec = try Spec.load(from: bundle + "/config.json")
        XCTAssertEqual(spec.ociVersion, "1.0.2-dev")
        XCTAssertEqual(spec.process?.args, ["/bin/sh", "-c", "echo \"a b\"; id"])
        XCTAssertEqual(spec.process?.cwd, "/")
        XCTAssertEqual(spec.process?.user, User(uid: 0, gid: 0))
        XCTAssertEqual(spec.process?.rlimits?.first?.type, "RLIMIT_NOFILE")
        XCTAssertEqual(spec.root, Root(path: "rootfs", readonly: true))
        XCTAssertEqual(spec.hostname, "oci")
        XCTAssertEqual(spec.mounts?.map(\.destination),
                       ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"])
        XCTAssertEqual(spec.linux?.resources?.devices, [LinuxDeviceCgroup(allow: false, access: "rwm")])
        XCTAssertEqual(spec.linux?.namespaces?.compactMap(\.namespaceType), [.pid, .network, .ipc, .uts, .mount])
        XCTAssertEqual(spec.linux?.maskedPaths?.count, 10)
    }

    /// What `runc spec` writes must decode and survive a round trip.
    func testRuncSpecOutput() throws {
        guard let runc = firstExecutable(["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"]) else {
            throw XCTSkip("runc not installed")
        }
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try XCTSkipIf(runTool([runc, "spec", "--rootless"], in: dir) == nil, "runc spec failed")
        let spec = try Spec.load(from: dir + "/config.json")
        XCTAssertEqual(spec.root?.path, "rootfs")
        XCTAssertEqual(spec.process?.args, ["sh"])
        XCTAssertNotNil(spec.linux?.uidMappings)
        let again = try SpecFile.decode(Spec.self, from: SpecFile.encode(spec), file: "re-encoded")
        XCTAssertEqual(again, spec)
    }
}
