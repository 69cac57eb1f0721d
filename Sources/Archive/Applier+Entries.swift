import CLinux
import Glibc
import LinuxSys

extension Applier {
    func apply(_ entry: TarEntry) throws {
        let comps = RootDir.normalize(entry.name)
        guard let leaf = comps.last else {
            guard entry.kind == .directory else {
                throw ArchiveError(.unsafePath, "invalid archive entry \"\(entry.name)\": a \(entry.kind) cannot replace the target directory")
            }
            try applyOwnerAndXattrs(entry, target: .fd(root.fd), display: entry.name)
            directories[""] = entry
            return
        }
        let parent = comps.dropLast()
        let path = comps.joined(separator: "/")
        if leaf.hasPrefix(LayerFormat.whiteoutPrefix), options.whiteoutFormat != .none {
            try applyWhiteout(entry, parent: parent, leaf: leaf, path: path)
            return
        }
        try root.withDirectory(parent, create: true, entry: entry.name) { dirfd in
            guard let dirfd else { return }
            try create(entry, dirfd: dirfd, leaf: leaf, path: path)
        }
        if options.whiteoutFormat == .delete { unpacked.insert(path) }
    }

    private func create(_ entry: TarEntry, dirfd: Int32, leaf: String, path: String) throws {
        let display = "\(root.path)/\(path)"
        if let existing = try FS.lstatAt(dirfd, Array(leaf.utf8), what: display) {
            let isDir = (existing.st_mode & S_IFMT) == S_IFDIR
            if entry.kind == .hardlink && RootDir.normalize(entry.linkName) == RootDir.normalize(path) { return }
            if !(isDir && entry.kind == .directory) {
                try FS.removeAll(dirfd, Array(leaf.utf8), what: display)
                if isDir { root.invalidate() }
            }
        }
        switch entry.kind {
        case .file:
            let fd = try sys("open", display) { openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
            defer { close(fd) }
            result.size += try reader.copyContent(toFD: fd)
            try applyOwnerAndXattrs(entry, target: .fd(fd), display: display)
            try sys("chmod", display) { fchmod(fd, mode_t(entry.mode)) }
            var times = Self.times(entry.mtime)
            try sys("utimensat", display) { futimens(fd, &times) }
        case .directory:
            if mkdirat(dirfd, leaf, 0o700) != 0 && errno != EEXIST { throw SyscallError("mkdir", display) }
            let fd = try sys("open", display) { openat(dirfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            defer { close(fd) }
            try applyOwnerAndXattrs(entry, target: .fd(fd), display: display)
            directories[path] = entry
        case .symlink:
            guard !entry.linkName.isEmpty else {
                throw ArchiveError(.invalidHeader, "invalid archive entry \"\(entry.name)\": a symbolic link without a target")
            }
            try sys("symlink", "\(display) -> \(entry.linkName)") { symlinkat(entry.linkName, dirfd, leaf) }
            try finishNode(entry, dirfd: dirfd, leaf: leaf, display: display, chmod: false)
        case .hardlink:
            try link(entry, dirfd: dirfd, leaf: leaf, display: display)
        case .charDevice, .blockDevice, .fifo:
            let type: mode_t = entry.kind == .fifo ? S_IFIFO : entry.kind == .charDevice ? S_IFCHR : S_IFBLK
            let dev = entry.kind == .fifo ? 0 : FS.makedev(entry.devMajor, entry.devMinor)
            if mknodat(dirfd, leaf, type | mode_t(entry.mode & 0o7777), dev_t(dev)) != 0 {
                if errno == EPERM && options.ignoreOwnership {
                    result.warnings.append("skipped device \(path): creating device nodes is not permitted")
                    return
                }
                throw SyscallError("mknod", display)
            }
            try finishNode(entry, dirfd: dirfd, leaf: leaf, display: display, chmod: true)
        }
    }

    /// Owner, xattrs, mode (after the owner: chown clears setuid) and times of a node that
    /// has no fd: symlinks, devices, fifos. Every call refuses to follow a symlink.
    private func finishNode(_ entry: TarEntry, dirfd: Int32, leaf: String, display: String, chmod: Bool) throws {
        if !options.ignoreOwnership {
            try sys("lchown", display) { fchownat(dirfd, leaf, uid_t(truncatingIfNeeded: entry.uid), gid_t(truncatingIfNeeded: entry.gid), AT_SYMLINK_NOFOLLOW) }
        }
        try applyXattrs(entry, target: .path(FS.procPath(dirfd, Array(leaf.utf8))), display: display)
        if chmod {
            try sys("chmod", display) { fchmodat(dirfd, leaf, mode_t(entry.mode), AT_SYMLINK_NOFOLLOW) }
        }
        var times = Self.times(entry.mtime)
        try sys("utimensat", display) { utimensat(dirfd, leaf, &times, AT_SYMLINK_NOFOLLOW) }
    }

    /// A hard link to an entry already inside the root, resolved with the same rules.
    private func link(_ entry: TarEntry, dirfd: Int32, leaf: String, display: String) throws {
        let target = RootDir.normalize(entry.linkName)
        guard let targetLeaf = target.last else {
            throw ArchiveError(.unsafePath, "invalid hard link \"\(entry.name)\": its target \"\(entry.linkName)\" is the target directory")
        }
        let parent = target.dropLast()
        let targetDir = parent.isEmpty ? root.fd
            : try root.openDirectory(parent, rel: parent.joined(separator: "/"), create: false, entry: entry.name)
        guard let targetDir else { throw missingLinkTarget(entry) }
        defer { if targetDir != root.fd { close(targetDir) } }
        if linkat(targetDir, targetLeaf, dirfd, leaf, 0) != 0 {
            if errno == ENOENT { throw missingLinkTarget(entry) }
            throw SyscallError("link", "\(root.path)/\(target.joined(separator: "/")) to \(display)")
        }
    }

    private func missingLinkTarget(_ entry: TarEntry) -> ArchiveError {
        ArchiveError(.invalidHeader, "invalid hard link \"\(entry.name)\": its target \"\(entry.linkName)\" is not an earlier entry of this archive")
    }

    func applyOwnerAndXattrs(_ entry: TarEntry, target: Xattrs.Target, display: String) throws {
        if !options.ignoreOwnership, case .fd(let fd) = target {
            try sys("chown", display) { fchown(fd, uid_t(truncatingIfNeeded: entry.uid), gid_t(truncatingIfNeeded: entry.gid)) }
        }
        try applyXattrs(entry, target: target, display: display)
    }

    private func applyXattrs(_ entry: TarEntry, target: Xattrs.Target, display: String) throws {
        for key in entry.xattrs.keys.sorted() {
            if Xattrs.isOverlayPrivate(key) {
                result.warnings.append("ignored the overlay attribute \(key) of \(entry.name)")
                continue
            }
            let e = Xattrs.set(target, key, entry.xattrs[key] ?? [])
            if e == 0 { continue }
            // Docker's policy: a filesystem or a privilege level that cannot hold the attribute is not fatal.
            if e == ENOTSUP || e == EPERM {
                result.warnings.append("could not set \(key) on \(entry.name): \(Errno.describe(e))")
                continue
            }
            throw SyscallError("setxattr", "\(key) on \(display)", errno: e)
        }
    }
}
