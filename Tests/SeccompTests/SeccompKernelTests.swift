import Foundation
import OCISpec
import Seccomp
import XCTest

/// Proves the exported bytes are a program the kernel accepts and enforces:
/// a python3 child installs the filter on itself with prctl(PR_SET_SECCOMP)
/// (Swift cannot fork safely) and reports what mkdir(2) returned.
final class SeccompKernelTests: XCTestCase {
    private static let installer = """
        import ctypes, os, sys
        data = open(sys.argv[1], "rb").read()
        buf = ctypes.create_string_buffer(data, len(data))
        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        prog = SockFprog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
        libc = ctypes.CDLL(None, use_errno=True)
        ul = ctypes.c_ulong
        if libc.prctl(38, ul(1), ul(0), ul(0), ul(0)) != 0:  # PR_SET_NO_NEW_PRIVS
            print("nnp-failed", ctypes.get_errno()); sys.exit(2)
        if libc.prctl(22, ul(2), ctypes.byref(prog), ul(0), ul(0)) != 0:  # PR_SET_SECCOMP, FILTER
            print("seccomp-failed", ctypes.get_errno()); sys.exit(3)
        for mode in sys.argv[3:]:
            try:
                os.mkdir(os.path.join(sys.argv[2], mode), int(mode, 8))
                print("ok")
            except OSError as e:
                print("errno", e.errno)
        """

    private var workDir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("needs /usr/bin/python3 to install the filter in a child")
        }
        workDir = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-seccomp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let workDir { try? FileManager.default.removeItem(at: workDir) }
    }

    /// Runs mkdir(<workDir>/<mode>, mode) for each mode under the filter.
    private func run(_ config: LinuxSeccomp, modes: [String]) throws -> (lines: [String], process: Foundation.Process) {
        let program = try SeccompCompiler.compile(config)
        let filterFile = workDir.appendingPathComponent("filter-\(UUID().uuidString).bpf")
        try Data(program.filter).write(to: filterFile)
        let dirs = workDir.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dirs, withIntermediateDirectories: true)

        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.installer, filterFile.path, dirs.path] + modes
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return (text.split(separator: "\n").map(String.init), process)
    }

    private func mkdirRule(_ action: String, errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil) -> [LinuxSyscall] {
        // mkdir's mode is argument 1, mkdirat's argument 2.
        let atArgs = args?.map { LinuxSeccompArg(index: $0.index + 1, value: $0.value, valueTwo: $0.valueTwo, op: $0.op) }
        return [
            LinuxSyscall(names: ["mkdir"], action: action, errnoRet: errnoRet, args: args),
            LinuxSyscall(names: ["mkdirat"], action: action, errnoRet: errnoRet, args: atArgs),
        ]
    }

    func testErrnoDefaultsToEPERM() throws {
        let result = try run(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: mkdirRule("SCMP_ACT_ERRNO", errnoRet: 1)), modes: ["755"])
        XCTAssertEqual(result.lines, ["errno \(EPERM)"])
        let implicit = try run(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: mkdirRule("SCMP_ACT_ERRNO")), modes: ["755"])
        XCTAssertEqual(implicit.lines, ["errno \(EPERM)"])
    }

    func testErrnoRetIsReturned() throws {
        let result = try run(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: mkdirRule("SCMP_ACT_ERRNO", errnoRet: 13)), modes: ["755"])
        XCTAssertEqual(result.lines, ["errno \(EACCES)"])
    }

    func testUnfilteredMkdirStillWorks() throws {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [LinuxSyscall(names: ["rmdir"], action: "SCMP_ACT_ERRNO")])
        XCTAssertEqual(try run(config, modes: ["755"]).lines, ["ok"])
    }

    func testArgumentConditions() throws {
        // Same index twice: either value matches (runc's OR split).
        let either = mkdirRule("SCMP_ACT_ERRNO", errnoRet: 13, args: [
            LinuxSeccompArg(index: 1, value: 0o700, op: "SCMP_CMP_EQ"),
            LinuxSeccompArg(index: 1, value: 0o711, op: "SCMP_CMP_EQ"),
        ])
        XCTAssertEqual(
            try run(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: either), modes: ["700", "711", "755"]).lines,
            ["errno \(EACCES)", "errno \(EACCES)", "ok"])

        // Masked equality: refuse world-writable modes.
        let worldWritable = mkdirRule("SCMP_ACT_ERRNO", args: [
            LinuxSeccompArg(index: 1, value: 0o002, valueTwo: 0o002, op: "SCMP_CMP_MASKED_EQ"),
        ])
        XCTAssertEqual(
            try run(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: worldWritable), modes: ["777", "755"]).lines,
            ["errno \(EPERM)", "ok"])
    }

    func testKillProcess() throws {
        let result = try run(LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: mkdirRule("SCMP_ACT_KILL_PROCESS")), modes: ["755"])
        XCTAssertEqual(result.lines, [])
        XCTAssertEqual(result.process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(result.process.terminationStatus, SIGSYS)
    }

    /// A real, large profile (the containers-common default) takes the
    /// binary-tree path in libseccomp and must still let python run.
    func testContainersDefaultProfile() throws {
        let path = "/usr/share/containers/seccomp.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XCTSkip("\(path) not installed")
        }
        let config = try ociProfile(fromContainersProfile: data)
        XCTAssertGreaterThan(config.syscalls?.reduce(0) { $0 + $1.names.count } ?? 0, 32)
        let program = try SeccompCompiler.compile(config)
        XCTAssertLessThanOrEqual(program.instructionCount, 4096)
        XCTAssertEqual(try run(config, modes: ["755"]).lines, ["ok"])
    }

    /// What an engine generates from the containers/moby format for an
    /// amd64 container without extra capabilities: drop the entries that
    /// need a capability or another architecture, keep the rest as is.
    private func ociProfile(fromContainersProfile data: Data) throws -> LinuxSeccomp {
        guard var root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let calls = root["syscalls"] as? [[String: Any]] else {
            throw XCTSkip("unexpected profile layout")
        }
        root["syscalls"] = calls.filter { call in
            let includes = call["includes"] as? [String: Any] ?? [:]
            if includes["caps"] != nil { return false }
            if let arches = includes["arches"] as? [String] { return arches.contains("amd64") }
            return true
        }
        root["architectures"] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        let json = try JSONSerialization.data(withJSONObject: root)
        return try JSONDecoder().decode(LinuxSeccomp.self, from: json)
    }
}
