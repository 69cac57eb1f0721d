import OCISpec

/// Device access control on cgroup v2, which has no devices.allow: the kernel asks every
/// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup, and allows an access only
/// if each returns 1. This file turns OCI rules into such a program without touching the
/// kernel (so it is testable unprivileged); DeviceFilterV2Attach.swift loads and attaches it.
public enum DeviceFilterV2 {
    /// One eBPF instruction, the fields of the kernel's struct bpf_insn.
    public struct Instruction: Equatable, Sendable, CustomStringConvertible {
        public var code: UInt8
        public var dst: UInt8
        public var src: UInt8
        public var offset: Int16
        public var imm: Int32

        public init(code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, imm: Int32 = 0) {
            self.code = code
            self.dst = dst
            self.src = src
            self.offset = offset
            self.imm = imm
        }

        public var description: String { "{code 0x\(String(code, radix: 16)) r\(dst) r\(src) off \(offset) imm \(imm)}" }
    }

    /// Given to BPF_PROG_LOAD; the kernel's MODULE_LICENSE spelling.
    public static let license = "Apache"

    // Values from <linux/bpf.h>: struct bpf_cgroup_dev_ctx packs the device type into the
    // low 16 bits of access_type and the requested access into the high 16 bits.
    public static let devBlock: UInt32 = 1          // BPF_DEVCG_DEV_BLOCK
    public static let devChar: UInt32 = 2           // BPF_DEVCG_DEV_CHAR
    public static let accessMknod: UInt32 = 1       // BPF_DEVCG_ACC_MKNOD
    public static let accessRead: UInt32 = 2        // BPF_DEVCG_ACC_READ
    public static let accessWrite: UInt32 = 4       // BPF_DEVCG_ACC_WRITE
    static let accessAll = UInt8(accessMknod | accessRead | accessWrite)

    /// The filter for `rules` taken in order, with the meaning cgroup v1's devices.allow and
    /// devices.deny would give them (runc's devices emulator): an "a" rule resets to allow-all
    /// or deny-all, other rules add or remove exceptions, so a later rule overrides an earlier
    /// one. Before the first rule everything is denied.
    public static func program(for rules: [LinuxDeviceCgroup]) throws -> [Instruction] {
        var set = DeviceRuleSet()
        for rule in rules { try set.apply(rule) }
        return generate(set)
    }

    static func generate(_ set: DeviceRuleSet) -> [Instruction] {
        var out: [Instruction] = [
            // r2 = device type, r3 = requested access, r4 = major, r5 = minor.
            .loadWord(dst: 2, offset: 0), .and32(dst: 2, imm: 0xFFFF),
            .loadWord(dst: 3, offset: 0), .rsh32(dst: 3, imm: 16),
            .loadWord(dst: 4, offset: 4),
            .loadWord(dst: 5, offset: 8),
        ]
        // Every exception has the same verdict, the opposite of the default, so the order in
        // which they are tested does not matter; sorting keeps the program reproducible.
        for (key, access) in set.exceptions.sorted(by: { $0.key < $1.key }) {
            out += block(key, access, verdict: !set.defaultAllow)
        }
        out += [.mov32(dst: 0, imm: set.defaultAllow ? 1 : 0), .exit]
        return out
    }

    /// Returns `verdict` if the access matches this exception, else falls through to the
    /// next block; every jump is forward to the block's end.
    static func block(_ key: DeviceRuleSet.Key, _ access: UInt8, verdict: Bool) -> [Instruction] {
        // Jumps are recorded with a placeholder offset and patched once the length is known.
        var body: [Instruction] = [.jneImm(dst: 2, imm: Int32(key.type))]
        if access != accessAll {
            body += [.mov32Reg(dst: 1, src: 3), .and32(dst: 1, imm: Int32(access))]
            if verdict {
                // An allow exception must grant every requested bit (v1 match_exception).
                body.append(.jneReg(dst: 1, src: 3))
            } else {
                // A deny exception applies as soon as one requested bit is denied
                // (v1 match_exception_partial): open(O_RDWR) of a "w"-denied node fails.
                body.append(.jeqImm(dst: 1, imm: 0))
            }
        }
        for (register, number) in [(UInt8(4), key.major), (UInt8(5), key.minor)] where number >= 0 {
            if number <= Int64(Int32.max) {
                body.append(.jneImm(dst: register, imm: Int32(number)))
            } else {
                // A jump immediate is sign-extended to 64 bits, while the register holds the
                // zero-extended u32; a 32-bit move zero-extends too, so compare registers.
                body += [.mov32(dst: 1, imm: Int32(truncatingIfNeeded: number)), .jneReg(dst: register, src: 1)]
            }
        }
        body += [.mov32(dst: 0, imm: verdict ? 1 : 0), .exit]
        let end = body.count
        for i in body.indices where body[i].isConditionalJump {
            body[i].offset = Int16(end - i - 1)
        }
        return body
    }
}

/// The state a cgroup v1 devices controller would be in after the rules, as runc's emulator
/// models it: a default and a list of exceptions to it, keyed by (type, major, minor).
struct DeviceRuleSet {
    struct Key: Hashable, Comparable {
        var type: UInt32     // BPF_DEVCG_DEV_*
        var major: Int64     // -1: any
        var minor: Int64     // -1: any

        static func < (a: Key, b: Key) -> Bool {
            (a.major, a.minor, a.type) < (b.major, b.minor, b.type)
        }
    }

    var defaultAllow = false
    var exceptions: [Key: UInt8] = [:]

    var isAllowAll: Bool { defaultAllow && exceptions.isEmpty }

    mutating func apply(_ rule: LinuxDeviceCgroup) throws {
        let line = try V1.deviceRuleLine(rule)
        let type = rule.type ?? "a"
        if type == "a" {
            // The kernel ignores numbers and access on "a": it resets the whole list.
            self = DeviceRuleSet(defaultAllow: rule.allow, exceptions: [:])
            return
        }
        func number(_ n: Int64?, _ what: String) throws -> Int64 {
            guard let n, n >= 0 else { return -1 }
            guard n <= Int64(UInt32.max) else {
                throw CgroupError("invalid device \(what) number \(n) in device cgroup rule \"\(line)\"")
            }
            return n
        }
        let key = Key(type: type == "b" ? DeviceFilterV2.devBlock : DeviceFilterV2.devChar,
                      major: try number(rule.major, "major"), minor: try number(rule.minor, "minor"))
        let access = Self.accessBits(rule.access ?? "rwm")
        if rule.allow == defaultAllow {
            // Agreeing with the default removes an exception.
            do {
                try remove(key, access, line: line)
            } catch let e as CgroupError {
                throw CgroupError("unable to remove '\(defaultAllow ? "deny" : "allow")' exception: \(e)")
            }
        } else {
            exceptions[key, default: 0] |= access
        }
    }

    /// v1 removes only the exception with exactly this key and silently keeps a wildcard one
    /// that also covers the device, which would leave access the rules meant to take away;
    /// refuse that instead, as runc does.
    mutating func remove(_ key: Key, _ access: UInt8, line: String) throws {
        let wider = [
            Key(type: key.type, major: -1, minor: key.minor),
            Key(type: key.type, major: key.major, minor: -1),
            Key(type: key.type, major: -1, minor: -1),
        ]
        for w in wider where w != key {
            guard let held = exceptions[w], held & access != 0 else { continue }
            throw CgroupError("requested rule \"\(line)\" not supported by devices cgroupv1 "
                + "(cannot punch hole in existing wildcard rule \"\(Self.describe(w, held))\")")
        }
        guard let held = exceptions[key] else { return }
        let left = held & ~access
        exceptions[key] = left == 0 ? nil : left
    }

    static func accessBits(_ s: String) -> UInt8 {
        var bits: UInt8 = 0
        for c in s {
            switch c {
            case "r": bits |= UInt8(DeviceFilterV2.accessRead)
            case "w": bits |= UInt8(DeviceFilterV2.accessWrite)
            case "m": bits |= UInt8(DeviceFilterV2.accessMknod)
            default: break  // rejected by V1.deviceRuleLine before we get here
            }
        }
        return bits
    }

    static func describe(_ key: Key, _ access: UInt8) -> String {
        func n(_ v: Int64) -> String { v < 0 ? "*" : String(v) }
        var a = ""
        if access & UInt8(DeviceFilterV2.accessRead) != 0 { a += "r" }
        if access & UInt8(DeviceFilterV2.accessWrite) != 0 { a += "w" }
        if access & UInt8(DeviceFilterV2.accessMknod) != 0 { a += "m" }
        return "\(key.type == DeviceFilterV2.devBlock ? "b" : "c") \(n(key.major)):\(n(key.minor)) \(a)"
    }
}

// Encodings from <linux/bpf_common.h> and <linux/bpf.h>.
extension DeviceFilterV2.Instruction {
    static let classLDX: UInt8 = 0x01, classJMP: UInt8 = 0x05, classALU: UInt8 = 0x04
    static let sizeW: UInt8 = 0x00, modeMEM: UInt8 = 0x60
    static let srcK: UInt8 = 0x00, srcX: UInt8 = 0x08
    static let opAND: UInt8 = 0x50, opRSH: UInt8 = 0x70, opMOV: UInt8 = 0xb0
    static let opJEQ: UInt8 = 0x10, opJNE: UInt8 = 0x50, opEXIT: UInt8 = 0x90

    static func loadWord(dst: UInt8, offset: Int16) -> Self {
        Self(code: classLDX | sizeW | modeMEM, dst: dst, src: 1, offset: offset)
    }
    static func and32(dst: UInt8, imm: Int32) -> Self { Self(code: classALU | opAND | srcK, dst: dst, imm: imm) }
    static func rsh32(dst: UInt8, imm: Int32) -> Self { Self(code: classALU | opRSH | srcK, dst: dst, imm: imm) }
    static func mov32(dst: UInt8, imm: Int32) -> Self { Self(code: classALU | opMOV | srcK, dst: dst, imm: imm) }
    static func mov32Reg(dst: UInt8, src: UInt8) -> Self { Self(code: classALU | opMOV | srcX, dst: dst, src: src) }
    static func jneImm(dst: UInt8, imm: Int32) -> Self { Self(code: classJMP | opJNE | srcK, dst: dst, imm: imm) }
    static func jneReg(dst: UInt8, src: UInt8) -> Self { Self(code: classJMP | opJNE | srcX, dst: dst, src: src) }
    static func jeqImm(dst: UInt8, imm: Int32) -> Self { Self(code: classJMP | opJEQ | srcK, dst: dst, imm: imm) }
    static let exit = Self(code: classJMP | opEXIT)

    var isConditionalJump: Bool {
        code & 0x07 == Self.classJMP && (code & 0xf0 == Self.opJNE || code & 0xf0 == Self.opJEQ)
    }
}
