import CLinux
import Glibc
import LinuxSys

public struct ApplyOptions: Sendable {
    public enum WhiteoutFormat: Sendable {
        /// Into an empty directory that becomes an overlayfs lower layer: `.wh.NAME` becomes
        /// a 0/0 character device, `.wh..wh..opq` the opaque attribute on its directory.
        case overlay
        /// Onto a full tree (`docker cp`, flattening layers): `.wh.NAME` deletes NAME, and
        /// `.wh..wh..opq` deletes what the directory held before this archive.
        case delete
        /// Not a layer at all (`docker cp` into a container): `.wh.` names are ordinary files.
        case none
    }

    public var whiteoutFormat: WhiteoutFormat
    /// Rootless: no lchown, and device nodes, xattrs the kernel refuses (EPERM) are skipped with a warning.
    public var ignoreOwnership: Bool
    /// The attribute that marks an opaque directory; rootless overlay mounts (`userxattr`)
    /// use "user.overlay.opaque".
    public var opaqueXattr: String
    /// syncfs(2) once everything is written, before `apply` returns.
    public var sync: Bool

    public init(whiteoutFormat: WhiteoutFormat = .overlay, ignoreOwnership: Bool = false,
                opaqueXattr: String = LayerFormat.opaqueXattr, sync: Bool = false) {
        self.whiteoutFormat = whiteoutFormat
        self.ignoreOwnership = ignoreOwnership
        self.opaqueXattr = opaqueXattr
        self.sync = sync
    }
}

public struct ApplyResult: Sendable {
    /// Bytes of regular-file content written (Docker's layer "size").
    public var size: Int64 = 0
    /// Archive entries applied, whiteouts included.
    public var entries: Int = 0
    /// What was skipped because this filesystem or these privileges cannot hold it.
    public var warnings: [String] = []
}

/// Unpacks image layers and `docker cp` archives. No entry lands outside the target
/// directory: names are normalised, no symlink is followed when resolving a parent, files
/// are created with O_EXCL|O_NOFOLLOW (an existing name is removed first, never written
/// through), hard links must point inside, and overlayfs' own trusted.overlay.* attributes
/// are never taken from the archive.
public enum LayerApplier {
    /// Applies a tar stream (gzip or plain; the compression is detected) to `dir`. A gzip
    /// stream is inflated (and `src` read) on a second thread while this one writes files;
    /// `src` is no longer touched once this returns or throws.
    public static func apply(_ src: ByteSource, to dir: String, options: ApplyOptions = ApplyOptions()) throws -> ApplyResult {
        let applier = try Applier(reader: TarReader(try Compression.wrap(src, readAhead: true)), root: RootDir(dir), options: options)
        return try applier.run()
    }
}

/// The state of one apply: directories whose mode and times are set once their contents are
/// in, and (delete format) what this archive has put down, which an opaque marker keeps.
final class Applier {
    let reader: TarReader
    let root: RootDir
    let options: ApplyOptions
    var result = ApplyResult()
    var directories: [String: TarEntry] = [:]
    var unpacked: Set<String> = []

    init(reader: TarReader, root: RootDir, options: ApplyOptions) {
        self.reader = reader
        self.root = root
        self.options = options
    }

    func run() throws -> ApplyResult {
        while let entry = try reader.next() {
            try apply(entry)
            result.entries += 1
        }
        try finishDirectories()
        if options.sync { try sys("syncfs", root.path) { berth_syncfs(root.fd) } }
        return result
    }

    /// Modes and times of directories, deepest first (a read-only parent must not stop
    /// an unprivileged caller from reaching its children; a child's entry would change the
    /// parent's mtime).
    private func finishDirectories() throws {
        for (path, e) in directories.sorted(by: { $0.key.count > $1.key.count }) {
            let comps = RootDir.normalize(path)[...]
            let dirfd: Int32
            if comps.isEmpty {
                dirfd = try sys("dup", root.path) { fcntl(root.fd, F_DUPFD_CLOEXEC, 0) }
            } else {
                // Gone or replaced by a later entry: nothing to fix.
                guard let fd = try? root.openDirectory(comps, rel: path, create: false, entry: path) else { continue }
                dirfd = fd
            }
            defer { close(dirfd) }
            try sys("chmod", "\(root.path)/\(path)") { fchmod(dirfd, mode_t(e.mode)) }
            var times = Self.times(e.mtime)
            try sys("utimensat", "\(root.path)/\(path)") { futimens(dirfd, &times) }
        }
    }

    static func times(_ t: TarTime) -> [timespec] {
        let ts = timespec(tv_sec: Int(t.seconds), tv_nsec: Int(t.nanoseconds))
        return [ts, ts] // atime = mtime: layers record no access time worth keeping
    }
}
