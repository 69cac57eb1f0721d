import DockerAPI
import OCISpec
import XCTest
@testable import ContainerSpec

final class SpecBuilderTests: XCTestCase {
    var dir: TempDir!
    var rootfs: String!

    override func setUpWithError() throws {
        dir = try TempDir("builder")
        rootfs = try makeRootfs(dir)
    }

    override func tearDown() {
        dir?.remove()
    }

    func build(_ hostConfig: String = "{}", config: String? = nil, host: HostFacts = Fixtures.host,
               _ edit: (inout SpecInput) -> Void = { _ in }) throws -> Spec {
        var input = Fixtures.input(rootfs: rootfs, config: try config.map(Fixtures.config),
                                   hostConfig: try Fixtures.hostConfig(hostConfig), host: host)
        edit(&input)
        return try SpecBuilder.build(input)
    }

    func mount(_ spec: Spec, _ destination: String) -> OCISpec.Mount? {
        spec.mounts?.first { $0.destination == destination }
    }

    func testDefaults() throws {
        let spec = try build()
        XCTAssertEqual(spec.root, Root(path: rootfs))
        XCTAssertEqual(spec.hostname, String(Fixtures.id.prefix(12)))
        let process = try XCTUnwrap(spec.process)
        XCTAssertEqual(process.args, ["/bin/true"])
        XCTAssertEqual(process.cwd, "/")
        XCTAssertEqual(process.env, [ProcessResolver.defaultPath, "HOSTNAME=\(Fixtures.id.prefix(12))", "HOME=/root"])
        XCTAssertEqual(process.terminal, false)
        XCTAssertEqual(process.user, User(uid: 0, gid: 0, additionalGids: [0]))
        XCTAssertEqual(process.capabilities?.bounding, CapabilityNames.dockerDefault)
        XCTAssertEqual(process.capabilities?.effective, CapabilityNames.dockerDefault)
        XCTAssertEqual(process.capabilities?.permitted, CapabilityNames.dockerDefault)
        XCTAssertNil(process.capabilities?.inheritable)
        XCTAssertNil(process.noNewPrivileges)
        XCTAssertEqual(process.oomScoreAdj, 0)
        XCTAssertNil(process.rlimits)

        XCTAssertEqual(spec.mounts?.map(\.destination),
                       ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"])
        XCTAssertEqual(mount(spec, "/dev/shm")?.options, ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"])
        XCTAssertEqual(mount(spec, "/sys")?.options, ["nosuid", "noexec", "nodev", "ro"])
        XCTAssertEqual(mount(spec, "/dev/pts")?.options?.contains("gid=5"), true)

        let linux = try XCTUnwrap(spec.linux)
        XCTAssertEqual(linux.cgroupsPath, "/berth/\(Fixtures.id)")
        XCTAssertEqual(linux.namespaces?.map(\.type), ["mount", "network", "uts", "pid", "ipc"])
        XCTAssertTrue(linux.namespaces?.allSatisfy { $0.path == nil } ?? false)
        XCTAssertEqual(linux.maskedPaths?.contains("/proc/kcore"), true)
        XCTAssertEqual(linux.maskedPaths?.count, 12)
        XCTAssertEqual(linux.readonlyPaths, ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        XCTAssertEqual(linux.sysctl, ["net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "0"])
        XCTAssertEqual(linux.resources?.devices?.first, LinuxDeviceCgroup(allow: false, access: "rwm"))
        XCTAssertEqual(linux.resources?.devices?.count, 8)
        XCTAssertEqual(linux.resources?.devices?.last, LinuxDeviceCgroup(allow: false, type: "c", major: 10, minor: 229, access: "rwm"))
        XCTAssertEqual(linux.resources?.memory, LinuxMemory(disableOOMKiller: false))
        XCTAssertNil(linux.resources?.cpu)
        XCTAssertNil(linux.resources?.pids)
        XCTAssertNil(linux.devices)
        XCTAssertNil(linux.seccomp, "no daemon profile given: unconfined")
        XCTAssertNil(linux.rootfsPropagation)
    }

    func testCgroupNamespaceFollowsTheHost() throws {
        var v2 = Fixtures.host
        v2.cgroupUnified = true
        XCTAssertEqual(try build(host: v2).linux?.namespaces?.last?.type, "cgroup")
        XCTAssertEqual(try build(#"{"Privileged":true}"#, host: v2).linux?.namespaces?.last?.type, "cgroup")
        XCTAssertEqual(try build(#"{"CgroupnsMode":"host"}"#, host: v2).linux?.namespaces?.contains(.cgroup), false)
        XCTAssertEqual(try build(#"{"CgroupnsMode":"private"}"#).linux?.namespaces?.last?.type, "cgroup")
        XCTAssertThrowsMessage(try build(#"{"CgroupnsMode":"shared"}"#), "invalid cgroup namespace mode: shared")
    }

    func testPrivileged() throws {
        let daemonCaps = CapabilityNames.all.filter { $0 != "CAP_SYS_RESOURCE" }
        var host = Fixtures.host
        host.capabilities = daemonCaps
        let spec = try build(#"{"Privileged":true,"CapDrop":["ALL"]}"#, host: host) {
            $0.seccompProfile = try? Fixtures.defaultProfile()
        }
        XCTAssertEqual(spec.process?.capabilities?.bounding, daemonCaps)
        XCTAssertNil(spec.linux?.seccomp)
        XCTAssertNil(spec.linux?.maskedPaths)
        XCTAssertNil(spec.linux?.readonlyPaths)
        XCTAssertEqual(mount(spec, "/sys")?.options, ["nosuid", "noexec", "nodev"])
        XCTAssertEqual(mount(spec, "/sys/fs/cgroup")?.options, ["nosuid", "noexec", "nodev"])
        XCTAssertEqual(spec.linux?.resources?.devices?.last, LinuxDeviceCgroup(allow: true, access: "rwm"))
        let null = spec.linux?.devices?.first { $0.path == "/dev/null" }
        XCTAssertEqual(null?.type, "c")
        XCTAssertEqual(null?.major, 1)
        XCTAssertEqual(null?.minor, 3)
        XCTAssertFalse(spec.linux?.devices?.contains { $0.path.hasPrefix("/dev/pts/") } ?? true)
        // Paths named explicitly win over the defaults, even when privileged.
        let masked = try build(#"{"Privileged":true,"MaskedPaths":["/proc/x"],"ReadonlyPaths":[]}"#, host: host)
        XCTAssertEqual(masked.linux?.maskedPaths, ["/proc/x"])
        XCTAssertEqual(masked.linux?.readonlyPaths, [])
    }

    func testResources() throws {
        let spec = try build("""
            {"Memory":104857600,"MemoryReservation":52428800,"MemorySwappiness":10,"OomKillDisable":true,
             "NanoCpus":1500000000,"CpuShares":512,"CpusetCpus":"0","CpusetMems":"0","PidsLimit":100,"BlkioWeight":300,
             "OomScoreAdj":-500,"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":4096},{"Name":"core","Soft":-1,"Hard":-1}]}
            """)
        let r = try XCTUnwrap(spec.linux?.resources)
        XCTAssertEqual(r.memory, LinuxMemory(limit: 104_857_600, reservation: 52_428_800, swap: 209_715_200,
                                             swappiness: 10, disableOOMKiller: true))
        XCTAssertEqual(r.cpu, LinuxCPU(shares: 512, quota: 150_000, period: 100_000, cpus: "0", mems: "0"))
        XCTAssertEqual(r.pids, LinuxPids(limit: 100))
        XCTAssertEqual(r.blockIO, LinuxBlockIO(weight: 300))
        XCTAssertEqual(spec.process?.oomScoreAdj, -500)
        XCTAssertEqual(spec.process?.rlimits, [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 4096, soft: 1024),
                                               POSIXRlimit(type: "RLIMIT_CORE", hard: UInt64.max, soft: UInt64.max)])

        var noSwap = Fixtures.host
        noSwap.swapLimit = false
        XCTAssertNil(try build(#"{"Memory":104857600,"MemorySwap":209715200}"#, host: noSwap).linux?.resources?.memory?.swap)

        let unlimited = try build(#"{"Memory":104857600,"MemorySwap":-1,"PidsLimit":0,"CpuQuota":50000,"CpuPeriod":25000}"#)
        XCTAssertNil(unlimited.linux?.resources?.memory?.swap)
        XCTAssertEqual(unlimited.linux?.resources?.pids, LinuxPids(limit: -1))
        XCTAssertEqual(unlimited.linux?.resources?.cpu, LinuxCPU(quota: 50000, period: 25000))

        XCTAssertThrowsMessage(try build(#"{"Memory":1000}"#), "Minimum memory limit allowed is 6MB")
        XCTAssertThrowsMessage(try build(#"{"NanoCpus":1000000000,"CpuQuota":50000}"#),
                               "Conflicting options: Nano CPUs and CPU Quota cannot both be set")
        XCTAssertThrowsMessage(try build(#"{"MemorySwappiness":101}"#), "Invalid value: 101, valid memory swappiness range is 0-100")
        XCTAssertThrowsMessage(try build(#"{"CpuShares":-2}"#), "invalid CPU shares (-2): value must be a positive integer")
        XCTAssertThrowsMessage(try build(#"{"OomScoreAdj":1001}"#), "Invalid value 1001, range for oom score adj is [-1000, 1000]")
    }

    func testDaemonUlimitsFillTheGaps() throws {
        let spec = try build(#"{"Ulimits":[{"Name":"nofile","Soft":10,"Hard":20}]}"#) {
            $0.defaultUlimits = [Ulimit(Name: "nofile", Soft: 1, Hard: 2), Ulimit(Name: "nproc", Soft: 3, Hard: 4)]
        }
        XCTAssertEqual(spec.process?.rlimits?.map(\.type), ["RLIMIT_NOFILE", "RLIMIT_NPROC"])
        XCTAssertEqual(spec.process?.rlimits?.first?.soft, 10)
    }

    func testCapabilitiesAndSecurityOptions() throws {
        let spec = try build(#"{"CapAdd":["sys_admin"],"CapDrop":["CAP_NET_RAW"],"SecurityOpt":["no-new-privileges"]}"#) {
            $0.seccompProfile = try? Fixtures.defaultProfile()
        }
        XCTAssertEqual(spec.process?.capabilities?.bounding?.contains("CAP_SYS_ADMIN"), true)
        XCTAssertEqual(spec.process?.capabilities?.bounding?.contains("CAP_NET_RAW"), false)
        XCTAssertEqual(spec.process?.noNewPrivileges, true)
        // The profile was filtered with the container's capabilities: mount is allowed now.
        let allowed = spec.linux?.seccomp?.syscalls?.filter { $0.action == "SCMP_ACT_ALLOW" }.flatMap(\.names) ?? []
        XCTAssertTrue(allowed.contains("mount"))

        XCTAssertNil(try build(#"{"SecurityOpt":["seccomp=unconfined"]}"#) { $0.seccompProfile = try? Fixtures.defaultProfile() }
            .linux?.seccomp)
        XCTAssertNil(try build(#"{"SecurityOpt":["no-new-privileges=false","label=disable","label:type:x"]}"#).process?.noNewPrivileges)
        XCTAssertEqual(try build { $0.noNewPrivilegesByDefault = true }.process?.noNewPrivileges, true)
        let custom = try build(#"{"SecurityOpt":["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"]}"#)
        XCTAssertEqual(custom.linux?.seccomp, LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW",
                                                           syscalls: [LinuxSyscall(names: ["chmod"], action: "SCMP_ACT_ERRNO")]))
        XCTAssertThrowsMessage(try build(#"{"SecurityOpt":["bogus"]}"#), "invalid --security-opt 1: \"bogus\"")
        XCTAssertThrowsMessage(try build(#"{"SecurityOpt":["foo=bar"]}"#), "invalid --security-opt 2: \"foo=bar\"")
        XCTAssertThrowsMessage(try build(#"{"SecurityOpt":["no-new-privileges=maybe"]}"#),
                               "invalid --security-opt 2: \"no-new-privileges=maybe\"")
        XCTAssertThrowsMessage(try build(#"{"CapAdd":["CAP_FOO"]}"#), "invalid CapAdd: unknown capability: \"CAP_FOO\"")
    }

    func testProcessFromConfigAndImage() throws {
        let spec = try build(#"{"GroupAdd":["audio"]}"#,
                             config: #"{"User":"bob","Tty":true,"WorkingDir":"/work/dir","Hostname":"web","Domainname":"example.org","Env":["A=1"]}"#) {
            $0.imageConfig = ContainerConfig(Env: ["PATH=/opt/bin", "B=2"], Entrypoint: ["/entry.sh"], Cmd: ["serve"])
        }
        let process = try XCTUnwrap(spec.process)
        XCTAssertEqual(process.args, ["/entry.sh", "serve"])
        XCTAssertEqual(process.env, ["PATH=/opt/bin", "HOSTNAME=web", "TERM=xterm", "A=1", "B=2", "HOME=/home/bob"])
        XCTAssertEqual(process.terminal, true)
        XCTAssertEqual(process.cwd, "/work/dir")
        XCTAssertEqual(process.user, User(uid: 1000, gid: 1000, additionalGids: [1000, 29, 44, 29]))
        XCTAssertEqual(spec.hostname, "web")
        XCTAssertEqual(spec.linux?.sysctl?["kernel.domainname"], "example.org")
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: rootfs + "/work/dir", isDirectory: &isDir) && isDir.boolValue)
        XCTAssertEqual(try build(config: #"{"Cmd":["x"],"User":"4242","Env":["HOME=/h"]}"#).process?.env?.last, "HOME=/h")
        XCTAssertEqual(try build(config: #"{"Cmd":["x"],"User":"4242"}"#).process?.env?.last, "HOME=/")
        XCTAssertThrowsMessage(try build(config: #"{"Cmd":["x"],"WorkingDir":"rel"}"#),
                               "the working directory 'rel' is invalid, it needs to be an absolute path")
        XCTAssertThrowsMessage(try build(config: #"{"Cmd":["x"],"User":"ghost"}"#),
                               "unable to find user ghost: no matching entries in passwd file")
        XCTAssertThrowsMessage(try build(config: "{}"), "no command specified")
    }

    func testInit() throws {
        let spec = try build(#"{"Init":true}"#) { $0.initBinary = "/usr/bin/tini-static" }
        XCTAssertEqual(spec.process?.args, ["/sbin/docker-init", "--", "/bin/true"])
        XCTAssertEqual(mount(spec, "/sbin/docker-init"),
                       OCISpec.Mount(destination: "/sbin/docker-init", type: "bind", source: "/usr/bin/tini-static", options: ["bind", "ro"]))
        XCTAssertEqual(try build { $0.initByDefault = true; $0.initBinary = "/tini" }.process?.args?.first, "/sbin/docker-init")
        XCTAssertEqual(try build(#"{"Init":false}"#) { $0.initByDefault = true; $0.initBinary = "/tini" }.process?.args, ["/bin/true"])
        // With the host's or another container's PID namespace there is an init already.
        XCTAssertEqual(try build(#"{"Init":true,"PidMode":"host"}"#) { $0.initBinary = "/tini" }.process?.args, ["/bin/true"])
        XCTAssertThrowsError(try build(#"{"Init":true}"#))
    }

    func testReadonlyRootfs() throws {
        let hosts = try dir.write("hosts", "127.0.0.1 localhost\n")
        let spec = try build(#"{"ReadonlyRootfs":true,"Tmpfs":{"/run":""}}"#) { $0.hostsPath = hosts }
        XCTAssertEqual(spec.root?.readonly, true)
        XCTAssertEqual(mount(spec, "/sys/fs/cgroup")?.options, ["ro", "nosuid", "noexec", "nodev"])
        for writable in ["/proc", "/dev", "/dev/pts", "/dev/mqueue", "/dev/shm", "/run"] {
            XCTAssertEqual(mount(spec, writable)?.options?.contains("ro"), false, writable)
        }
        XCTAssertEqual(mount(spec, "/etc/hosts")?.options, ["rbind", "rro", "rprivate"])
    }
}
