import Archive
import Digest
import Glibc
import LinuxSys

/// Blobs by digest under `<root>/blobs/sha256/<hex>`. Writes go to a private temp file
/// under `<root>/tmp`, are fsynced, verified and renamed into place, so a blob is either
/// whole and correct or absent. Concurrent ingests of one digest are safe: each has its
/// own temp file and the renames replace identical content.
public final class ContentStore: @unchecked Sendable {
    public let root: String
    public let blobDir: String
    public let tmpDir: String

    public struct Ingested: Sendable, Equatable {
        public let digest: Digest
        public let size: Int64
        /// False when the blob was already there.
        public let created: Bool

        public init(digest: Digest, size: Int64, created: Bool) {
            self.digest = digest
            self.size = size
            self.created = created
        }
    }

    public init(root: String) throws(ImageError) {
        self.root = root
        blobDir = root + "/blobs/sha256"
        tmpDir = root + "/tmp"
        try withContext("create content store \(root)") {
            try FileIO.mkdirAll(blobDir, mode: 0o700)
            // Left-overs of writes a crash interrupted.
            FileIO.removeAll(tmpDir)
            try FileIO.mkdirAll(tmpDir, mode: 0o700)
        }
    }

    public func path(of digest: Digest) -> String { blobDir + "/" + digest.hex }

    public func has(_ digest: Digest) -> Bool { FileIO.exists(path(of: digest)) }

    public func size(_ digest: Digest) throws(ImageError) -> Int64 {
        var st = stat()
        guard stat(path(of: digest), &st) == 0 else { throw missing(digest) }
        return Int64(st.st_size)
    }

    /// A reader of the blob; it closes its descriptor when released.
    public func open(_ digest: Digest) throws(ImageError) -> FileSource {
        let p = path(of: digest)
        let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw missing(digest) }
            throw .internal(SyscallError("open", p).description)
        }
        return FileSource(fd: fd)
    }

    /// The whole blob, refusing blobs over `limit` bytes (configs and manifests are small).
    public func read(_ digest: Digest, limit: Int = 64 << 20) throws(ImageError) -> [UInt8] {
        let src = try open(digest)
        return try withContext("read blob \(digest)") { try src.readAll(limit: limit) }
    }

    public func delete(_ digest: Digest) throws(ImageError) {
        let p = path(of: digest)
        if unlink(p) != 0 && errno != ENOENT { throw .internal(SyscallError("unlink", p).description) }
    }

    public func list() throws(ImageError) -> [Digest] {
        try withContext("list \(blobDir)") { try FileIO.listDirectory(blobDir) }.compactMap { try? Digest(sha256Hex: $0) }
    }

    /// Stores what `src` yields. With `expected`, the content must have that digest (and
    /// with `size`, that many bytes): otherwise nothing is stored and the error says why.
    @discardableResult
    public func ingest(from src: ByteSource, expected: Digest? = nil, size: Int64? = nil) throws(ImageError) -> Ingested {
        let tmp = try spool(from: src, limit: size)
        defer { tmp.discard() }
        if let size, tmp.size != size {
            throw .invalidArgument("size mismatch for \(expected?.encoded ?? tmp.digest.encoded): got \(tmp.size) bytes, expected \(size)")
        }
        if let expected, expected != tmp.digest {
            throw .invalidArgument("digest mismatch: the content (\(tmp.size) bytes) has \(tmp.digest), expected \(expected)")
        }
        let created = try adopt(tmp)
        return Ingested(digest: tmp.digest, size: tmp.size, created: created)
    }

    @discardableResult
    public func ingest(bytes: [UInt8], expected: Digest? = nil) throws(ImageError) -> Ingested {
        try ingest(from: BytesSource(bytes), expected: expected, size: Int64(bytes.count))
    }

    /// Writes `src` to a temp file in this store (same filesystem as the blobs, so adopting
    /// it is a rename), hashing as it goes. More than `limit` bytes is an error.
    public func spool(from src: ByteSource, limit: Int64? = nil) throws(ImageError) -> SpooledFile {
        try spool { sink in
            var total: Int64 = 0
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
            defer { buf.deallocate() }
            while true {
                let n = try src.read(into: buf)
                if n == 0 { return }
                total += Int64(n)
                if let limit, total > limit {
                    throw ImageError.invalidArgument("size mismatch: more than the expected \(limit) bytes")
                }
                try sink.write(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            }
        }
    }

    /// A temp file filled by `body` through a hashing sink, for adopting as a blob.
    public func spool(writing body: (ByteSink) throws -> Void) throws(ImageError) -> SpooledFile {
        let path = tmpDir + "/spool-" + randomSuffix()
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .internal(SyscallError("open", path).description) }
        let sink = DigestingSink(WritebackSink(fd: fd))
        do {
            defer { close(fd) }
            try body(sink)
            try sys("fsync", path) { fsync(fd) }
        } catch {
            unlink(path)
            throw ImageError.wrap(error, "write \(path)")
        }
        return SpooledFile(path: path, digest: sink.digest, size: sink.count)
    }

    /// Moves a spooled file into place as its digest's blob; false if the blob was there.
    @discardableResult
    public func adopt(_ file: SpooledFile) throws(ImageError) -> Bool {
        let target = path(of: file.digest)
        let existed = FileIO.exists(target)
        guard Glibc.rename(file.path, target) == 0 else {
            throw .internal(SyscallError("rename", "\(file.path) to \(target)").description)
        }
        return !existed
    }

    private func missing(_ d: Digest) -> ImageError { .notFound("blob \(d) not found in the content store") }
}

/// A hashed temp file waiting to be adopted as a blob or thrown away.
public struct SpooledFile: Sendable {
    public let path: String
    public let digest: Digest
    public let size: Int64

    public func discard() { unlink(path) }

    public func open() throws(ImageError) -> FileSource {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .internal(SyscallError("open", path).description) }
        return FileSource(fd: fd)
    }

    /// The layer media type its first bytes call for: tar, tar+gzip, tar+zstd.
    public func layerMediaType() throws(ImageError) -> String {
        let src = try open()
        var head = [UInt8](repeating: 0, count: Compression.magicLength)
        let n = try withContext("read \(path)") { try head.withUnsafeMutableBytes { try src.readFull(into: $0) } }
        switch Compression.detect(prefix: Array(head[0..<n])) {
        case .none: return MediaType.ociLayer
        case .gzip: return MediaType.ociLayerGzip
        case .zstd: return MediaType.ociLayerZstd
        case let other: throw .invalidArgument("unsupported layer compression: \(other.rawValue) (only gzip- and zstd-compressed and uncompressed tars are supported)")
        }
    }
}

/// A ByteSource that owns its descriptor.
public final class FileSource: ByteSource {
    public let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try sys("read", "fd \(fd)") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }
}

func randomSuffix() -> String {
    var g = SystemRandomNumberGenerator()
    let v = g.next() as UInt64
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
