import Archive
import Glibc
import HTTP
import JSON
import LinuxSys
import XCTest
@testable import CLICore

/// `berth cp` both ways against archive endpoints that serve and take real tar streams.
final class CopyTests: XCTestCase {
    private var daemon: CannedDaemon!
    private var work = ""
    private let uploads = Uploads()

    final class Uploads: @unchecked Sendable {
        let lock = Lock()
        var items: [(path: String, names: [String], contents: [String: String])] = []
    }

    /// The container's files: `/etc` (a directory with a.txt and sub/b.txt) and `/etc/a.txt`.
    static func archive(for path: String) throws -> (stat: String, tar: [UInt8])? {
        let sink = BytesSink()
        let w = TarWriter(sink)
        let isDir: Bool
        switch path {
        case "/etc", "/etc/", "/etc/.":
            isDir = true
            try w.writeHeader(TarEntry(name: "etc", kind: .directory, mode: 0o755))
            try w.writeHeader(TarEntry(name: "etc/a.txt", kind: .file, size: 6))
            try w.writeContent(Array("hello\n".utf8))
            try w.writeHeader(TarEntry(name: "etc/sub", kind: .directory, mode: 0o755))
            try w.writeHeader(TarEntry(name: "etc/sub/b.txt", kind: .file, size: 5))
            try w.writeContent(Array("deep\n".utf8))
        case "/etc/a.txt":
            isDir = false
            try w.writeHeader(TarEntry(name: "a.txt", kind: .file, size: 6))
            try w.writeContent(Array("hello\n".utf8))
        default:
            return nil
        }
        try w.finish()
        let name = isDir ? "etc" : "a.txt"
        let mode = isDir ? (UInt32(1) << 31) | 0o755 : 0o644
        let json = #"{"name":"\#(name)","size":6,"mode":\#(mode),"mtime":"2024-05-01T10:20:30Z","linkTarget":""}"#
        return (base64(Array(json.utf8)), sink.bytes)
    }

    static func base64(_ b: [UInt8]) -> String {
        let a = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            let n = min(3, b.count - i)
            var v = UInt32(b[i]) << 16
            if n > 1 { v |= UInt32(b[i + 1]) << 8 }
            if n > 2 { v |= UInt32(b[i + 2]) }
            for k in 0..<4 { out.append(k <= n ? a[Int(v >> UInt32(18 - 6 * k) & 63)] : UInt8(ascii: "=")) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    override func setUpWithError() throws {
        var template = Array("/tmp/berth-cp-XXXXXX".utf8CString)
        guard let d = mkdtemp(&template) else { throw RuntimeError("mkdtemp failed") }
        work = String(cString: d)
        let uploads = self.uploads
        daemon = try CannedDaemon { r in
            let stat: @Sendable (HTTPRequest) throws -> HTTPResponse = { req in
                guard let a = try Self.archive(for: req.query("path") ?? "") else {
                    throw HTTPError(status: 404, message: "Could not find the file \(req.query("path") ?? "") in container web")
                }
                var h: HTTPHeaders = ["X-Docker-Container-Path-Stat": a.stat, "Content-Type": "application/x-tar"]
                if req.method == "HEAD" { return HTTPResponse(status: 200, headers: h, body: .bytes([])) }
                h.set("Content-Type", "application/x-tar")
                return HTTPResponse(status: 200, headers: h, body: .bytes(a.tar))
            }
            r.get("/containers/{id}/archive", stat)
            r.head("/containers/{id}/archive", stat)
            r.put("/containers/{id}/archive") { req in
                let reader = TarReader(BytesSource(req.body))
                var names: [String] = [], contents: [String: String] = [:]
                while let e = try reader.next() {
                    names.append(e.name)
                    if e.kind == .file { contents[e.name] = String(decoding: try reader.readAll(), as: UTF8.self) }
                }
                uploads.lock.with { uploads.items.append((req.query("path") ?? "", names, contents)) }
                return HTTPResponse(status: 200)
            }
        }
    }

    override func tearDown() {
        daemon?.stop()
        FileIO.removeAll(work)
    }

    private func berth(_ args: [String]) -> (String, Int32) {
        let r = DockerGoldenTests.berth(args, host: daemon.host)
        return (r.stderr, r.status)
    }

    func testFromContainer() throws {
        try FileIO.mkdirAll(work + "/existing")
        XCTAssertEqual(berth(["cp", "web:/etc/a.txt", work + "/renamed.txt"]).1, 0)
        XCTAssertEqual(try FileIO.readString(work + "/renamed.txt"), "hello\n")
        XCTAssertEqual(berth(["cp", "web:/etc", work + "/existing"]).1, 0)
        XCTAssertEqual(try FileIO.readString(work + "/existing/etc/sub/b.txt"), "deep\n")
        // A missing destination takes the source directory's place under its own name.
        XCTAssertEqual(berth(["cp", "web:/etc", work + "/copy"]).1, 0)
        XCTAssertEqual(try FileIO.readString(work + "/copy/a.txt"), "hello\n")
        // `/.` copies the contents into the existing directory.
        XCTAssertEqual(berth(["cp", "web:/etc/.", work + "/existing"]).1, 0)
        XCTAssertEqual(try FileIO.readString(work + "/existing/sub/b.txt"), "deep\n")
        XCTAssertEqual(berth(["cp", "web:/etc", work + "/renamed.txt"]).0, "cannot copy directory\n")
        XCTAssertEqual(berth(["cp", "web:/etc/a.txt", work + "/nodir/"]).0, "no such directory\n")
        XCTAssertEqual(berth(["cp", "web:/nope", work]).0, "Error response from daemon: Could not find the file /nope in container web\n")
    }

    func testToContainer() throws {
        try FileIO.mkdirAll(work + "/ldir/in")
        try FileIO.writeAtomic(work + "/ldir/in/y", Array("why\n".utf8), durable: false)
        try FileIO.writeAtomic(work + "/l.txt", Array("local\n".utf8), durable: false)
        XCTAssertEqual(berth(["cp", work + "/ldir", "web:/etc"]).1, 0)
        XCTAssertEqual(berth(["cp", work + "/l.txt", "web:/etc/a.txt"]).1, 0)
        XCTAssertEqual(berth(["cp", work + "/ldir", "web:/newdir"]).1, 0)
        let items = uploads.lock.with { uploads.items }
        XCTAssertEqual(items.count, 3)
        XCTAssertEqual(items[0].path, "/etc")
        XCTAssertEqual(items[0].names, ["ldir/", "ldir/in/", "ldir/in/y"])
        XCTAssertEqual(items[0].contents["ldir/in/y"], "why\n")
        XCTAssertEqual(items[1].path, "/etc", "an existing file is replaced from its directory")
        XCTAssertEqual(items[1].names, ["a.txt"])
        XCTAssertEqual(items[1].contents["a.txt"], "local\n")
        XCTAssertEqual(items[2].path, "/")
        XCTAssertEqual(items[2].names, ["newdir/", "newdir/in/", "newdir/in/y"])
        XCTAssertEqual(berth(["cp", work + "/ldir", "web:/etc/a.txt"]).0, "cannot copy directory\n")
        XCTAssertEqual(berth(["cp", "a", "b"]).0, "must specify at least one container source\n")
    }
}
