import Foundation
import OCISpec
import XCTest

@testable import Seccomp

final class SeccompCompilerTests: XCTestCase {
    private func assertError(
        _ config: LinuxSeccomp, field: String, contains text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try SeccompCompiler.compile(config), file: file, line: line) { error in
            guard let error = error as? SeccompError else {
                return XCTFail("unexpected error type \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.field, field, file: file, line: line)
            XCTAssertTrue(error.description.contains(text), "\(error)", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("\(field): "), "\(error)", file: file, line: line)
        }
    }

    func testSmallProfileCompiles() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ERRNO",
            architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            syscalls: [
                LinuxSyscall(names: ["read", "write", "exit_group", "close"], action: "SCMP_ACT_ALLOW"),
                LinuxSyscall(names: ["personality"], action: "SCMP_ACT_ALLOW", args: [
                    LinuxSeccompArg(index: 0, value: 0, op: "SCMP_CMP_EQ"),
                ]),
                LinuxSyscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(ENOSYS)),
            ]
        )
        let program = try SeccompCompiler.compile(config)
        XCTAssertFalse(program.filter.isEmpty)
        XCTAssertEqual(program.filter.count % 8, 0)
        XCTAssertEqual(program.instructionCount, program.filter.count / 8)
        XCTAssertEqual(program.flags, 0)
        XCTAssertFalse(program.needsNotify)
    }

    func testEveryActionAndOperatorCompiles() throws {
        let actions = SeccompCompiler.supportedActions.filter { $0 != "SCMP_ACT_ALLOW" }
        let names = ["mkdir", "rmdir", "chdir", "fchdir", "chmod", "fchmod", "chown", "fchown", "rename"]
        var calls = zip(actions, names).map { LinuxSyscall(names: [$1], action: $0) }
        for (i, op) in SeccompCompiler.supportedOperators.enumerated() {
            calls.append(LinuxSyscall(names: ["ioctl"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(i + 1), args: [
                LinuxSeccompArg(index: 1, value: 0xff, valueTwo: UInt64(i), op: op),
            ]))
        }
        let program = try SeccompCompiler.compile(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: calls))
        XCTAssertEqual(program.filter.count % 8, 0)
        XCTAssertTrue(program.needsNotify)
        XCTAssertNotEqual(program.flags & SeccompFilterFlag.newListener, 0)
    }

    func testUnknownSyscallIsSkipped() throws {
        let base = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO"),
        ])
        var extended = base
        extended.syscalls?.append(LinuxSyscall(names: ["no_such_syscall_xyz"], action: "SCMP_ACT_ERRNO"))
        extended.syscalls?[0].names.append("another_future_syscall")
        XCTAssertEqual(try SeccompCompiler.compile(extended).filter, try SeccompCompiler.compile(base).filter)
    }

    func testRuleMatchingDefaultActionIsSkipped() throws {
        let base = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38, syscalls: [
            LinuxSyscall(names: ["read"], action: "SCMP_ACT_ALLOW"),
        ])
        var extended = base
        extended.syscalls?.append(LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 38))
        XCTAssertEqual(try SeccompCompiler.compile(extended).filter, try SeccompCompiler.compile(base).filter)
        // A different errno is a different action and must stay.
        extended.syscalls?[1].errnoRet = 1
        XCTAssertNotEqual(try SeccompCompiler.compile(extended).filter, try SeccompCompiler.compile(base).filter)
    }

    func testSameArgumentTwiceBecomesSeparateRules() throws {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [
                LinuxSeccompArg(index: 1, value: 0o700, op: "SCMP_CMP_EQ"),
                LinuxSeccompArg(index: 1, value: 0o711, op: "SCMP_CMP_EQ"),
            ]),
        ])
        XCTAssertNoThrow(try SeccompCompiler.compile(config))
    }

    func testUnknownActionNamesField() {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            LinuxSyscall(names: ["read"], action: "SCMP_ACT_ERRNO"),
            LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_FOO"),
        ])
        assertError(config, field: "linux.seccomp.syscalls[1].action", contains: "unknown action \"SCMP_ACT_FOO\"")
        assertError(LinuxSeccomp(defaultAction: "ALLOW"), field: "linux.seccomp.defaultAction", contains: "unknown action \"ALLOW\"")
    }

    func testUnknownOperatorAndBadIndex() {
        var config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [
                LinuxSeccompArg(index: 0, value: 1, op: "SCMP_CMP_EQ"),
                LinuxSeccompArg(index: 1, value: 1, op: "SCMP_CMP_BOGUS"),
            ]),
        ])
        assertError(config, field: "linux.seccomp.syscalls[0].args[1].op", contains: "unknown operator \"SCMP_CMP_BOGUS\"")
        config.syscalls?[0].args?[1] = LinuxSeccompArg(index: 6, value: 1, op: "SCMP_CMP_EQ")
        assertError(config, field: "linux.seccomp.syscalls[0].args[1].index", contains: "6 is out of range")
    }

    func testUnknownArchitectureAndFlag() {
        assertError(
            LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]),
            field: "linux.seccomp.architectures[1]", contains: "unknown architecture \"SCMP_ARCH_VAX\"")
        assertError(
            LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["x86_64"]),
            field: "linux.seccomp.architectures[0]", contains: "unknown architecture")
        assertError(
            LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE"]),
            field: "linux.seccomp.flags[1]", contains: "unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"")
    }

    func testNotifyRestrictionsAndErrnoRange() {
        assertError(LinuxSeccomp(defaultAction: "SCMP_ACT_NOTIFY"), field: "linux.seccomp.defaultAction", contains: "default action")
        assertError(
            LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
                LinuxSyscall(names: ["read", "write"], action: "SCMP_ACT_NOTIFY"),
            ]),
            field: "linux.seccomp.syscalls[0].names", contains: "write")
        assertError(
            LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
                LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 70000),
            ]),
            field: "linux.seccomp.syscalls[0].errnoRet", contains: "70000")
        assertError(
            LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [LinuxSyscall(names: [""], action: "SCMP_ACT_LOG")]),
            field: "linux.seccomp.syscalls[0].names[0]", contains: "empty syscall name")
    }

    func testFlags() throws {
        let logged = try SeccompCompiler.compile(LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]))
        // WAIT_KILLABLE_RECV is dropped without a listener: the kernel would reject it.
        XCTAssertEqual(logged.flags, SeccompFilterFlag.log | SeccompFilterFlag.specAllow)

        let notify = try SeccompCompiler.compile(LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
            syscalls: [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")]))
        XCTAssertTrue(notify.needsNotify)
        XCTAssertEqual(notify.flags, 0b11_1001) // TSYNC | NEW_LISTENER | TSYNC_ESRCH | WAIT_KILLABLE_RECV
    }

    func testFeatureLists() {
        XCTAssertEqual(SeccompCompiler.supportedActions.count, 9)
        XCTAssertTrue(SeccompCompiler.supportedActions.contains("SCMP_ACT_KILL_PROCESS"))
        XCTAssertEqual(SeccompCompiler.supportedOperators.count, 7)
        XCTAssertTrue(SeccompCompiler.supportedOperators.contains("SCMP_CMP_MASKED_EQ"))
        for arch in ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_S390X"] {
            XCTAssertTrue(SeccompCompiler.supportedArchitectures.contains(arch), arch)
        }
        XCTAssertEqual(SeccompCompiler.knownFlags.count, 4)
        XCTAssertTrue(Set(SeccompCompiler.supportedFlags).isSubset(of: SeccompCompiler.knownFlags))
        // Every kernel with seccomp filters has had TSYNC since 3.17.
        XCTAssertTrue(SeccompCompiler.supportedFlags.contains("SECCOMP_FILTER_FLAG_TSYNC"))
        XCTAssertTrue(SeccompCompiler.libseccompVersion.hasPrefix("2."), SeccompCompiler.libseccompVersion)
    }
}
