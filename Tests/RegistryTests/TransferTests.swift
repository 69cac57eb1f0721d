import Digest
import Foundation
import Images
import LinuxSys
import XCTest
@testable import Registry

/// Blob downloads and uploads against TestServer playing the registry: resumed downloads,
/// chunked uploads resumed or restarted, mounts, and tokens asked for several scopes.
final class TransferTests: XCTestCase {
    var dir = ""
    var server: TestServer?

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "berth-registry-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server?.stop()
        server = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    func start(_ handler: @escaping @Sendable (TestServer.Request) -> TestServer.Reply) throws -> RegistryClient {
        let s = try TestServer(handler)
        server = s
        return try RegistryClient(domain: "127.0.0.1:\(s.port)")
    }

    func fetch(_ client: RegistryClient, _ blob: [UInt8]) throws -> SpooledFile {
        let store = try ContentStore(root: dir + "/content")
        let d = Descriptor(mediaType: MediaType.ociLayer, digest: Digest.sha256(of: blob), size: Int64(blob.count))
        return try client.fetchBlob(repository: "r", descriptor: d, into: store)
    }

    func contents(_ file: SpooledFile) throws -> [UInt8] {
        let src = try file.open()
        return try src.readAll(limit: 16 << 20)
    }

    /// The first answer breaks after half the blob; the second request asks for the rest.
    func testFetchBlobResumesWithRange() throws {
        let blob = randomBytes(300_000), half = 150_000
        let calls = Counter()
        let client = try start { req in
            guard req.method == "GET", req.path.hasPrefix("/v2/r/blobs/sha256:") else { return .init(status: 404) }
            if calls.next() == 0 { return .init(status: 200, body: blob, cutAfter: half) }
            guard let r = req.header("range"), r.hasPrefix("bytes="), let from = Int(r.dropFirst(6).dropLast()) else {
                return .init(status: 200, body: blob)
            }
            return .init(status: 206, headers: [("Content-Range", "bytes \(from)-\(blob.count - 1)/\(blob.count)")], body: Array(blob[from...]))
        }
        let file = try fetch(client, blob)
        defer { file.discard() }
        let reqs = server?.requests ?? []
        XCTAssertEqual(reqs.count, 2)
        XCTAssertNil(reqs.first?.header("range"))
        XCTAssertEqual(reqs.last?.header("range"), "bytes=\(half)-")
        XCTAssertEqual(file.digest, Digest.sha256(of: blob))
        XCTAssertEqual(file.size, Int64(blob.count))
        XCTAssertEqual(try contents(file), blob)
    }

    /// A registry that ignores Range sends the whole blob again: the bytes already written are skipped.
    func testFetchBlobSkipsWhatItHasWhenRangeIsIgnored() throws {
        let blob = randomBytes(200_000)
        let calls = Counter()
        let client = try start { _ in
            calls.next() == 0 ? .init(status: 200, body: blob, cutAfter: 70_001) : .init(status: 200, body: blob)
        }
        let file = try fetch(client, blob)
        defer { file.discard() }
        XCTAssertEqual(server?.requests.last?.header("range"), "bytes=70001-")
        XCTAssertEqual(server?.requests.count, 2)
        XCTAssertEqual(file.digest, Digest.sha256(of: blob))
        XCTAssertEqual(try contents(file), blob)
    }

    /// A registry whose answers always break: the pull gives up with a transport error after its attempts.
    func testFetchBlobGivesUpAfterItsAttempts() throws {
        let blob = randomBytes(10_000)
        let client = try start { _ in .init(status: 200, body: blob, cutAfter: 10) }
        let store = try ContentStore(root: dir + "/content")
        let d = Descriptor(mediaType: MediaType.ociLayer, digest: Digest.sha256(of: blob), size: Int64(blob.count))
        XCTAssertThrowsError(try client.fetchBlob(repository: "r", descriptor: d, into: store, attempts: 2)) { e in
            guard case RegistryError.transport = e else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(server?.requests.count, 2)
    }

    /// A registry's upload endpoint: sessions hold the bytes PATCHed so far; `cutPatch` is the
    /// PATCH (counted from 0) whose connection breaks after half its chunk was stored; `progress`
    /// answers the GET of a session (false: 404, the session is gone).
    final class UploadRegistry: @unchecked Sendable {
        let lock = NSLock()
        var sessions: [Int: [UInt8]] = [:]
        var next = 0, patches = 0
        var committed: [UInt8]?
        let cutPatch: Int?, progress: Bool

        init(cutPatch: Int?, progress: Bool) { self.cutPatch = cutPatch; self.progress = progress }

        func handle(_ req: TestServer.Request) -> TestServer.Reply {
            lock.lock()
            defer { lock.unlock() }
            if req.method == "POST" && req.path == "/v2/r/blobs/uploads/" {
                next += 1
                sessions[next] = []
                return .init(status: 202, headers: [("Location", "/v2/r/blobs/uploads/s\(next)?_state=0")])
            }
            guard req.path.hasPrefix("/v2/r/blobs/uploads/s"), let id = Int(req.path.dropFirst("/v2/r/blobs/uploads/s".count)),
                  let have = sessions[id] else { return .init(status: 404) }
            switch req.method {
            case "PATCH":
                guard req.header("content-type") == "application/octet-stream",
                      req.header("content-range") == "\(have.count)-\(have.count + req.body.count - 1)" else { return .init(status: 416) }
                defer { patches += 1 }
                if patches == cutPatch {
                    sessions[id] = have + req.body.prefix(req.body.count / 2)
                    return .drop()
                }
                sessions[id] = have + req.body
                return .init(status: 202, headers: [("Location", "s\(id)?_state=\(have.count + req.body.count)"),
                                                    ("Range", "0-\(have.count + req.body.count - 1)")])
            case "GET":
                guard progress else { return .init(status: 404) }
                return .init(status: 204, headers: [("Location", "/v2/r/blobs/uploads/s\(id)?_state=\(have.count)"), ("Range", "0-\(have.count - 1)")])
            case "PUT":
                let data = have + req.body
                guard req.query("digest").first == Digest.sha256(of: data).encoded else { return .init(status: 400) }
                committed = data
                return .init(status: 201)
            default:
                return .init(status: 405)
            }
        }
    }

    func upload(_ blob: [UInt8], chunk: Int64, registry: UploadRegistry) throws -> [TestServer.Request] {
        let client = try start { registry.handle($0) }
        try client.uploadBlob(repository: "r", digest: Digest.sha256(of: blob), size: Int64(blob.count), chunkSize: chunk) {
            (offset: Int64) throws(RegistryError) -> ByteSource in BytesSource(Array(blob[Int(offset)...]))
        }
        XCTAssertEqual(registry.committed, blob)
        return server?.requests ?? []
    }

    func testChunkedUploadPatchesEachChunk() throws {
        let blob = randomBytes(250_000)
        let reqs = try upload(blob, chunk: 100_000, registry: UploadRegistry(cutPatch: nil, progress: true))
        XCTAssertEqual(reqs.map(\.method), ["POST", "PATCH", "PATCH", "PATCH", "PUT"])
        XCTAssertEqual(reqs.compactMap { $0.header("content-range") }, ["0-99999", "100000-199999", "200000-249999"])
        XCTAssertEqual(reqs.map(\.path).dropFirst(2).first, "/v2/r/blobs/uploads/s1", "each PATCH goes where the last 202 said")
        XCTAssertEqual(reqs.last?.body.count, 0, "the closing PUT carries no bytes")
        // No larger than a chunk: one PUT, as before.
        let small = randomBytes(1000)
        server?.stop()
        let once = try upload(small, chunk: 100_000, registry: UploadRegistry(cutPatch: nil, progress: true))
        XCTAssertEqual(once.map(\.method), ["POST", "PUT"])
        XCTAssertEqual(once.last?.body, small)
    }

    /// The second PATCH breaks after half its chunk reached the registry: the client asks where
    /// the upload stands and sends the rest from there, in the same session.
    func testChunkedUploadResumesFromTheRegistrysRange() throws {
        let blob = randomBytes(250_000)
        let reqs = try upload(blob, chunk: 100_000, registry: UploadRegistry(cutPatch: 1, progress: true))
        XCTAssertEqual(reqs.map(\.method), ["POST", "PATCH", "PATCH", "GET", "PATCH", "PUT"])
        XCTAssertEqual(reqs.compactMap { $0.header("content-range") }, ["0-99999", "100000-199999", "150000-249999"],
                       "resumed at the 150000 bytes the registry holds")
        XCTAssertEqual(Set(reqs.map(\.path)).count, 2, "one session: the POST's path and the session's")
    }

    /// When the registry cannot say where the upload stands, it starts over in a new session.
    func testChunkedUploadRestartsWhenProgressIsUnknown() throws {
        let blob = randomBytes(250_000)
        let reqs = try upload(blob, chunk: 100_000, registry: UploadRegistry(cutPatch: 1, progress: false))
        XCTAssertEqual(reqs.map(\.method), ["POST", "PATCH", "PATCH", "GET", "POST", "PATCH", "PATCH", "PATCH", "PUT"])
        XCTAssertEqual(reqs.last?.path, "/v2/r/blobs/uploads/s2")
    }

    /// `?mount=&from=`: 201 is a mount, 202 a session to upload to. With token auth, the token
    /// is asked for push on the target and pull on the source, as two scope parameters.
    func testMountAsksTokenForBothRepositories() throws {
        let blob = Digest.sha256(of: Array("layer".utf8))
        let box = PortBox()
        let client = try start { req in
            if req.path == "/token" {
                let granted = req.query("scope").contains("repository:b/y:pull,push")
                return .init(status: 200, body: Array(#"{"token":"\#(granted ? "good" : "bad")"}"#.utf8))
            }
            guard req.header("authorization") == "Bearer good" else {
                let realm = "http://127.0.0.1:\(box.port)/token"
                return .init(status: 401, headers: [("WWW-Authenticate", #"Bearer realm="\#(realm)",service="reg",scope="repository:b/y:pull,push""#)])
            }
            if req.query("from") == ["a/x"] && req.query("mount") == [blob.encoded] { return .init(status: 201) }
            return .init(status: 202, headers: [("Location", "/v2/b/y/blobs/uploads/u1")])
        }
        box.port = server?.port ?? 0
        XCTAssertEqual(try client.startUpload(repository: "b/y", digest: blob, mountFrom: "a/x"), .mounted)
        let token = server?.requests.first { $0.path == "/token" }
        XCTAssertEqual(token?.query("service"), ["reg"])
        XCTAssertEqual(token?.query("scope"), ["repository:b/y:pull,push", "repository:a/x:pull"])
        XCTAssertEqual(try client.startUpload(repository: "b/y", digest: blob, mountFrom: "c/z"),
                       .session(HTTPURL(host: "127.0.0.1", port: box.port, target: "/v2/b/y/blobs/uploads/u1")))
        let posts = server?.requests.filter { $0.method == "POST" } ?? []
        XCTAssertEqual(posts.first?.target, "/v2/b/y/blobs/uploads/?mount=\(blob.encoded.replacingOccurrences(of: ":", with: "%3A"))&from=a%2Fx")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    /// The count before this call.
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n - 1 }
}

final class PortBox: @unchecked Sendable {
    var port: UInt16 = 0
}
