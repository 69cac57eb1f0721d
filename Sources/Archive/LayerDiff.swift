import CLinux
import Glibc
import LinuxSys

/// An overlayfs upper directory seen as a layer: the tar a commit produces, and the change
/// list of `docker diff`.
public enum LayerDiff {
    public struct Change: Sendable, Equatable {
        /// Docker's numbering in GET /containers/{id}/changes.
        public enum Kind: Int, Sendable, Equatable {
            case modified = 0
            case added = 1
            case deleted = 2
        }

        /// Absolute inside the container: "/etc/hosts".
        public var path: String
        public var kind: Kind

        public init(path: String, kind: Kind) {
            self.path = path
            self.kind = kind
        }
    }

    /// Writes the upper directory as layer entries: whiteout devices become `.wh.NAME`
    /// files, opaque directories get a `.wh..wh..opq` entry, overlay attributes are dropped.
    /// The caller finishes the writer.
    public static func write(upperDir: String, to tar: TarWriter) throws {
        try tar.addTree(root: upperDir, prefix: "", filter: nil, overlayUpper: true)
    }

    /// What changed in a container, from its upper directory and the lower layers (top
    /// first): a whiteout is a deletion, a name no lower layer has is an addition, anything
    /// else (a directory copied up because something in it changed included) a modification.
    /// Sorted by path, as Docker returns them.
    public static func changes(upperDir: String, lowerDirs: [String]) throws -> [Change] {
        let lowers = try lowerDirs.map { try RootDir($0) }
        var out: [Change] = []
        try TreeWalker.walk(upperDir) { node in
            if node.path.isEmpty { return true }
            let path = "/" + node.path
            if (node.st.st_mode & S_IFMT) == S_IFCHR && node.st.st_rdev == 0 {
                out.append(Change(path: path, kind: .deleted))
                return false
            }
            let inLower = try existsBelow(node.path, in: lowers)
            out.append(Change(path: path, kind: inLower ? .modified : .added))
            // Everything under a new directory is new as well: still listed, as Docker does.
            return true
        }
        return out
    }

    /// Whether the lower layers (top first) show `rel`, as the merged overlay would: the
    /// topmost layer that has the name decides, a whiteout hides it, and an opaque parent
    /// hides everything below that layer.
    private static func existsBelow(_ rel: String, in lowers: [RootDir]) throws -> Bool {
        for layer in lowers {
            switch try lookup(rel, in: layer) {
            case .present: return true
            case .hidden: return false
            case .absent: continue
            }
        }
        return false
    }

    private enum Lookup { case present, hidden, absent }

    /// Resolved without following symlinks: a lower layer is a plain directory tree.
    private static func lookup(_ rel: String, in layer: RootDir) throws -> Lookup {
        let comps = RootDir.normalize(rel)
        guard let leaf = comps.last else { return .present }
        let parent = comps.dropLast()
        let dirfd: Int32?
        do {
            dirfd = parent.isEmpty ? layer.fd
                : try layer.openDirectory(parent, rel: parent.joined(separator: "/"), create: false, entry: rel)
        } catch is ArchiveError {
            return .absent // a symlink or a file where the upper has a directory
        }
        guard let dirfd else { return .absent }
        defer { if dirfd != layer.fd { close(dirfd) } }
        if let st = try FS.lstatAt(dirfd, Array(leaf.utf8), what: "\(layer.path)/\(rel)") {
            return (st.st_mode & S_IFMT) == S_IFCHR && st.st_rdev == 0 ? .hidden : .present
        }
        var flag: UInt8 = 0
        let n = fgetxattr(dirfd, LayerFormat.opaqueXattr, &flag, 1)
        return n == 1 && flag == UInt8(ascii: "y") ? .hidden : .absent
    }
}
