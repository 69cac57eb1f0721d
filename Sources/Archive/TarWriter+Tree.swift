import Glibc
import LinuxSys

extension TarWriter {
    /// Archives the tree at `root` without following symlinks: files, directories,
    /// symlinks, hard links (one content copy per inode, found by device and inode),
    /// devices, fifos and extended attributes (security.capability included; the overlay
    /// filesystem's private trusted.overlay.* are left out). Sockets are skipped. Names are
    /// `prefix/relative-path`; with an empty prefix the root directory itself has no entry
    /// (`docker export`), with one it is the first entry (`docker cp` of a directory), and a
    /// root that is not a directory becomes one entry named `prefix`. `filter` gets each
    /// relative path and returns false to leave it (and, for a directory, its contents) out.
    public func addTree(root: String, as prefix: String = "", filter: ((String) -> Bool)? = nil) throws {
        try addTree(root: root, prefix: prefix, filter: filter, overlayUpper: false)
    }

    /// `overlayUpper` turns overlay whiteouts (0/0 character devices) into `.wh.NAME` files
    /// and opaque directories into a directory plus `.wh..wh..opq`, as Docker's overlay2 diff does.
    func addTree(root: String, prefix rawPrefix: String, filter: ((String) -> Bool)?, overlayUpper: Bool) throws {
        var prefix = Substring(rawPrefix)
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        if prefix == "." { prefix = "" }
        var firstNames: [FileID: String] = [:]
        try TreeWalker.walk(root) { node in
            if !node.path.isEmpty, let filter, !filter(node.path) { return false }
            let name = prefix.isEmpty ? node.path : node.path.isEmpty ? String(prefix) : prefix + "/" + node.path
            if name.isEmpty { return true }
            guard var entry = node.entry(named: name) else { return false }

            if overlayUpper && entry.kind == .charDevice && node.st.st_rdev == 0 {
                // Overlayfs may share one whiteout inode among many names: check this before hard links.
                let (dir, base) = Self.split(name)
                try writeHeader(TarEntry(name: dir + LayerFormat.whiteoutPrefix + base, kind: .file, mode: 0o600,
                                         uid: entry.uid, gid: entry.gid, mtime: entry.mtime))
                return false
            }
            if entry.kind != .directory && node.st.st_nlink > 1 {
                let id = FileID(dev: UInt64(node.st.st_dev), ino: UInt64(node.st.st_ino))
                if let first = firstNames[id] {
                    entry.kind = .hardlink
                    entry.size = 0
                    entry.linkName = first
                    try writeHeader(entry)
                    return false
                }
                firstNames[id] = name
            }
            let xattrs = try Xattrs.read(node.xattrTarget, what: name)
            entry.xattrs = xattrs.filter { !Xattrs.isOverlayPrivate($0.key) }

            switch entry.kind {
            case .file:
                guard let fd = try node.openFile() else { return false }
                defer { close(fd) }
                let st = try FS.fstatFD(fd, what: name)
                guard (st.st_mode & S_IFMT) == S_IFREG else { return false } // replaced meanwhile
                entry.size = Int64(st.st_size)
                try writeFile(entry, fromFD: fd)
            case .symlink:
                entry.linkName = try node.readLink()
                try writeHeader(entry)
            case .directory:
                try writeHeader(entry)
                if overlayUpper && xattrs[LayerFormat.opaqueXattr] == [UInt8(ascii: "y")] {
                    try writeHeader(TarEntry(name: name + "/" + LayerFormat.opaqueMarker, kind: .file, mode: entry.mode & 0o777,
                                             uid: entry.uid, gid: entry.gid, mtime: entry.mtime))
                }
            default:
                try writeHeader(entry)
            }
            return true
        }
    }

    static func split(_ path: String) -> (dir: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}

struct FileID: Hashable {
    var dev: UInt64
    var ino: UInt64
}

/// The names OCI and Docker layers use for deletions, and the overlay attribute for opaque directories.
public enum LayerFormat {
    public static let whiteoutPrefix = ".wh."
    public static let opaqueMarker = ".wh..wh..opq"
    public static let whiteoutMetaPrefix = ".wh..wh."
    public static let opaqueXattr = "trusted.overlay.opaque"
}
