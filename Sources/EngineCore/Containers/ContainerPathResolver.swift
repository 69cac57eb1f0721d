import Glibc

/// Resolves a path as the container sees it to a host path under `root`: symlinks are
/// followed with the rootfs as `/`, so `..` and absolute link targets cannot leave it.
enum ContainerPathResolver {
    /// `followFinal` false keeps a final symlink itself (docker cp copies the link).
    static func resolve(root: String, _ path: String, followFinal: Bool = true) throws -> String {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let c = pending.removeFirst()
            if c == "." || c.isEmpty { continue }
            if c == ".." { _ = resolved.popLast(); continue }
            let candidate = root + "/" + (resolved + [c]).joined(separator: "/")
            var st = stat()
            if lstat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, followFinal || !pending.isEmpty {
                hops += 1
                guard hops <= 40 else { throw EngineError.invalid("too many levels of symbolic links in \(path)") }
                var buf = [CChar](repeating: 0, count: 4097)
                let n = readlink(candidate, &buf, 4096)
                guard n >= 0 else { throw EngineError.internal("readlink \(candidate): \(String(cString: strerror(errno)))") }
                let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            resolved.append(c)
        }
        return resolved.isEmpty ? root : root + "/" + resolved.joined(separator: "/")
    }
}
