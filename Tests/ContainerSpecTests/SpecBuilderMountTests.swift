import DockerAPI
import OCISpec
import XCTest
import Glibc
@testable import ContainerSpec

final class SpecBuilderMountTests: XCTestCase {
    var dir: TempDir!
    var rootfs: String!

    override func setUpWithError() throws {
        dir = try TempDir("mounts")
        rootfs = try makeRootfs(dir)
    }

    override func tearDown() {
        dir?.remove()
    }

    func build(_ hostConfig: String = "{}", config: String? = nil, _ edit: (inout SpecInput) -> Void = { _ in }) throws -> Spec {
        var input = Fixtures.input(rootfs: rootfs, config: try config.map(Fixtures.config),
                                   hostConfig: try Fixtures.hostConfig(hostConfig))
        input.volumePath = { [dir] name in dir!.path + "/volumes/" + name }
        input.anonymousVolumePath = { [dir] destination in dir!.path + "/anon" + destination }
        edit(&input)
        return try SpecBuilder.build(input)
    }

    func userMounts(_ spec: Spec) -> [OCISpec.Mount] {
        Array((spec.mounts ?? []).dropFirst(7))
    }

    func testBindsVolumesAndTmpfsInDepthOrder() throws {
        let host = dir.path + "/host"
        let missing = dir.path + "/made/by/docker"
        let spec = try build("""
            {"Binds":["\(host)/deep:/a/b/c:ro","\(missing):/m","named:/data/db:nocopy","/anon/one"],
             "Tmpfs":{"/run":"rw,size=64m,mode=1777","/tmp":""},
             "Mounts":[{"Type":"volume","Source":"other","Target":"/v","ReadOnly":true},
                       {"Type":"tmpfs","Target":"/scratch","TmpfsOptions":{"SizeBytes":1048576}}]}
            """, config: #"{"Cmd":["x"],"Volumes":{"/image/vol":{}, "/data/db":{}}}"#)
        let mounts = userMounts(spec)
        XCTAssertEqual(mounts.map(\.destination), ["/run", "/tmp", "/scratch", "/m", "/v", "/data/db", "/anon/one", "/image/vol", "/a/b/c"])
        let byDest = Dictionary(uniqueKeysWithValues: mounts.map { ($0.destination, $0) })
        XCTAssertEqual(byDest["/run"], OCISpec.Mount(destination: "/run", type: "tmpfs", source: "tmpfs",
                                                     options: ["noexec", "nosuid", "nodev", "rprivate", "rw", "size=64m", "mode=1777"]))
        XCTAssertEqual(byDest["/tmp"]?.options, ["noexec", "nosuid", "nodev", "rprivate"])
        XCTAssertEqual(byDest["/scratch"]?.options, ["noexec", "nosuid", "nodev", "rprivate", "size=1m"])
        XCTAssertEqual(byDest["/a/b/c"], OCISpec.Mount(destination: "/a/b/c", type: "bind", source: host + "/deep",
                                                       options: ["rbind", "rro", "rprivate"]))
        XCTAssertEqual(byDest["/m"]?.options, ["rbind", "rprivate"])
        XCTAssertEqual(byDest["/data/db"], OCISpec.Mount(destination: "/data/db", type: "bind", source: dir.path + "/volumes/named",
                                                         options: ["rbind"]))
        XCTAssertEqual(byDest["/v"]?.options, ["rbind", "rro"])
        XCTAssertEqual(byDest["/anon/one"]?.source, dir.path + "/anon/anon/one")
        XCTAssertEqual(byDest["/image/vol"]?.source, dir.path + "/anon/image/vol")
        // `-v` creates a missing host directory, as `docker run -v` does.
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: missing, isDirectory: &isDir) && isDir.boolValue)
    }

    func testMountErrors() throws {
        XCTAssertThrowsMessage(try build(#"{"Mounts":[{"Type":"bind","Source":"/x/nowhere","Target":"/x"}]}"#),
                               "invalid mount config for type \"bind\": bind source path does not exist: /x/nowhere")
        XCTAssertThrowsMessage(try build(#"{"Binds":["/a:/x","/b:/x"]}"#), "Duplicate mount point: /x")
        XCTAssertThrowsMessage(try build(#"{"Binds":["/a:/x"],"Tmpfs":{"/x":""}}"#), "Duplicate mount point: /x")
        XCTAssertThrowsMessage(try build(#"{"Binds":["/a:/x"],"Mounts":[{"Type":"tmpfs","Target":"/x/"}]}"#),
                               "Duplicate mount point: /x/")
        XCTAssertThrowsMessage(try build(#"{"Tmpfs":{"/":""}}"#), "invalid specification: destination can't be '/'")
        XCTAssertThrowsMessage(try build(#"{"Tmpfs":{"/t":"size=1m,bogus=2"}}"#), "invalid tmpfs option \"bogus\"")
        XCTAssertThrowsMessage(try build(#"{"Binds":["named:/x"]}"#) { $0.volumePath = SpecInput.noVolumes },
                               "get named: no such volume")
        try dir.write("rootfs/afile", "x")
        XCTAssertThrowsMessage(try build(config: #"{"Cmd":["x"],"Volumes":{"/afile":{}}}"#),
                               "cannot mount volume over existing file, file exists \(rootfs!)/afile")
    }

    func testNetworkFilesAndShm() throws {
        let resolv = try dir.write("resolv.conf", "nameserver 1.1.1.1\n")
        let hostname = try dir.write("hostname", "h\n")
        let hosts = try dir.write("hosts", "127.0.0.1 localhost\n")
        let mine = try dir.write("my-hosts", "10.0.0.1 x\n")
        let spec = try build(#"{"ShmSize":1048576,"Binds":["\#(mine):/etc/hosts:ro"]}"#) {
            $0.resolvConfPath = resolv
            $0.hostnamePath = hostname
            $0.hostsPath = hosts
        }
        XCTAssertEqual(userMounts(spec), [
            OCISpec.Mount(destination: "/etc/resolv.conf", type: "bind", source: resolv, options: ["rbind", "rprivate"]),
            OCISpec.Mount(destination: "/etc/hostname", type: "bind", source: hostname, options: ["rbind", "rprivate"]),
            OCISpec.Mount(destination: "/etc/hosts", type: "bind", source: mine, options: ["rbind", "rro", "rprivate"]),
        ])
        XCTAssertEqual(spec.mounts?.first { $0.destination == "/dev/shm" }?.options?.last, "size=1048576")
        XCTAssertFalse(try build(#"{"IpcMode":"none"}"#).mounts?.contains { $0.destination == "/dev/shm" } ?? true)
        let hostIPC = try build(#"{"IpcMode":"host"}"#)
        XCTAssertEqual(hostIPC.mounts?.filter { $0.destination == "/dev/shm" },
                       [OCISpec.Mount(destination: "/dev/shm", type: "bind", source: "/dev/shm", options: ["rbind", "rprivate"])])
        XCTAssertFalse(hostIPC.linux?.namespaces?.contains(.ipc) ?? true)
        // A user /dev replaces every default mount below it.
        let dev = try build(#"{"Tmpfs":{"/dev":""}}"#)
        XCTAssertEqual(dev.mounts?.map(\.destination), ["/proc", "/sys", "/sys/fs/cgroup", "/dev"])
    }

    func testNamespaceModes() throws {
        let host = try build(#"{"NetworkMode":"host","UTSMode":"host","PidMode":"host"}"#)
        XCTAssertEqual(host.linux?.namespaces?.map(\.type), ["mount", "ipc"])
        XCTAssertNil(host.hostname)
        XCTAssertEqual(host.process?.env?[1], "HOSTNAME=buildhost")
        XCTAssertNil(host.linux?.sysctl)

        let joined = try build(#"{"NetworkMode":"container:db","PidMode":"container:db","IpcMode":"container:db"}"#) {
            $0.containerPID = { $0 == "db" ? 4242 : nil }
        }
        let paths = Dictionary(uniqueKeysWithValues: (joined.linux?.namespaces ?? []).map { ($0.type, $0.path ?? "") })
        XCTAssertEqual(paths, ["mount": "", "network": "/proc/4242/ns/net", "uts": "", "pid": "/proc/4242/ns/pid",
                               "ipc": "/proc/4242/ns/ipc"])
        XCTAssertEqual(joined.mounts?.first { $0.destination == "/dev/shm" }?.source, "/proc/4242/root/dev/shm")

        XCTAssertThrowsMessage(try build(#"{"NetworkMode":"container:gone"}"#),
                               "cannot join network namespace of a non running container: container gone is not running")
        XCTAssertThrowsMessage(try build(#"{"PidMode":"container:gone"}"#),
                               "failed to join PID namespace: container gone is not running")
        XCTAssertThrowsMessage(try build(#"{"PidMode":"bogus"}"#), "invalid PID mode: bogus")
        XCTAssertThrowsMessage(try build(#"{"UTSMode":"private"}"#), "invalid UTS mode: private")

        let netns = try build(#"{"NetworkMode":"bridge"}"#) { $0.networkNamespacePath = "/run/berth/netns/x" }
        XCTAssertEqual(netns.linux?.namespaces?.first { $0.type == "network" }?.path, "/run/berth/netns/x")
    }

    func testSysctls() throws {
        let spec = try build(#"{"Sysctls":{"net.core.somaxconn":"1024","kernel.shmmax":"1","fs.mqueue.msg_max":"20","net.ipv4.ip_unprivileged_port_start":"80"}}"#)
        XCTAssertEqual(spec.linux?.sysctl?["net.core.somaxconn"], "1024")
        XCTAssertEqual(spec.linux?.sysctl?["net.ipv4.ip_unprivileged_port_start"], "80")
        XCTAssertThrowsMessage(try build(#"{"NetworkMode":"host","Sysctls":{"net.core.somaxconn":"1"}}"#),
                               "sysctl \"net.core.somaxconn\" not allowed in host network namespace")
        XCTAssertThrowsMessage(try build(#"{"IpcMode":"host","Sysctls":{"kernel.msgmax":"1"}}"#),
                               "sysctl \"kernel.msgmax\" is not allowed in the hosts ipc namespace")
        XCTAssertThrowsMessage(try build(#"{"Sysctls":{"kernel.pid_max":"1"}}"#),
                               "sysctl \"kernel.pid_max\" is not in a separate kernel namespace")
        XCTAssertThrowsMessage(try build(#"{"Sysctls":{"kernel.hostname":"x"}}"#),
                               "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field")
        XCTAssertThrowsMessage(try build(#"{"UTSMode":"host"}"#, config: #"{"Cmd":["x"],"Domainname":"d"}"#),
                               "sysctl \"kernel.domainname\" is not in a separate kernel namespace")
        XCTAssertNoThrow(try SysctlPolicy.validateFlag("net.ipv4.ip_forward=1"))
        XCTAssertThrowsMessage(try SysctlPolicy.validateFlag("vm.swappiness=1"), "sysctl 'vm.swappiness=1' is not allowed")
    }

    func testDevices() throws {
        let spec = try build(#"{"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rw"}],"DeviceCgroupRules":["c 10:200 rwm","b *:* m"]}"#)
        // The node's owner as the host has it (root on most hosts, nobody in some sandboxes).
        var st = stat()
        XCTAssertEqual(stat("/dev/null", &st), 0)
        XCTAssertEqual(spec.linux?.devices, [LinuxDevice(path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o666,
                                                         uid: UInt32(st.st_uid), gid: UInt32(st.st_gid))])
        XCTAssertEqual(Array(spec.linux?.resources?.devices?.suffix(3) ?? []), [
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "b", major: -1, minor: -1, access: "m"),
        ])
        XCTAssertThrowsMessage(try build(#"{"DeviceCgroupRules":["x 1:2 rwm"]}"#), "invalid device cgroup rule format: 'x 1:2 rwm'")
        XCTAssertThrowsMessage(try build(#"{"Devices":[{"PathOnHost":"/dev/nonexistent-dev","PathInContainer":"/dev/x","CgroupPermissions":"rwm"}]}"#),
                               "error gathering device information while adding custom device \"/dev/nonexistent-dev\": lstat /dev/nonexistent-dev: no such file or directory")
        XCTAssertThrowsMessage(try build(#"{"Devices":[{"PathOnHost":"\#(rootfs!)/etc/passwd","PathInContainer":"/x","CgroupPermissions":"rwm"}]}"#),
                               "error gathering device information while adding custom device \"\(rootfs!)/etc/passwd\": not a device node")
    }

    func testAnnotationsAndConsoleSize() throws {
        let spec = try build(#"{"Annotations":{"org.example/a":"b"},"ConsoleSize":[40,120]}"#, config: #"{"Cmd":["sh"],"Tty":true}"#)
        XCTAssertEqual(spec.annotations, ["org.example/a": "b"])
        XCTAssertEqual(spec.process?.consoleSize, Box(height: 40, width: 120))
        XCTAssertThrowsMessage(try build(#"{"Annotations":{"":"b"}}"#),
                               "invalid Annotations: the empty string is not permitted as an annotation key")
    }
}
