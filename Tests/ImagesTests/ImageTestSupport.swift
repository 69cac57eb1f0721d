import Foundation
import Glibc
import XCTest
import Digest
import Images
import LinuxSys

/// Runs a command; returns its exit status and combined output.
@discardableResult
func run(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { _, n in n } }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs a command that must succeed; returns its output.
@discardableResult
func sh(_ args: String..., cwd: String? = nil) throws -> String {
    let (rc, out) = try run(args, cwd: cwd)
    if rc != 0 { throw RuntimeError("\(args.joined(separator: " ")) exited \(rc): \(out)") }
    return out
}

func makeTempDir(_ prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { throw SyscallError("mkdtemp", prefix) }
    return String(cString: p)
}

/// A file as a ByteSource that closes its descriptor when released.
final class TestFileSource: ByteSource {
    let fd: Int32
    init(_ path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SyscallError("open", path) }
    }
    deinit { close(fd) }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try sys("read", "fd \(fd)") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }
}

func fileSource(_ path: String) throws -> ByteSource { try TestFileSource(path) }

func sha256Hex(ofFile path: String) throws -> String {
    String(try sh("sha256sum", path).prefix(64))
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The busybox image from Tests/fixtures/make-busybox-image.sh, built once per process
/// into a private directory (removed at exit) with the tags latest and 1.36.
enum BusyboxFixture {
    struct Paths {
        let dir: String
        var rootfsTar: String { dir + "/busybox-rootfs.tar" }
        var dockerArchive: String { dir + "/busybox-docker-archive.tar" }
        var ociDir: String { dir + "/oci" }
        var ociTar: String { dir + "/busybox-oci.tar" }
        /// The OCI layout with containerd name annotations ("busybox:oci").
        var ociNamedTar: String { dir + "/busybox-oci-named.tar" }
        let configHex: String
        let diffIDHex: String
    }

    nonisolated(unsafe) private static var cached: Paths?
    private static let lock = Lock()

    static func get() throws -> Paths {
        try lock.with {
            if let cached { return cached }
            let dir = try makeTempDir("images-fixture")
            atexit { if let d = BusyboxFixture.cachedDir { FileIO.removeAll(d) } }
            cachedDir = dir
            let script = findScript()
            try sh("bash", script, dir, "latest", "1.36")
            let diff = try sha256Hex(ofFile: dir + "/busybox-rootfs.tar")
            let archiveList = try sh("tar", "-tf", dir + "/busybox-docker-archive.tar")
            guard let config = archiveList.split(separator: "\n").first(where: { $0.hasSuffix(".json") && $0 != "manifest.json" }) else {
                throw RuntimeError("no config in the fixture archive: \(archiveList)")
            }
            try sh("tar", "-C", dir + "/oci", "-cf", dir + "/busybox-oci.tar", ".")
            // A copy whose index names the image the way containerd and Docker 25 do.
            let named = dir + "/oci-named"
            try sh("cp", "-a", dir + "/oci", named)
            var index = try String(contentsOfFile: named + "/index.json", encoding: .utf8)
            index = index.replacingOccurrences(of: "\"org.opencontainers.image.ref.name\":\"latest\"",
                                               with: "\"org.opencontainers.image.ref.name\":\"oci\",\"io.containerd.image.name\":\"docker.io/library/busybox:oci\"")
            try index.write(toFile: named + "/index.json", atomically: true, encoding: .utf8)
            try sh("tar", "-C", named, "-czf", dir + "/busybox-oci-named.tar", ".")
            let p = Paths(dir: dir, configHex: String(config.dropLast(5)), diffIDHex: diff)
            cached = p
            return p
        }
    }

    nonisolated(unsafe) static var cachedDir: String?

    private static func findScript() -> String {
        // Tests/ImagesTests/<file> → Tests/fixtures/make-busybox-image.sh
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let local = here.appendingPathComponent("fixtures/make-busybox-image.sh").path
        return FileManager.default.fileExists(atPath: local) ? local : "/work/main/Tests/fixtures/make-busybox-image.sh"
    }
}

/// A fresh store root per test, removed afterwards (unmounting anything a test mounted).
class ImageStoreTestCase: XCTestCase {
    var root = ""
    var mounts: [String] = []

    override func setUpWithError() throws {
        root = try makeTempDir("images-test")
    }

    override func tearDown() {
        for m in mounts.reversed() { umount2(m, Int32(MNT_DETACH)) }
        mounts = []
        if !root.isEmpty { FileIO.removeAll(root) }
    }

    /// `durable: false` skips the syncfs after each layer: it only matters for power loss,
    /// and on a disk busy with other builds it costs seconds per layer. The load/save tests
    /// keep it on, so the production path runs too.
    func openStore(_ sub: String = "store", durable: Bool = false) throws -> ImageStore {
        let store = try ImageStore(root: root + "/" + sub)
        store.layers.durable = durable
        return store
    }

    func load(_ store: ImageStore, _ path: String) throws -> [LoadedImage] {
        try store.load(from: try fileSource(path))
    }

    nonisolated(unsafe) static let noUsers: ImageUsers = { _ in [] }
}
