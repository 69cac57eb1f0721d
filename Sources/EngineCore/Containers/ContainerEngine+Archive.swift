import Glibc
import LinuxSys
import JSON
import Archive
import DockerAPI

/// The path stat docker cp reads from `X-Docker-Container-Path-Stat` (base64 of this JSON).
public struct PathStat: Codable, Sendable {
    public var name: String
    public var size: Int64
    /// Go's os.FileMode bits.
    public var mode: UInt32
    public var mtime: String
    public var linkTarget: String
}

extension ContainerEngine {
    /// Runs `body` with the container's root filesystem visible: the running container's
    /// own view (binds included) or, when stopped, the overlay mounted for the call.
    func withRootfs<T>(_ ref: String, _ body: (String) throws -> T) throws -> T {
        let r = try lookup(ref)
        if r.State.isRunning, r.State.Pid > 0, FileIO.exists("/proc/\(r.State.Pid)/root/") {
            return try body("/proc/\(r.State.Pid)/root")
        }
        let p = paths(r.ID)
        if Overlay.isMounted(p.merged) { return try body(p.merged) }
        try Overlay.mount(lower: try images.lowerDirs(imageID: r.ImageID), p)
        defer {
            // A start that raced with us owns the mount now.
            if !(state.with { records[r.ID]?.State.isRunning ?? false }) { Overlay.unmount(p) }
        }
        return try body(p.merged)
    }

    /// `GET /containers/{id}/changes`.
    public func changes(_ ref: String) throws -> [FilesystemChange] {
        let r = try lookup(ref)
        let lower = try images.lowerDirs(imageID: r.ImageID)
        return try LayerDiff.changes(upperDir: paths(r.ID).upper, lowerDirs: lower).map {
            FilesystemChange(Path: $0.path, Kind: $0.kind.rawValue)
        }
    }

    /// `GET /containers/{id}/export`: the whole filesystem as a tar.
    public func export(_ ref: String, to sink: ByteSink) throws {
        try withRootfs(ref) { root in
            let tar = TarWriter(sink)
            try tar.addTree(root: root, as: "")
            try tar.finish()
        }
        if let r = try? lookup(ref) { emit("export", r) }
    }

    /// `HEAD /containers/{id}/archive`.
    public func statPath(_ ref: String, path: String) throws -> PathStat {
        try withRootfs(ref) { root in try Self.stat(root: root, path: path) }
    }

    static func stat(root: String, path: String) throws -> PathStat {
        let host = try ContainerPathResolver.resolve(root: root, path, followFinal: false)
        var st = Glibc.stat()
        guard lstat(host, &st) == 0 else {
            throw EngineError.notFound("Could not find the file \(path) in container")
        }
        var mode = UInt32(st.st_mode) & 0o777
        switch st.st_mode & S_IFMT {
        case S_IFDIR: mode |= 1 << 31
        case S_IFLNK: mode |= 1 << 27
        case S_IFIFO: mode |= 1 << 25
        case S_IFSOCK: mode |= 1 << 24
        case S_IFCHR: mode |= (1 << 26) | (1 << 21)
        case S_IFBLK: mode |= 1 << 26
        default: break
        }
        if st.st_mode & S_ISUID != 0 { mode |= 1 << 23 }
        if st.st_mode & S_ISGID != 0 { mode |= 1 << 22 }
        if st.st_mode & S_ISVTX != 0 { mode |= 1 << 20 }
        var link = ""
        if (st.st_mode & S_IFMT) == S_IFLNK {
            var buf = [CChar](repeating: 0, count: 4097)
            let n = readlink(host, &buf, 4096)
            if n > 0 { link = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        let base = path.split(separator: "/").last.map(String.init) ?? "/"
        let mtime = WallTime(seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int64(st.st_mtim.tv_nsec)).rfc3339Nano
        return PathStat(name: base, size: Int64(st.st_size), mode: mode, mtime: mtime, linkTarget: link)
    }

    /// `GET /containers/{id}/archive`: stat first (for the header), then the tar of the path.
    public func archive(_ ref: String, path: String, to sink: @escaping (PathStat) throws -> ByteSink) throws {
        try withRootfs(ref) { root in
            let st = try Self.stat(root: root, path: path)
            let host = try ContainerPathResolver.resolve(root: root, path, followFinal: path.hasSuffix("/") || path.hasSuffix("/."))
            let out = try sink(st)
            let tar = TarWriter(out)
            let name = path.hasSuffix("/.") ? "." : st.name
            try tar.addTree(root: host, as: name == "/" ? "." : name)
            try tar.finish()
        }
        if let r = try? lookup(ref) { emit("archive-path", r, extra: ["path": path]) }
    }

    /// `PUT /containers/{id}/archive`: extracts a tar into a directory of the container.
    public func extract(_ ref: String, path: String, from src: ByteSource, noOverwriteDirNonDir: Bool) throws {
        let r = try lookup(ref)
        if r.HostConfig.ReadonlyRootfs ?? false {
            throw EngineError(.forbidden, "container rootfs is marked read-only")
        }
        try withRootfs(ref) { root in
            let host = try ContainerPathResolver.resolve(root: root, path)
            var st = Glibc.stat()
            guard lstat(host, &st) == 0 else {
                throw EngineError.notFound("Could not find the file \(path) in container \(ref)")
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw EngineError.invalid("extraction point is not a directory")
            }
            do {
                _ = try LayerApplier.apply(src, to: host, options: ApplyOptions(whiteoutFormat: .none))
            } catch {
                throw EngineError.invalid("copy to \(path) in container \(ref): \(error)")
            }
        }
        emit("extract-to-dir", r, extra: ["path": path])
    }
}
