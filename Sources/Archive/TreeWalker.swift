import CLinux
import Glibc
import LinuxSys

/// One file met by TreeWalker. `dirfd` + `name` reach it without following symlinks while
/// the walk pins the directory, so a tree changing underneath (a running container) cannot
/// send the walk outside it.
struct TreeNode {
    /// Relative to the walk's root, without leading or trailing "/"; "" for the root.
    var path: String
    var st: stat
    var dirfd: Int32
    var name: [UInt8]
    /// An open fd of a directory (owned by the walker), -1 for anything else.
    var fd: Int32

    var kind: TarEntry.Kind? { FS.kind(of: st.st_mode) }

    var xattrTarget: Xattrs.Target {
        fd >= 0 ? .fd(fd) : .path(dirfd == AT_FDCWD ? name : FS.procPath(dirfd, name))
    }

    /// A header for this file (sizes, times, owners, device numbers); nil for sockets.
    func entry(named archiveName: String) -> TarEntry? {
        guard let kind else { return nil }
        var e = TarEntry(name: archiveName, kind: kind, mode: UInt32(st.st_mode & 0o7777),
                         uid: Int(st.st_uid), gid: Int(st.st_gid), size: kind == .file ? Int64(st.st_size) : 0,
                         mtime: TarTime(seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int32(st.st_mtim.tv_nsec)))
        if kind == .charDevice || kind == .blockDevice {
            e.devMajor = FS.major(UInt64(st.st_rdev))
            e.devMinor = FS.minor(UInt64(st.st_rdev))
        }
        return e
    }

    func readLink() throws -> String {
        var target = [CChar](repeating: 0, count: 4097)
        let n = try sys("readlink", path) {
            FS.withCName(name) { p in
                target.withUnsafeMutableBufferPointer { readlinkat(dirfd, p, $0.baseAddress!, $0.count - 1) }
            }
        }
        return String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens a regular file for reading; nil if it vanished meanwhile.
    func openFile() throws -> Int32? {
        let fd = FS.withCName(name) { openat(dirfd, $0, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC) }
        if fd >= 0 { return fd }
        if errno == ENOENT { return nil }
        throw SyscallError("open", path)
    }
}

/// Depth-first walk in bytewise name order (deterministic archives), parents before
/// children, never following symlinks.
enum TreeWalker {
    /// `visit` returns whether to descend into a directory. Files that vanish during the
    /// walk are skipped.
    static func walk(_ root: String, _ visit: (TreeNode) throws -> Bool) throws {
        var st = stat()
        try sys("lstat", root) { lstat(root, &st) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            _ = try visit(TreeNode(path: "", st: st, dirfd: AT_FDCWD, name: Array(root.utf8), fd: -1))
            return
        }
        let fd = try sys("open", root) { open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(fd) }
        let node = TreeNode(path: "", st: try FS.fstatFD(fd, what: root), dirfd: AT_FDCWD, name: Array(root.utf8), fd: fd)
        if try visit(node) { try walkDirectory(fd, path: "", display: root, visit) }
    }

    private static func walkDirectory(_ dirfd: Int32, path: String, display: String,
                                      _ visit: (TreeNode) throws -> Bool) throws {
        for name in try FS.listDirectory(dirfd, what: display) {
            let rel = path.isEmpty ? String(decoding: name, as: UTF8.self) : path + "/" + String(decoding: name, as: UTF8.self)
            guard let st = try FS.lstatAt(dirfd, name, what: display + "/" + rel) else { continue }
            var node = TreeNode(path: rel, st: st, dirfd: dirfd, name: name, fd: -1)
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                _ = try visit(node)
                continue
            }
            let fd = FS.withCName(name) { openat(dirfd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            if fd < 0 {
                if errno == ENOENT { continue }
                throw SyscallError("open", display + "/" + rel)
            }
            defer { close(fd) }
            node.fd = fd
            node.st = try FS.fstatFD(fd, what: rel)
            if try visit(node) { try walkDirectory(fd, path: rel, display: display, visit) }
        }
    }
}
