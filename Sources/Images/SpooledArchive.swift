import Archive
import Digest
import Glibc
import LinuxSys

/// The files of an image archive (`docker save` tar or OCI layout tar), each spooled to a
/// temp file in the content store as it streams past, hashed on the way. Nothing is held
/// in memory but names, so layers of any size and any entry order (manifest last) work.
/// Files an image needs are then adopted into the content store by rename; `discardAll`
/// removes the rest.
final class SpooledArchive {
    private let content: ContentStore
    private var files: [String: SpooledFile] = [:]
    private var links: [String: String] = [:]
    private var adopted: Set<String> = []

    init(reading src: ByteSource, into content: ContentStore) throws(ImageError) {
        self.content = content
        do {
            let reader = TarReader(try Compression.wrap(src))
            while let entry = try reader.next() {
                let name = Self.normalize(entry.name)
                if name.isEmpty { continue }
                switch entry.kind {
                case .file:
                    let spooled = try content.spool(from: reader, limit: entry.size)
                    files.removeValue(forKey: name)?.discard()
                    files[name] = spooled
                case .symlink:
                    let target = entry.linkName.hasPrefix("/") ? entry.linkName : FileIO.parent(of: "/" + name) + "/" + entry.linkName
                    links[name] = Self.normalize(target)
                case .hardlink:
                    links[name] = Self.normalize(entry.linkName)
                default:
                    continue
                }
            }
        } catch {
            discardAll()
            throw ImageError.wrap(error, "invalid image archive")
        }
    }

    /// "./a//b/../c" → "a/c"; nothing climbs above the archive root.
    static func normalize(_ path: String) -> String {
        var out: [Substring] = []
        for comp in path.split(separator: "/") {
            if comp == "." { continue }
            if comp == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(comp)
        }
        return out.joined(separator: "/")
    }

    /// The file at `path`, following the archive's own symlinks and hard links.
    func file(_ path: String) -> SpooledFile? {
        var p = Self.normalize(path)
        for _ in 0..<32 {
            if let f = files[p] { return f }
            guard let next = links[p] else { return nil }
            p = next
        }
        return nil
    }

    func require(_ path: String, _ what: String) throws(ImageError) -> SpooledFile {
        guard let f = file(path) else { throw .invalidArgument("invalid image archive: \(what) \"\(path)\" is not in the archive") }
        return f
    }

    /// A small file's bytes (JSON documents).
    func read(_ path: String, _ what: String, limit: Int = 64 << 20) throws(ImageError) -> [UInt8] {
        let f = try require(path, what)
        let src = try f.open()
        return try withContext("read \(path) of the archive") { try src.readAll(limit: limit) }
    }

    /// Moves a file into the content store as the blob of its digest (once).
    func adopt(_ f: SpooledFile) throws(ImageError) {
        guard !adopted.contains(f.path) else { return }
        try content.adopt(f)
        adopted.insert(f.path)
    }

    func discardAll() {
        for f in files.values where !adopted.contains(f.path) { f.discard() }
        files.removeAll()
    }
}
