import CLinux
import Glibc
import LinuxSys

extension Applier {
    /// `.wh.NAME`, `.wh..wh..opq` and other `.wh..wh.*` (aufs bookkeeping, ignored).
    func applyWhiteout(_ entry: TarEntry, parent: ArraySlice<String>, leaf: String, path: String) throws {
        if leaf == LayerFormat.opaqueMarker {
            try applyOpaque(parent, entry: entry)
            return
        }
        if leaf.hasPrefix(LayerFormat.whiteoutMetaPrefix) { return }
        let name = String(leaf.dropFirst(LayerFormat.whiteoutPrefix.count))
        // ".wh.." would otherwise name the directory itself (and delete all of it).
        guard !name.isEmpty, name != ".", name != ".." else {
            throw ArchiveError(.unsafePath, "invalid whiteout \"\(entry.name)\": it names no file")
        }
        let cname = Array(name.utf8)
        let display = "\(root.path)/\((parent + [name]).joined(separator: "/"))"
        switch options.whiteoutFormat {
        case .overlay:
            try root.withDirectory(parent, create: true, entry: entry.name) { dirfd in
                guard let dirfd else { return }
                try replaceExisting(dirfd, cname, display: display)
                // A 0/0 character device is overlayfs' whiteout; the kernel lets unprivileged users make one.
                try sys("mknod", display) { mknodat(dirfd, name, S_IFCHR, 0) }
                if !options.ignoreOwnership {
                    try sys("lchown", display) {
                        fchownat(dirfd, name, uid_t(truncatingIfNeeded: entry.uid), gid_t(truncatingIfNeeded: entry.gid), AT_SYMLINK_NOFOLLOW)
                    }
                }
            }
        case .delete:
            try root.withDirectory(parent, create: false, entry: entry.name) { dirfd in
                guard let dirfd else { return } // nothing there to delete
                try replaceExisting(dirfd, cname, display: display)
            }
            unpacked.remove(path)
        case .none:
            break // never called: plain files then
        }
    }

    private func replaceExisting(_ dirfd: Int32, _ name: [UInt8], display: String) throws {
        guard let st = try FS.lstatAt(dirfd, name, what: display) else { return }
        try FS.removeAll(dirfd, name, what: display)
        if (st.st_mode & S_IFMT) == S_IFDIR { root.invalidate() }
    }

    /// The opaque marker: overlay layers get the attribute on the directory; a full tree
    /// loses whatever the directory held that this archive did not put there.
    private func applyOpaque(_ dir: ArraySlice<String>, entry: TarEntry) throws {
        let rel = dir.joined(separator: "/")
        let display = "\(root.path)/\(rel)"
        switch options.whiteoutFormat {
        case .overlay:
            try root.withDirectory(dir, create: true, entry: entry.name) { dirfd in
                guard let dirfd else { return }
                let e = Xattrs.set(.fd(dirfd), options.opaqueXattr, [UInt8(ascii: "y")])
                if e != 0 { throw SyscallError("setxattr", "\(options.opaqueXattr) on \(display)", errno: e) }
            }
        case .delete:
            try root.withDirectory(dir, create: false, entry: entry.name) { dirfd in
                guard let dirfd else { return }
                try removeNotUnpacked(dirfd, rel: rel, display: display)
            }
        case .none:
            break
        }
    }

    private func removeNotUnpacked(_ dirfd: Int32, rel: String, display: String) throws {
        for name in try FS.listDirectory(dirfd, what: display) {
            let text = String(decoding: name, as: UTF8.self)
            let child = rel.isEmpty ? text : rel + "/" + text
            if !unpacked.contains(child) {
                try replaceExisting(dirfd, name, display: display + "/" + text)
                continue
            }
            guard let st = try FS.lstatAt(dirfd, name, what: display), (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            let fd = try sys("open", display + "/" + text) {
                FS.withCName(name) { openat(dirfd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            }
            defer { close(fd) }
            try removeNotUnpacked(fd, rel: child, display: display + "/" + text)
        }
    }
}
