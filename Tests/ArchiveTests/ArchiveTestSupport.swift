import CLinux
import Glibc
import LinuxSys
import XCTest
@testable import Archive

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A private temporary directory per test, removed (after unmounting anything the test
/// mounted in it) even when the test fails.
class ArchiveTestCase: XCTestCase {
    var tmp = ""
    private var mounts: [String] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        var template = Array("/tmp/berth-archive-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestFailure("mkdtemp: \(Errno.describe(errno))") }
        tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    override func tearDown() {
        for m in mounts.reversed() { _ = berth_umount2(m, Int32(MNT_DETACH)) }
        mounts.removeAll()
        if !tmp.isEmpty { FileIO.removeAll(tmp) }
        super.tearDown()
    }

    func dir(_ rel: String) throws -> String {
        let p = tmp + "/" + rel
        try FileIO.mkdirAll(p)
        return p
    }

    func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        try write(path, Array(text.utf8), mode: mode)
    }

    func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
        try FileIO.mkdirAll(FileIO.parent(of: path))
        let fd = try sys("open", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        defer { close(fd) }
        try FileIO.writeAll(fd: fd, bytes)
        try sys("chmod", path) { fchmod(fd, mode) }
    }

    func read(_ path: String) throws -> String { try FileIO.readString(path) }

    func lstatOf(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    func exists(_ path: String) -> Bool { lstatOf(path) != nil }

    /// Runs a shell command; throws with its output when it fails.
    @discardableResult
    func sh(_ command: String) throws -> String {
        let r = try spawn(["/bin/sh", "-c", command])
        guard r.status == 0 else { throw TestFailure("`\(command)` exited \(r.status): \(r.stderr)\(r.stdout)") }
        return r.stdout
    }

    /// posix_spawn + waitpid, output through files in the test's directory.
    func spawn(_ argv: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = tmp + "/.spawn.out", err = tmp + "/.spawn.err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = berth_spawn_addclosefrom(&actions, 3)
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cargs, environ)
        guard rc == 0 else { throw TestFailure("posix_spawn \(argv[0]): \(Errno.describe(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) != 0 ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        defer { unlink(out); unlink(err) }
        return (code, (try? read(out)) ?? "", (try? read(err)) ?? "")
    }

    /// Mounts an overlay of `lowers` (top first) on `target`, unmounted in tearDown.
    func mountOverlay(lowers: [String], upper: String? = nil, work: String? = nil, on target: String) throws {
        var opts = "lowerdir=" + lowers.joined(separator: ":")
        if let upper, let work { opts += ",upperdir=\(upper),workdir=\(work)" }
        try sys("mount", "overlay on \(target)") { berth_mount("overlay", target, "overlay", 0, opts) }
        mounts.append(target)
    }

    func unmount(_ target: String) throws {
        try sys("umount", target) { berth_umount2(target, 0) }
        mounts.removeAll { $0 == target }
    }

    func setXattr(_ path: String, _ name: String, _ value: [UInt8]) throws {
        try sys("lsetxattr", "\(name) on \(path)") { value.withUnsafeBytes { lsetxattr(path, name, $0.baseAddress, $0.count, 0) } }
    }

    func getXattr(_ path: String, _ name: String) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, $0.count) }
        return n < 0 ? nil : Array(buf[0..<n])
    }

    /// Runs a whole archive through TarReader: every entry with its content.
    func readAll(_ src: ByteSource) throws -> [(entry: TarEntry, content: [UInt8])] {
        let reader = TarReader(src)
        var out: [(TarEntry, [UInt8])] = []
        while let e = try reader.next() { out.append((e, try reader.readAll())) }
        return out
    }

    func fileSource(_ path: String) throws -> (FDSource, Int32) {
        let fd = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        return (FDSource(fd: fd), fd)
    }

    /// Writes into a file through a sink; the closure gets the sink.
    func withFileSink(_ path: String, _ body: (ByteSink) throws -> Void) throws {
        let fd = try sys("open", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        try body(FDSink(fd: fd))
    }

    func assertThrows(_ kind: ArchiveError.Kind, containing text: String = "", file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an ArchiveError \(kind)", file: file, line: line)
        } catch let e as ArchiveError {
            XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
            XCTAssertTrue(text.isEmpty || e.message.contains(text), "\"\(e.message)\" lacks \"\(text)\"", file: file, line: line)
        } catch {
            XCTFail("expected an ArchiveError \(kind), got \(error)", file: file, line: line)
        }
    }
}

/// Builds a tar in memory from entries; file content is given with the entry.
func tar(_ entries: [(TarEntry, String)]) throws -> [UInt8] {
    let out = BytesSink()
    let w = TarWriter(out, subsecondTimes: true)
    for (var e, content) in entries {
        if e.kind == .file { e.size = Int64(content.utf8.count) }
        try w.writeHeader(e)
        if e.kind == .file { try w.writeContent(Array(content.utf8)) }
    }
    try w.finish()
    return out.bytes
}

func file(_ name: String, _ content: String = "", mode: UInt32 = 0o644) -> (TarEntry, String) {
    (TarEntry(name: name, kind: .file, mode: mode, mtime: TarTime(seconds: 1_000_000_000)), content)
}

func entry(_ name: String, _ kind: TarEntry.Kind, link: String = "", mode: UInt32 = 0o755) -> (TarEntry, String) {
    (TarEntry(name: name, kind: kind, mode: mode, mtime: TarTime(seconds: 1_000_000_000), linkName: link), "")
}
