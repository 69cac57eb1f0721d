import Glibc
import LinuxSys

/// Resolves `path` inside `root` the way a process chrooted at `root` would,
/// following symlinks but never leaving `root` (a rootfs is untrusted input:
/// `/etc -> /` or `../../..` must not reach the host).
public func secureJoin(root: String, _ path: String) throws -> String {
    var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    var resolved: [String] = []
    var links = 0
    while !pending.isEmpty {
        let part = pending.removeFirst()
        if part == "." { continue }
        if part == ".." { if !resolved.isEmpty { resolved.removeLast() }; continue }
        let candidate = root + "/" + (resolved + [part]).joined(separator: "/")
        var st = stat()
        if lstat(candidate, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            links += 1
            if links > 255 { throw SyscallError("resolve", "\(path) in \(root)", errno: ELOOP) }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(candidate, &buf, Int(PATH_MAX))
            if n < 0 { throw SyscallError("readlink", candidate) }
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let parts = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            if target.hasPrefix("/") { resolved = [] }
            pending = parts + pending
            continue
        }
        resolved.append(part)
    }
    return resolved.isEmpty ? root : root + "/" + resolved.joined(separator: "/")
}
