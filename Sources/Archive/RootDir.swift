import CLinux
import Glibc
import LinuxSys

/// A directory that archive entries must not escape. Paths are lexically normalised
/// (`..` cannot climb above the root, absolute names become relative) and resolved from
/// the root fd without following any symlink, whoever made it: openat2 with
/// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or one O_NOFOLLOW openat per component.
final class RootDir {
    let fd: Int32
    let path: String
    /// The parent most recently opened: consecutive entries usually share one.
    private var cached: (path: String, fd: Int32)?
    /// Invalidated fds, closed only once no caller can still be using them.
    private var retired: [Int32] = []
    private var haveOpenat2 = true

    init(_ path: String) throws {
        self.path = path
        fd = try sys("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    }

    deinit {
        invalidate()
        retired.forEach { close($0) }
        close(fd)
    }

    /// Components of an archive name inside the root: no "", ".", or "..".
    static func normalize(_ name: String) -> [String] {
        var out: [String] = []
        for comp in name.split(separator: "/", omittingEmptySubsequences: true) {
            if comp == "." { continue }
            if comp == ".." {
                if !out.isEmpty { out.removeLast() }
                continue
            }
            out.append(String(comp))
        }
        return out
    }

    /// Forgets the cached parent: call after removing or replacing any directory. The fd
    /// stays open until the next `withDirectory`, as the caller may still be using it.
    func invalidate() {
        if let c = cached { retired.append(c.fd) }
        cached = nil
    }

    /// Runs `body` with an fd of the directory `comps` (the root for none), creating missing
    /// directories (mode 0755) when `create` is set; `body` gets nil when the directory is
    /// missing and `create` is false. Not to be nested.
    func withDirectory<R>(_ comps: ArraySlice<String>, create: Bool, entry: String,
                          _ body: (Int32?) throws -> R) throws -> R {
        retired.forEach { close($0) }
        retired.removeAll()
        if comps.isEmpty { return try body(fd) }
        let rel = comps.joined(separator: "/")
        if let c = cached, c.path == rel { return try body(c.fd) }
        guard let dirfd = try openDirectory(comps, rel: rel, create: create, entry: entry) else { return try body(nil) }
        invalidate()
        cached = (rel, dirfd)
        return try body(dirfd)
    }

    /// A new fd of the directory `comps`, or nil if it is missing and `create` is false.
    func openDirectory(_ comps: ArraySlice<String>, rel: String, create: Bool, entry: String) throws -> Int32? {
        if haveOpenat2 {
            let r = berth_openat2(fd, rel, UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0,
                                  UInt64(BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_SYMLINKS | BERTH_RESOLVE_NO_MAGICLINKS))
            if r >= 0 { return r }
            if errno == ENOSYS { haveOpenat2 = false }
            // Anything else: the walk below creates what is missing or names what is wrong.
        }
        var cur = fd
        defer { if cur != fd { close(cur) } }
        for (i, comp) in comps.enumerated() {
            var next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                guard create else { return nil }
                if mkdirat(cur, comp, 0o755) != 0 && errno != EEXIST {
                    throw SyscallError("mkdir", "\(self.path)/\(comps.prefix(i + 1).joined(separator: "/"))")
                }
                next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let e = errno
                let sofar = comps.prefix(i + 1).joined(separator: "/")
                if e == ELOOP || e == ENOTDIR {
                    // O_DIRECTORY|O_NOFOLLOW reports a symlink as ENOTDIR: say which it is.
                    var st = stat()
                    let isLink = fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
                    let what = isLink ? "a symbolic link" : "not a directory"
                    throw ArchiveError(.unsafePath, "cannot extract \"\(entry)\": \"\(sofar)\" is \(what); archive entries are never written through links")
                }
                throw SyscallError("open", "\(self.path)/\(sofar)", errno: e)
            }
            if cur != fd { close(cur) }
            cur = next
        }
        let result = cur
        cur = fd // keep the defer from closing it
        return result
    }
}
