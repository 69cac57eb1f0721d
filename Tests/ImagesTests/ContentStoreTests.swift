import Foundation
import XCTest
import Digest
import Images
import LinuxSys

final class ContentStoreTests: ImageStoreTestCase {
    func testIngestOpenSizeDelete() throws {
        let store = try ContentStore(root: root + "/c")
        let data = bytes("hello, blobs")
        let d = Digest.sha256(of: data)
        let r = try store.ingest(from: BytesSource(data), expected: d, size: Int64(data.count))
        XCTAssertEqual(r, ContentStore.Ingested(digest: d, size: Int64(data.count), created: true))
        XCTAssertTrue(store.has(d))
        XCTAssertEqual(try store.size(d), Int64(data.count))
        XCTAssertEqual(try store.read(d), data)
        XCTAssertEqual(try store.open(d).readAll(), data)
        XCTAssertEqual(try store.list(), [d])
        XCTAssertEqual(try FileIO.read(path: root + "/c/blobs/sha256/" + d.hex), data)
        XCTAssertFalse(try store.ingest(bytes: data).created, "the second ingest finds it there")
        try store.delete(d)
        XCTAssertFalse(store.has(d))
        XCTAssertThrowsError(try store.read(d)) { XCTAssertEqual(($0 as? ImageError).map { if case .notFound = $0 { return true }; return false }, true) }
        try store.delete(d) // deleting twice is fine
    }

    func testDigestOrSizeMismatchLeavesNothing() throws {
        let store = try ContentStore(root: root + "/c")
        let data = bytes("the real content")
        let wrong = Digest.sha256(of: "something else")
        XCTAssertThrowsError(try store.ingest(from: BytesSource(data), expected: wrong)) { error in
            guard case .invalidArgument(let m)? = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("digest mismatch") && m.contains(wrong.encoded) && m.contains(Digest.sha256(of: data).encoded), m)
        }
        XCTAssertThrowsError(try store.ingest(from: BytesSource(data), expected: Digest.sha256(of: data), size: 3)) { error in
            XCTAssertTrue("\(error)".contains("size mismatch"), "\(error)")
        }
        XCTAssertThrowsError(try store.ingest(from: BytesSource(data), size: 100)) { error in
            XCTAssertTrue("\(error)".contains("size mismatch"), "\(error)")
        }
        XCTAssertFalse(store.has(wrong))
        XCTAssertFalse(store.has(Digest.sha256(of: data)))
        XCTAssertEqual(try FileIO.listDirectory(root + "/c/blobs/sha256"), [])
        XCTAssertEqual(try FileIO.listDirectory(root + "/c/tmp"), [], "no temp file left behind")
    }

    func testConcurrentIngestsOfOneDigest() throws {
        let store = try ContentStore(root: root + "/c")
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let d = Digest.sha256(of: data)
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do { try store.ingest(from: BytesSource(data), expected: d) } catch { failures.mutate { $0 += 1 } }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(try store.read(d), data)
        XCTAssertEqual(try FileIO.listDirectory(root + "/c/tmp"), [])
    }

    func testLeftOverTempFilesAreRemovedOnOpen() throws {
        _ = try ContentStore(root: root + "/c")
        try FileIO.writeAtomic(root + "/c/tmp/spool-crashed", bytes("half"))
        _ = try ContentStore(root: root + "/c")
        XCTAssertEqual(try FileIO.listDirectory(root + "/c/tmp"), [])
    }
}

/// A value shared between test threads.
final class Locked<T>: @unchecked Sendable {
    private var v: T
    private let lock = Lock()
    init(_ v: T) { self.v = v }
    var value: T { lock.with { v } }
    func mutate(_ f: (inout T) -> Void) { lock.with { f(&v) } }
}
