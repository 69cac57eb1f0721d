import OCISpec
import XCTest
@testable import ContainerSpec

final class SeccompProfileTests: XCTestCase {
    var profile: SeccompProfile!

    override func setUpWithError() throws {
        profile = try Fixtures.defaultProfile()
    }

    func allowed(_ seccomp: LinuxSeccomp?) -> Set<String> {
        Set((seccomp?.syscalls ?? []).filter { $0.action == "SCMP_ACT_ALLOW" && $0.args == nil }.flatMap(\.names))
    }

    func testDecodesDockersDefaultProfile() throws {
        XCTAssertEqual(profile.defaultAction, "SCMP_ACT_ERRNO")
        XCTAssertEqual(profile.defaultErrnoRet, 1)
        XCTAssertEqual(profile.archMap?.first, SeccompArchitecture(architecture: "SCMP_ARCH_X86_64",
                                                                   subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]))
        XCTAssertNil(profile.archMap?.first { $0.architecture == "SCMP_ARCH_RISCV64" }?.subArchitectures)
        XCTAssertGreaterThan(profile.syscalls?.count ?? 0, 20)
        XCTAssertTrue(profile.syscalls?.contains { $0.comment == "s390 parameter ordering for clone is different" } ?? false)
    }

    func testDefaultCapabilitiesOnAmd64() throws {
        let seccomp = try XCTUnwrap(try profile.oci(capabilities: CapabilityNames.dockerDefault, arch: "amd64", kernel: KernelVersion(6, 1)))
        XCTAssertEqual(seccomp.defaultAction, "SCMP_ACT_ERRNO")
        XCTAssertEqual(seccomp.defaultErrnoRet, 1)
        XCTAssertEqual(seccomp.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
        let names = allowed(seccomp)
        for wanted in ["read", "write", "arch_prctl", "modify_ldt", "chroot", "ptrace", "process_vm_readv"] {
            XCTAssertTrue(names.contains(wanted), wanted)
        }
        for refused in ["mount", "umount2", "unshare", "setns", "bpf", "reboot", "init_module", "kcmp", "clock_settime",
                        "open_by_handle_at", "s390_runtime_instr", "breakpoint"] {
            XCTAssertFalse(names.contains(refused), refused)
        }
        // clone is allowed only without namespace flags; clone3 fails with ENOSYS so libc falls back to clone.
        let clone = seccomp.syscalls?.filter { $0.names == ["clone"] }
        XCTAssertEqual(clone?.count, 1)
        XCTAssertEqual(clone?.first?.args, [LinuxSeccompArg(index: 0, value: 2_114_060_288, op: "SCMP_CMP_MASKED_EQ")])
        XCTAssertEqual(seccomp.syscalls?.first { $0.names == ["clone3"] }, LinuxSyscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38))
    }

    func testCapabilitiesUnlockTheirSyscalls() throws {
        let admin = try profile.oci(capabilities: CapabilityNames.dockerDefault + ["CAP_SYS_ADMIN"], arch: "amd64",
                                    kernel: KernelVersion(6, 1))
        let names = allowed(admin)
        for unlocked in ["mount", "umount2", "unshare", "setns", "clone", "clone3", "sethostname", "fsopen"] {
            XCTAssertTrue(names.contains(unlocked), unlocked)
        }
        XCTAssertFalse(admin?.syscalls?.contains { $0.names == ["clone3"] && $0.action == "SCMP_ACT_ERRNO" } ?? true)
        XCTAssertFalse(admin?.syscalls?.contains { $0.names == ["clone"] && $0.args != nil } ?? true)

        let ptrace = allowed(try profile.oci(capabilities: ["CAP_SYS_PTRACE"], arch: "amd64", kernel: KernelVersion(6, 1)))
        XCTAssertTrue(ptrace.contains("kcmp"))
        XCTAssertTrue(ptrace.contains("pidfd_getfd"))
        XCTAssertTrue(allowed(try profile.oci(capabilities: ["CAP_SYS_TIME"], arch: "amd64", kernel: KernelVersion(6, 1)))
            .contains("clock_settime"))
        // CAP_SYS_CHROOT is in the default set: without it chroot goes.
        XCTAssertFalse(allowed(try profile.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(6, 1))).contains("chroot"))
    }

    func testMinimumKernel() throws {
        // ptrace is allowed to everyone only from 4.8 on (seccomp bypass before it).
        XCTAssertFalse(allowed(try profile.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(4, 4))).contains("ptrace"))
        XCTAssertTrue(allowed(try profile.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(4, 8))).contains("ptrace"))
    }

    func testArchitectureFilters() throws {
        let arm = try XCTUnwrap(try profile.oci(capabilities: CapabilityNames.dockerDefault, arch: "arm64", kernel: KernelVersion(6, 1)))
        XCTAssertEqual(arm.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"])
        XCTAssertTrue(allowed(arm).contains("arm_fadvise64_64"))
        XCTAssertFalse(allowed(arm).contains("arch_prctl"))
        let s390 = try XCTUnwrap(try profile.oci(capabilities: [], arch: "s390x", kernel: KernelVersion(6, 1)))
        XCTAssertEqual(s390.syscalls?.first { $0.names == ["clone"] }?.args?.first?.index, 1)
    }

    func testProfileErrors() throws {
        XCTAssertNil(try SeccompProfile(defaultAction: "").oci(capabilities: [], arch: "amd64", kernel: KernelVersion(6, 1)))
        var both = SeccompProfile(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                                  archMap: [SeccompArchitecture(architecture: "SCMP_ARCH_X86_64")])
        XCTAssertThrowsMessage(try both.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(6, 1)),
            "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'")
        both.archMap = nil
        var rule = SeccompRule(names: ["read"], action: "SCMP_ACT_ALLOW")
        rule.name = "write"
        both.syscalls = [rule]
        XCTAssertThrowsMessage(try both.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(6, 1)),
            "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'")
        both.syscalls = [SeccompRule(names: ["read"], action: "SCMP_ACT_ALLOW", includes: SeccompCondition(minKernel: "4"))]
        XCTAssertThrowsMessage(try both.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(6, 1)),
                               "invalid kernel version: \"4\", expected \"<kernel>.<major>\"")
        let legacy = try SeccompProfile.decode(Array(#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"chmod","action":"SCMP_ACT_ERRNO"}]}"#.utf8))
        XCTAssertEqual(try legacy.oci(capabilities: [], arch: "amd64", kernel: KernelVersion(6, 1))?.syscalls,
                       [LinuxSyscall(names: ["chmod"], action: "SCMP_ACT_ERRNO")])
        XCTAssertThrowsError(try SeccompProfile.decode(Array("{not json".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("Decoding seccomp profile failed: "), "\(error)")
        }
    }

    /// The shipped file is moby's, byte for byte in content: same rules as the JSON it came from.
    func testRoundTripKeepsEveryRule() throws {
        let bytes = try SpecFile.encode(profile)
        XCTAssertEqual(try SeccompProfile.decode(bytes), profile)
    }
}
