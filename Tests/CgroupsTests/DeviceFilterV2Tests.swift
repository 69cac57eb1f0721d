import Foundation
import OCISpec
import XCTest

@testable import Cgroups

/// The device-filter generator, run through a small eBPF interpreter so that the tests state
/// what the kernel would decide rather than which instructions come out. No root needed.
final class DeviceFilterV2Tests: XCTestCase {
    typealias Insn = DeviceFilterV2.Instruction

    static let r = DeviceFilterV2.accessRead, w = DeviceFilterV2.accessWrite, m = DeviceFilterV2.accessMknod

    func rule(_ allow: Bool, _ type: String?, _ major: Int64? = nil, _ minor: Int64? = nil, _ access: String? = "rwm")
        -> LinuxDeviceCgroup {
        LinuxDeviceCgroup(allow: allow, type: type, major: major, minor: minor, access: access)
    }

    /// 1 if `prog` allows `access` to the device, as the kernel would run it.
    func verdict(_ prog: [Insn], _ type: String, _ major: UInt32, _ minor: UInt32, _ access: UInt32,
                 file: StaticString = #filePath, line: UInt = #line) -> UInt64? {
        let devType = type == "b" ? DeviceFilterV2.devBlock : DeviceFilterV2.devChar
        do {
            return try BPFInterpreter.run(prog, context: [devType | access << 16, major, minor])
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    func allows(_ prog: [Insn], _ type: String, _ major: UInt32, _ minor: UInt32, _ access: UInt32,
                file: StaticString = #filePath, line: UInt = #line) -> Bool {
        verdict(prog, type, major, minor, access, file: file, line: line) == 1
    }

    func testPrologueLoadsTheContext() throws {
        let prog = try DeviceFilterV2.program(for: [rule(false, "a")])
        XCTAssertEqual(Array(prog.prefix(6)), [
            Insn(code: 0x61, dst: 2, src: 1, offset: 0), Insn(code: 0x54, dst: 2, imm: 0xFFFF),
            Insn(code: 0x61, dst: 3, src: 1, offset: 0), Insn(code: 0x74, dst: 3, imm: 16),
            Insn(code: 0x61, dst: 4, src: 1, offset: 4), Insn(code: 0x61, dst: 5, src: 1, offset: 8),
        ])
        XCTAssertEqual(Array(prog.dropFirst(6)), [Insn(code: 0xb4, dst: 0, imm: 0), Insn(code: 0x95)],
                       "deny-all is the bare default")
    }

    func testDenyAllAndEmptyDenyEverything() throws {
        for rules in [[rule(false, "a")], [], [rule(true, "a"), rule(false, nil, nil, nil, nil)]] {
            let prog = try DeviceFilterV2.program(for: rules)
            XCTAssertEqual(prog.count, 8, "\(rules)")
            XCTAssertFalse(allows(prog, "c", 1, 3, Self.r))
            XCTAssertFalse(allows(prog, "b", 8, 0, Self.m))
        }
    }

    func testAllowAllAllowsEverything() throws {
        for rules in [[rule(true, "a")], [rule(false, "a"), rule(true, "c", 1, 3), rule(true, "a", 5, 5, "r")]] {
            let prog = try DeviceFilterV2.program(for: rules)
            XCTAssertEqual(prog.last, Insn(code: 0x95))
            XCTAssertEqual(prog.dropLast().last, Insn(code: 0xb4, dst: 0, imm: 1))
            XCTAssertEqual(prog.count, 8, "an \"a\" rule drops the exceptions before it")
            XCTAssertTrue(allows(prog, "c", 1, 3, Self.r | Self.w))
            XCTAssertTrue(allows(prog, "b", 259, 1 << 19, Self.m))
        }
    }

    func testAllowListWithWildcards() throws {
        let prog = try DeviceFilterV2.program(for: [
            rule(false, "a"),
            rule(true, "c", 1, 3, "rw"),
            rule(true, "c", 1, 5, "r"),
            rule(true, "c", 136, nil, "rwm"),
            rule(true, "b", -1, -1, "m"),
            rule(true, "c", nil, 7, "w"),
        ])
        XCTAssertTrue(allows(prog, "c", 1, 3, Self.r | Self.w))
        XCTAssertFalse(allows(prog, "c", 1, 3, Self.m))
        XCTAssertFalse(allows(prog, "c", 1, 3, Self.r | Self.m), "every requested bit must be granted")
        XCTAssertTrue(allows(prog, "c", 1, 5, Self.r))
        XCTAssertFalse(allows(prog, "c", 1, 5, Self.w))
        XCTAssertFalse(allows(prog, "b", 1, 3, Self.r), "the type is part of the match")
        XCTAssertTrue(allows(prog, "c", 136, 0, Self.r | Self.w | Self.m))
        XCTAssertTrue(allows(prog, "c", 136, 99_999, Self.w))
        XCTAssertFalse(allows(prog, "c", 137, 0, Self.r))
        XCTAssertTrue(allows(prog, "b", 8, 1, Self.m))
        XCTAssertFalse(allows(prog, "b", 8, 1, Self.r))
        XCTAssertTrue(allows(prog, "c", 42, 7, Self.w))
        XCTAssertFalse(allows(prog, "c", 42, 8, Self.w))
    }

    func testLaterRulesOverrideEarlierOnes() throws {
        let prog = try DeviceFilterV2.program(for: [
            rule(false, "a"),
            rule(true, "c", 1, 3, "rw"),
            rule(false, "c", 1, 3, "w"),
            rule(true, "c", 1, 5, "r"),
            rule(true, "c", 1, 5, "w"),
            rule(true, "c", 1, 7, "rwm"),
            rule(false, "c", 1, 7, "rwm"),
        ])
        XCTAssertTrue(allows(prog, "c", 1, 3, Self.r))
        XCTAssertFalse(allows(prog, "c", 1, 3, Self.w))
        XCTAssertTrue(allows(prog, "c", 1, 5, Self.r | Self.w), "separate grants for one device add up")
        XCTAssertFalse(allows(prog, "c", 1, 7, Self.r), "an exception removed entirely")
    }

    func testDenyListMatchesOnAnyDeniedBit() throws {
        let prog = try DeviceFilterV2.program(for: [
            rule(true, "a"),
            rule(false, "c", 1, 3, "w"),
            rule(false, "b", 8, nil, "rwm"),
            rule(false, "c", 10, 200, "rw"),
            rule(true, "c", 10, 200, "r"),
        ])
        XCTAssertTrue(allows(prog, "c", 1, 3, Self.r))
        XCTAssertFalse(allows(prog, "c", 1, 3, Self.w))
        XCTAssertFalse(allows(prog, "c", 1, 3, Self.r | Self.w), "open(O_RDWR) of a write-denied node fails, as on v1")
        XCTAssertTrue(allows(prog, "c", 1, 5, Self.w))
        XCTAssertFalse(allows(prog, "b", 8, 16, Self.r))
        XCTAssertTrue(allows(prog, "b", 9, 0, Self.r))
        XCTAssertTrue(allows(prog, "c", 10, 200, Self.r))
        XCTAssertFalse(allows(prog, "c", 10, 200, Self.w))
    }

    func testHolesInWildcardsAreRefused() throws {
        XCTAssertThrowsError(try DeviceFilterV2.program(for: [
            rule(false, "a"), rule(true, "c", nil, nil, "rwm"), rule(false, "c", 1, 3, "w"),
        ])) {
            XCTAssertEqual("\($0)", "unable to remove 'allow' exception: requested rule \"c 1:3 w\" not supported by "
                + "devices cgroupv1 (cannot punch hole in existing wildcard rule \"c *:* rwm\")")
        }
        XCTAssertThrowsError(try DeviceFilterV2.program(for: [
            rule(true, "a"), rule(false, "c", 1, nil, "r"), rule(true, "c", 1, 3, "rw"),
        ])) { XCTAssertTrue("\($0)".contains("unable to remove 'deny' exception"), "\($0)") }
        // No overlap in access: nothing is left behind, so it is accepted.
        let prog = try DeviceFilterV2.program(for: [
            rule(false, "a"), rule(true, "c", nil, nil, "m"), rule(false, "c", 1, 3, "rw"),
        ])
        XCTAssertTrue(allows(prog, "c", 1, 3, Self.m))
    }

    func testInvalidRules() {
        XCTAssertThrowsError(try DeviceFilterV2.program(for: [rule(true, "x")]))
        XCTAssertThrowsError(try DeviceFilterV2.program(for: [rule(true, "c", 1, 3, "rx")]))
        XCTAssertThrowsError(try DeviceFilterV2.program(for: [rule(true, "c", 1, 3, "")]))
        XCTAssertThrowsError(try DeviceFilterV2.program(for: [rule(true, "c", 1 << 32, 3)])) {
            XCTAssertEqual("\($0)", "invalid device major number 4294967296 in device cgroup rule \"c 4294967296:3 rwm\"")
        }
    }

    func testNumbersAboveInt32AreComparedUnsigned() throws {
        let big = Int64(Int32.max) + 6
        let prog = try DeviceFilterV2.program(for: [rule(false, "a"), rule(true, "c", 1, big, "r")])
        XCTAssertTrue(allows(prog, "c", 1, UInt32(big), Self.r))
        XCTAssertFalse(allows(prog, "c", 1, 5, Self.r))
        XCTAssertFalse(allows(prog, "c", 1, UInt32(big) + 1, Self.r))
    }

    func testProgramIsReproducibleAndOrderFree() throws {
        let a = [rule(false, "a"), rule(true, "c", 1, 3), rule(true, "b", 8, 0, "r"), rule(true, "c", 5, nil, "m")]
        let b = [a[0], a[3], a[1], a[2]]
        XCTAssertEqual(try DeviceFilterV2.program(for: a), try DeviceFilterV2.program(for: a))
        XCTAssertEqual(try DeviceFilterV2.program(for: a), try DeviceFilterV2.program(for: b))
        // Full rwm needs no access test: type, major, minor, verdict.
        let one = try DeviceFilterV2.program(for: [rule(false, "a"), rule(true, "c", 1, 3)])
        XCTAssertEqual(one.count, 6 + 5 + 2)
        XCTAssertEqual(one[6], Insn(code: 0x55, dst: 2, offset: 4, imm: Int32(DeviceFilterV2.devChar)))
    }

    func testApplyOnANonCgroupDirectory() throws {
        let root = NSTemporaryDirectory() + "berth-devfake-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root + "/c1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let m = try CgroupManager(cgroupsPath: "/c1", containerID: "c1",
                                  mountInfo: "29 22 0:26 / \(root) rw - cgroup2 cgroup2 rw", selfCgroup: "0::/\n")
        XCTAssertTrue(m.needsDeviceBPF)
        XCTAssertThrowsError(try m.apply(LinuxResources(devices: [rule(false, "a"), rule(true, "c", 1, 3)]))) {
            XCTAssertTrue("\($0)".hasPrefix("bpf BPF_PROG_"), "\($0)")
        }
        // Rules that deny nothing may go unenforced, as with runc.
        XCTAssertNoThrow(try m.apply(LinuxResources(devices: [rule(true, "a")])))
        XCTAssertThrowsError(try m.apply(LinuxResources(devices: [rule(true, "x")])), "invalid rules are still refused")
    }

    func testIgnorableFailures() {
        // Only when the kernel cannot be asked and nothing would be denied anyway.
        XCTAssertEqual(DeviceFilterV2.canIgnoreFailure([rule(true, "a")]), true)
        XCTAssertEqual(DeviceFilterV2.canIgnoreFailure([rule(true, "c", 1, 3, nil)]), true)
        XCTAssertEqual(DeviceFilterV2.canIgnoreFailure([rule(false, "a"), rule(true, "c", 1, 3)]),
                       DeviceFilterV2.inUserNamespace())
        XCTAssertTrue(DeviceFilterV2.isInitialUIDMap("         0          0 4294967295\n"))
        XCTAssertFalse(DeviceFilterV2.isInitialUIDMap("         0       1000          1\n"))
        XCTAssertFalse(DeviceFilterV2.isInitialUIDMap("0 0 4294967295\n0 0 1\n"))
    }
}

/// Just enough of eBPF to run what the generator emits, with the checks the verifier would
/// make: jumps stay inside the program, r0 is set before exit, the context is read in words.
enum BPFInterpreter {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ prog: [DeviceFilterV2.Instruction], context: [UInt32]) throws -> UInt64 {
        var reg = [UInt64](repeating: 0, count: 11)
        var written = Set<UInt8>([1, 10])
        var pc = 0
        var steps = 0
        while pc < prog.count {
            steps += 1
            guard steps < 100_000 else { throw Failure(description: "no exit after \(steps) steps") }
            let i = prog[pc]
            func src() throws -> UInt64 {
                if i.code & 0x08 == 0 { return UInt64(bitPattern: Int64(i.imm)) }
                guard written.contains(i.src) else { throw Failure(description: "pc \(pc): r\(i.src) read before set") }
                return reg[Int(i.src)]
            }
            guard i.dst < 11, i.src < 11 else { throw Failure(description: "pc \(pc): bad register in \(i)") }
            switch i.code {
            case 0x61:
                guard i.src == 1, i.offset >= 0, i.offset % 4 == 0, Int(i.offset) / 4 < context.count else {
                    throw Failure(description: "pc \(pc): bad context load \(i)")
                }
                reg[Int(i.dst)] = UInt64(context[Int(i.offset) / 4])
                written.insert(i.dst)
            case 0x54, 0x5c, 0x74, 0x7c, 0xb4, 0xbc:
                let s = UInt32(truncatingIfNeeded: try src())
                let d = UInt32(truncatingIfNeeded: reg[Int(i.dst)])
                if i.code & 0xf0 != 0xb0, !written.contains(i.dst) {
                    throw Failure(description: "pc \(pc): r\(i.dst) read before set")
                }
                let result: UInt32
                switch i.code & 0xf0 {
                case 0x50: result = d & s
                case 0x70: result = d >> (s & 31)
                default: result = s
                }
                reg[Int(i.dst)] = UInt64(result)
                written.insert(i.dst)
            case 0x15, 0x1d, 0x55, 0x5d:
                guard written.contains(i.dst) else { throw Failure(description: "pc \(pc): r\(i.dst) read before set") }
                let equal = reg[Int(i.dst)] == (try src())
                let target = pc + 1 + Int(i.offset)
                guard i.offset >= 0, target <= prog.count - 1 else {
                    throw Failure(description: "pc \(pc): jump out of range \(i)")
                }
                pc = (i.code & 0xf0 == 0x10) == equal ? target : pc + 1
                continue
            case 0x95:
                guard written.contains(0) else { throw Failure(description: "pc \(pc): exit with r0 unset") }
                return reg[0]
            default:
                throw Failure(description: "pc \(pc): unknown opcode \(i)")
            }
            pc += 1
        }
        throw Failure(description: "fell off the end of the program")
    }
}
