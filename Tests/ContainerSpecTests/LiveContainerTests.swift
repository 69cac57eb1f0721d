import ContainerSpec
import Foundation
import OCISpec
import XCTest

/// Specs built by SpecBuilder, run by real runtimes, checked from inside the container.
final class LiveContainerTests: LiveTestCase {
    func lines(_ result: RunResult) -> [String] { result.stdout.split(separator: "\n").map(String.init) }

    /// Masked paths that exist on this host (kernels differ: /proc/kcore needs CONFIG_PROC_KCORE).
    let maskedHere = ["/proc/kcore", "/proc/keys", "/proc/interrupts", "/proc/timer_list", "/proc/acpi", "/sys/firmware"]
        .filter { FileManager.default.fileExists(atPath: $0) }

    func testDefaultContainerLooksLikeDocker() throws {
        let masked = maskedHere.map { "echo \($0)=$(ls \($0) 2>&1 | wc -l)$(cat \($0) 2>/dev/null | wc -c)" }.joined(separator: "\n")
        let script = """
            grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/self/status
            \(masked)
            grep ' /proc/sys ' /proc/self/mountinfo | cut -d' ' -f6
            echo 0 > /proc/sys/vm/overcommit_memory && echo wrote-proc-sys
            grep ' /dev/shm ' /proc/self/mountinfo | grep -o 'size=[0-9]*k'
            echo hostname=$(hostname) cwd=$(pwd) home=$HOME
            id
            """
        XCTAssertFalse(maskedHere.isEmpty)
        try run(try input(script)) { runtime, result in
            XCTAssertEqual(result.status, 0, "\(runtime.name): \(result)")
            let out = self.lines(result)
            XCTAssertTrue(out.contains("CapEff:\t00000000a80425fb"), "\(runtime.name): \(out)")
            XCTAssertTrue(out.contains("CapBnd:\t00000000a80425fb"), "\(runtime.name): \(out)")
            XCTAssertTrue(out.contains("Seccomp:\t2"), "\(runtime.name): \(out)")
            XCTAssertTrue(out.contains("NoNewPrivs:\t0"), "\(runtime.name): \(out)")
            // A masked file is /dev/null (one name, no bytes), a masked directory an empty tmpfs.
            for path in self.maskedHere {
                let isDir = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
                XCTAssertTrue(out.contains("\(path)=\(isDir ? 0 : 1)0"), "\(runtime.name): \(path) not masked: \(out)")
            }
            XCTAssertTrue(out.contains { $0.hasPrefix("ro,") }, "/proc/sys must be read-only: \(runtime.name): \(out)")
            XCTAssertFalse(out.contains("wrote-proc-sys"), "\(runtime.name): \(out)")
            XCTAssertTrue(result.stderr.contains("Read-only file system"), "\(runtime.name): \(result.stderr)")
            XCTAssertTrue(out.contains("size=65536k"), "\(runtime.name): \(out)")
            XCTAssertTrue(out.contains("hostname=abababababab cwd=/ home=/root"), "\(runtime.name): \(out)")
            XCTAssertTrue(out.contains("uid=0(root) gid=0(root) groups=0(root)"), "\(runtime.name): \(out)")
        }
    }

    /// The default profile refuses what the kernel would allow root without CAP_SYS_ADMIN:
    /// a user namespace. Unconfined, the same command works, so the EPERM is seccomp's.
    func testSeccompDefaultProfileRefusesNamespacesAndMount() throws {
        let script = "unshare -U true && echo userns-ok; mount -t tmpfs none /tmp && echo mount-ok; echo done"
        try run(try input(script)) { runtime, result in
            XCTAssertEqual(result.stdout, "done\n", "\(runtime.name): \(result)")
            XCTAssertTrue(result.stderr.contains("Operation not permitted") || result.stderr.contains("permission denied"),
                          "\(runtime.name): \(result)")
        }
        try run(try input(script, hostConfig: #"{"SecurityOpt":["seccomp=unconfined"]}"#)) { runtime, result in
            XCTAssertEqual(result.stdout, "userns-ok\ndone\n", "\(runtime.name): \(result)")
        }
        // CAP_SYS_ADMIN brings the mount family back into the profile (and the capability).
        try run(try input("mount -t tmpfs none /tmp && echo mount-ok; grep Seccomp: /proc/self/status",
                          hostConfig: #"{"CapAdd":["SYS_ADMIN"]}"#)) { runtime, result in
            XCTAssertEqual(result.stdout, "mount-ok\nSeccomp:\t2\n", "\(runtime.name): \(result)")
        }
    }

    func testUserEnvAndWorkingDirectory() throws {
        let script = "id; echo cwd=$(pwd) greeting=$GREETING path=$PATH; touch /tmp/x 2>/dev/null && echo wrote"
        try run(try input(script, hostConfig: #"{"GroupAdd":["root"]}"#,
                          config: #"{"User":"nobody","WorkingDir":"/srv/app","Env":["GREETING=hi"]}"#)) { runtime, result in
            XCTAssertEqual(result.status, 0, "\(runtime.name): \(result)")
            XCTAssertEqual(self.lines(result).first, "uid=65534(nobody) gid=65534(nogroup) groups=0(root),65534(nogroup)",
                           "\(runtime.name): \(result)")
            XCTAssertTrue(result.stdout.contains("cwd=/srv/app greeting=hi path=/usr/local/sbin:"), "\(runtime.name): \(result)")
            XCTAssertTrue(result.stdout.contains("wrote"), "\(runtime.name): \(result)")
        }
    }

    func testReadonlyRootfsTmpfsAndBinds() throws {
        let shared = try work.mkdir("shared")
        let readonly = try work.mkdir("readonly")
        let script = """
            touch /newfile 2>/dev/null && echo rootfs-writable
            touch /run/ok && echo tmpfs-writable
            grep ' /run ' /proc/self/mountinfo | grep -o 'size=[0-9]*k'
            echo from-container > /shared/file && echo bind-writable
            touch /ro/file 2>/dev/null && echo ro-writable
            echo vol > /data/v && echo volume-writable
            """
        let host = #"{"ReadonlyRootfs":true,"Tmpfs":{"/run":"rw,size=8m,mode=1777"},"Binds":["\#(shared):/shared","\#(readonly):/ro:ro","db:/data"]}"#
        try run(try input(script, hostConfig: host)) { runtime, result in
            XCTAssertEqual(self.lines(result), ["tmpfs-writable", "size=8192k", "bind-writable", "volume-writable"],
                           "\(runtime.name): \(result)")
            XCTAssertEqual(try? String(contentsOfFile: shared + "/file", encoding: .utf8), "from-container\n")
            XCTAssertEqual(try? String(contentsOfFile: self.work.path + "/volumes/db/v", encoding: .utf8), "vol\n")
        }
    }

    func testResourcesReachTheCgroup() throws {
        let script = """
            cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max
            cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max
            cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max
            ulimit -n
            """
        let host = #"{"Memory":67108864,"PidsLimit":64,"NanoCpus":500000000,"Ulimits":[{"Name":"nofile","Soft":321,"Hard":654}]}"#
        try run(try input(script, hostConfig: host)) { runtime, result in
            XCTAssertEqual(self.lines(result), ["67108864", "64", "50000", "321"], "\(runtime.name): \(result)")
        }
    }

    func testInitAndHostnameFiles() throws {
        let tini = "/usr/bin/tini-static"
        guard FileManager.default.isExecutableFile(atPath: tini) else { throw XCTSkip("tini-static is not installed (apt-get install tini)") }
        let hostname = try work.write("hostname", HostsFiles.hostname("web"))
        let hosts = try work.write("hosts", try HostsFiles.hosts(hostname: "web", addresses: ["10.9.8.7"], extraHosts: ["db:10.0.0.5"],
                                                                 hostGateway: nil))
        var spec = try input("tr '\\0' ' ' < /proc/1/cmdline; echo; cat /etc/hostname; grep -c . /etc/hosts; grep db /etc/hosts; hostname",
                             hostConfig: #"{"Init":true}"#, config: #"{"Hostname":"web"}"#)
        spec.initBinary = tini
        spec.hostnamePath = hostname
        spec.hostsPath = hosts
        try run(spec) { runtime, result in
            XCTAssertEqual(self.lines(result).first, "/sbin/docker-init -- /bin/sh -c tr '\\0' ' ' < /proc/1/cmdline; echo; cat /etc/hostname; grep -c . /etc/hosts; grep db /etc/hosts; hostname ",
                           "\(runtime.name): \(result)")
            XCTAssertEqual(Array(self.lines(result).dropFirst()), ["web", "8", "10.0.0.5\tdb", "web"], "\(runtime.name): \(result)")
        }
    }

    func testPrivileged() throws {
        let host = CapabilityNames.current() ?? []
        let mask = String(CapabilityNames.mask(host), radix: 16)
        let script = "grep -E '^(CapEff|Seccomp):' /proc/self/status; grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6 | cut -c1-2; ls /dev/kmsg; cat /proc/interrupts | wc -c | grep -qv '^0$' && echo interrupts-readable"
        try run(try input(script, hostConfig: #"{"Privileged":true}"#)) { runtime, result in
            XCTAssertEqual(result.status, 0, "\(runtime.name): \(result)")
            XCTAssertEqual(self.lines(result), ["CapEff:\t" + String(repeating: "0", count: 16 - mask.count) + mask, "Seccomp:\t0",
                                                "rw", "/dev/kmsg", "interrupts-readable"], "\(runtime.name): \(result)")
        }
    }

    /// `--device /dev/fuse` (which Docker's default rules deny) opens; a read-only mapping refuses writing.
    func testDeviceMapping() throws {
        guard FileManager.default.fileExists(atPath: "/dev/fuse"), FileManager.default.fileExists(atPath: "/dev/loop-control") else {
            throw XCTSkip("needs /dev/fuse and /dev/loop-control on the host")
        }
        let script = "ls -l /dev/fuse | cut -c1; exec 3<>/dev/fuse && echo fuse-rw; (exec 4<>/dev/loop-ro) 2>&1 | grep -c 'not permitted'"
        let host = #"{"Devices":[{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fuse","CgroupPermissions":"rwm"},{"PathOnHost":"/dev/loop-control","PathInContainer":"/dev/loop-ro","CgroupPermissions":"r"}]}"#
        try run(try input(script, hostConfig: host)) { runtime, result in
            XCTAssertEqual(self.lines(result), ["c", "fuse-rw", "1"], "\(runtime.name): \(result)")
        }
    }
}
