import CLinux
import Glibc
import LinuxSys

/// Everything about one file that an archive round trip must keep, read with plain
/// path-based calls (independent of the code under test).
struct NodeInfo: Equatable {
    var type: mode_t
    var mode: mode_t
    var uid: uid_t
    var gid: gid_t
    var mtime: Int
    var rdev: UInt64
    var link: String
    var content: [UInt8]
    var xattrs: [String: [UInt8]]
    /// The first path (in sorted order) of the same inode, for hard links.
    var sameInodeAs: String?
}

func snapshot(_ root: String, includeRoot: Bool = false) -> [String: NodeInfo] {
    var out: [String: NodeInfo] = [:]
    var inodes: [UInt64: String] = [:]
    func visit(_ rel: String) {
        let full = rel.isEmpty ? root : root + "/" + rel
        var st = stat()
        guard lstat(full, &st) == 0 else { return }
        let type = st.st_mode & S_IFMT
        var info = NodeInfo(type: type, mode: st.st_mode & 0o7777, uid: st.st_uid, gid: st.st_gid, mtime: st.st_mtim.tv_sec,
                            rdev: UInt64(st.st_rdev), link: "", content: [], xattrs: xattrs(full), sameInodeAs: nil)
        if type == S_IFLNK {
            var buf = [CChar](repeating: 0, count: 4097)
            let n = readlink(full, &buf, 4096)
            info.link = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if type == S_IFREG { info.content = (try? FileIO.read(path: full)) ?? [] }
        if type != S_IFDIR && st.st_nlink > 1 {
            if let first = inodes[UInt64(st.st_ino)] { info.sameInodeAs = first } else { inodes[UInt64(st.st_ino)] = rel }
        }
        if !rel.isEmpty || includeRoot { out[rel] = info }
        if type == S_IFDIR {
            for name in ((try? FileIO.listDirectory(full)) ?? []).sorted() { visit(rel.isEmpty ? name : rel + "/" + name) }
        }
    }
    visit("")
    return out
}

func xattrs(_ path: String) -> [String: [UInt8]] {
    var names = [CChar](repeating: 0, count: 65536)
    let n = llistxattr(path, &names, names.count)
    guard n > 0 else { return [:] }
    var out: [String: [UInt8]] = [:]
    for raw in names[0..<n].split(separator: 0) {
        let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var value = [UInt8](repeating: 0, count: 65536)
        let m = value.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, $0.count) }
        if m >= 0 { out[name] = Array(value[0..<m]) }
    }
    return out
}

/// Differences between two snapshots, one line each, for readable failures.
func differences(_ a: [String: NodeInfo], _ b: [String: NodeInfo]) -> [String] {
    var out: [String] = []
    for key in Set(a.keys).union(b.keys).sorted() {
        switch (a[key], b[key]) {
        case (nil, _): out.append("only in second: \(key)")
        case (_, nil): out.append("only in first: \(key)")
        case let (x?, y?) where x != y: out.append("\(key): \(x) != \(y)")
        default: break
        }
    }
    return out
}
