import Glibc
import CLinux
import APIClient
import Archive
import JSON
import LinuxSys

/// `berth cp`: `GET /containers/{id}/archive` (tar out, unpacked here) and
/// `PUT /containers/{id}/archive` (a tar made here), with docker's rules for where things land.
enum Copy {
    static var command: Command {
        Command("cp", usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
                "Copy files/folders between a container and the local filesystem", args: .exact(2), flags: [
            Flag("archive", "a", .bool, "Archive mode (copy all uid/gid information)"),
            Flag("follow-link", "L", .bool, "Always follow symbol link in SRC_PATH"),
            Flag("quiet", "q", .bool, "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached"),
        ]) { inv in
            let (srcC, srcPath) = split(inv.args[0]), (dstC, dstPath) = split(inv.args[1])
            if srcPath.isEmpty { throw CLIError("source can not be empty") }
            if dstPath.isEmpty { throw CLIError("destination can not be empty") }
            let opts = Options(archive: inv.flags.bool("archive"), followLink: inv.flags.bool("follow-link"), quiet: inv.flags.bool("quiet"))
            switch (srcC, dstC) {
            case (let c?, nil): try fromContainer(inv, c, srcPath, dstPath, opts)
            case (nil, let c?): try toContainer(inv, srcPath, c, dstPath, opts)
            case (.some, .some): throw CLIError("copying between containers is not supported")
            case (nil, nil): throw CLIError("must specify at least one container source")
            }
            return 0
        }
    }

    struct Options { var archive: Bool; var followLink: Bool; var quiet: Bool }

    /// `CONTAINER:PATH` or a local path (absolute, or starting with `.`, or without `:`).
    static func split(_ arg: String) -> (String?, String) {
        if arg.hasPrefix("/") { return (nil, arg) }
        let (c, p) = arg.cut(":")
        guard let p, !c.hasPrefix(".") else { return (nil, arg) }
        return (c, p)
    }

    /// `X-Docker-Container-Path-Stat`: base64 JSON of name, size, mode (Go FileMode), mtime, linkTarget.
    struct PathStat {
        var name = "", size: Int64 = 0, mode: UInt32 = 0, linkTarget = ""
        var isDir: Bool { mode & (1 << 31) != 0 }
        var isSymlink: Bool { mode & (1 << 27) != 0 }

        init?(header: String?) {
            guard let h = header, let raw = Base64.decode(h), let v = try? JSON.parse(raw) else { return nil }
            name = v["name"].stringValue
            size = v["size"].int64 ?? 0
            mode = UInt32(truncatingIfNeeded: v["mode"].int64 ?? 0)
            linkTarget = v["linkTarget"].stringValue
        }
    }

    static func statPath(_ client: APIClient, _ container: String, _ path: String) throws -> PathStat? {
        var q = Query()
        q.add("path", path)
        do {
            let r = try client.request("HEAD", Lifecycle.path(container, "/archive"), query: q)
            return PathStat(header: r.headers["X-Docker-Container-Path-Stat"])
        } catch let e as APIError where e.isNotFound {
            return nil
        }
    }

    // MARK: container -> host

    static func fromContainer(_ inv: Invocation, _ container: String, _ srcIn: String, _ dst: String, _ opts: Options) throws {
        let client = try inv.ctx.client()
        var src = srcIn
        var rebase: String?
        if opts.followLink, let st = try statPath(client, container, src), st.isSymlink {
            let target = st.linkTarget.hasPrefix("/") ? st.linkTarget : FileIO.parent(of: src) + "/" + st.linkTarget
            rebase = FileIO.base(of: trimSlashes(src))
            src = target
        }
        var q = Query()
        q.add("path", src)
        let stream = try client.stream("GET", Lifecycle.path(container, "/archive"), query: q)
        if dst == "-" {
            try stream.copy(to: inv.ctx.out)
            return
        }
        let stat = PathStat(header: stream.headers["X-Docker-Container-Path-Stat"])
        let srcIsDir = stat?.isDir ?? false
        // `/etc/.` names the contents of etc: its entries are under `etc` (or `.`, as dockerd names them).
        let srcBase = FileIO.base(of: trimSlashes(trimDot(src)))
        let dstAbs = dst.hasPrefix("/") ? dst : VolumeSpec.absolutePath(dst) + (dst.hasSuffix("/") ? "/" : "")
        let counted = CountingSource(stream)
        // Where the archive is unpacked, and what its top entry is renamed to (nil: kept).
        let dir: String, rename: Rename
        if FileIO.isDirectory(dstAbs) {
            let contentsOnly = srcIsDir && (src.hasSuffix("/.") || src == ".")
            dir = dstAbs
            rename = contentsOnly ? .strip(srcBase) : rebase.map { .replace(srcBase, $0) } ?? .none
        } else {
            if dstAbs.hasSuffix("/") {
                if srcIsDir { try FileIO.mkdirAll(String(dstAbs.dropLast())) } else {
                    throw CLIError("no such directory")
                }
            }
            let target = trimSlashes(dstAbs)
            var st = Glibc.stat()
            if lstat(target, &st) == 0 && srcIsDir {
                throw CLIError("cannot copy directory")
            }
            dir = FileIO.parent(of: target)
            guard FileIO.isDirectory(dir) else { throw CLIError("no such directory") }
            rename = .replace(srcBase, FileIO.base(of: target))
        }
        let applyOpts = ApplyOptions(whiteoutFormat: .delete, ignoreOwnership: !opts.archive)
        switch rename {
        case .none:
            _ = try LayerApplier.apply(counted, to: dir, options: applyOpts)
        default:
            let piped = try Pipe.produce { sink in try retar(from: counted, to: sink, rename) }
            _ = try LayerApplier.apply(piped, to: dir, options: applyOpts)
            try piped.check()
        }
        // Progress and the summary only go to a terminal, as docker 28 does.
        if !opts.quiet && inv.ctx.err.isTerminal {
            inv.ctx.err.put("Successfully copied \(HumanUnits.humanSize(Double(counted.count), precision: 3)) to \(dstAbs)\n")
        }
    }

    enum Rename { case none, replace(String, String), strip(String) }

    /// Rewrites entry names (and hard-link targets): the first component `from` becomes
    /// `to`, or is dropped with `.strip`.
    static func retar(from src: ByteSource, to sink: ByteSink, _ rename: Rename) throws {
        let reader = TarReader(src)
        let writer = TarWriter(sink)
        func map(_ name: String) -> String? {
            var n = Substring(name)
            while n.hasPrefix("./") { n = n.dropFirst(2) }
            while n.hasPrefix("/") { n = n.dropFirst() }
            let (first, rest) = String(n).cut("/")
            switch rename {
            case .none: return name
            case .replace(let from, let to):
                guard first == from else { return String(n) }
                return rest.map { $0.isEmpty ? to + "/" : to + "/" + $0 } ?? to
            case .strip(let from):
                guard first == from else { return String(n) }
                guard let rest, !rest.isEmpty else { return nil }
                return rest
            }
        }
        while var entry = try reader.next() {
            guard let name = map(entry.name) else { continue }
            entry.name = name
            if entry.kind == .hardlink, let l = map(entry.linkName) { entry.linkName = l }
            try writer.writeHeader(entry)
            if entry.kind == .file { try writer.writeContent(from: reader) }
        }
        try writer.finish()
    }

    // MARK: host -> container

    static func toContainer(_ inv: Invocation, _ srcIn: String, _ container: String, _ dst: String, _ opts: Options) throws {
        let client = try inv.ctx.client()
        var q = Query()
        q.flag("copyUIDGID", opts.archive)
        let body: ByteSource
        var target = dst
        if srcIn == "-" {
            guard let st = try statPath(client, container, dst), st.isDir else {
                throw CLIError("destination \"\(container):\(dst)\" must be a directory")
            }
            body = FDSource(fd: 0)
        } else {
            let src = srcIn.hasPrefix("/") ? srcIn : VolumeSpec.absolutePath(srcIn) + (srcIn.hasSuffix("/.") ? "/." : "")
            var st = Glibc.stat()
            let found = opts.followLink ? stat(trimDot(src), &st) : lstat(trimSlashes(trimDot(src)), &st)
            if found != 0 { throw CLIError("lstat \(srcIn): \(Errno.describe(errno))") }
            let srcIsDir = (st.st_mode & S_IFMT) == S_IFDIR
            let dstStat = try statPath(client, container, dst)
            var name: String
            if let d = dstStat, d.isDir {
                name = FileIO.base(of: trimSlashes(trimDot(src)))
                if srcIsDir && (srcIn.hasSuffix("/.") || srcIn == ".") { name = "" }
            } else if let d = dstStat {
                if srcIsDir { throw CLIError("cannot copy directory") }
                _ = d
                name = FileIO.base(of: trimSlashes(dst))
                target = FileIO.parent(of: trimSlashes(dst))
            } else {
                if dst.hasSuffix("/") && !srcIsDir { throw CLIError("no such directory") }
                name = FileIO.base(of: trimSlashes(dst))
                target = FileIO.parent(of: trimSlashes(dst))
            }
            let root = trimSlashes(trimDot(src))
            let prefix = name
            body = try Pipe.produce { sink in
                let w = TarWriter(sink)
                try w.addTree(root: root.isEmpty ? "/" : root, as: prefix)
                try w.finish()
            }
        }
        q.add("path", target)
        q.add("noOverwriteDirNonDir", "true")
        let counted = CountingSource(body)
        let r = try client.stream("PUT", Lifecycle.path(container, "/archive"), query: q, bodySource: counted,
                                  contentType: "application/x-tar")
        _ = try r.readAll(limit: 1 << 20)
        if let p = body as? Pipe.Reader { try p.check() }
        if !opts.quiet && inv.ctx.err.isTerminal {
            inv.ctx.err.put("Successfully copied \(HumanUnits.humanSize(Double(counted.count), precision: 3)) to \(container):\(dst)\n")
        }
    }

    static func trimSlashes(_ p: String) -> String {
        var s = Substring(p)
        while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }

    static func trimDot(_ p: String) -> String {
        p.hasSuffix("/.") ? String(p.dropLast(2)) : p
    }
}

/// Counts what passes through (the "Successfully copied" size).
final class CountingSource: ByteSource, @unchecked Sendable {
    let src: ByteSource
    private(set) var count: Int64 = 0
    init(_ src: ByteSource) { self.src = src }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try src.read(into: buffer)
        count += Int64(n)
        return n
    }
}

/// A producer thread writing into a pipe, read here as a ByteSource: turns a push writer
/// (TarWriter) into the pull body the HTTP client and the applier want.
enum Pipe {
    final class Reader: ByteSource, @unchecked Sendable {
        let fd: Int32
        fileprivate let done = Condition()
        fileprivate var finished = false
        fileprivate var error: Error?
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try FDSource(fd: fd).read(into: buffer) }

        /// Waits for the producer and rethrows its failure.
        func check() throws {
            done.lock()
            while !finished { _ = done.wait() }
            let e = error
            done.unlock()
            if let e { throw e }
        }
    }

    static func produce(_ body: @escaping @Sendable (ByteSink) throws -> Void) throws -> Reader {
        var fds: [Int32] = [-1, -1]
        if berth_pipe_cloexec(&fds) != 0 { throw SyscallError("pipe") }
        let reader = Reader(fd: fds[0])
        let w = fds[1]
        spawnThread {
            var failure: Error?
            do { try body(FDSink(fd: w)) } catch { failure = error }
            close(w)
            reader.done.lock()
            reader.finished = true
            reader.error = failure
            reader.done.broadcast()
            reader.done.unlock()
        }
        return reader
    }
}

/// RFC 4648 base64 (standard alphabet, padding optional), for the path-stat header.
enum Base64 {
    static func decode(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0
        for c in s.utf8 {
            let v: UInt32
            switch c {
            case 65...90: v = UInt32(c - 65)
            case 97...122: v = UInt32(c - 71)
            case 48...57: v = UInt32(c + 4)
            case 43, 45: v = 62
            case 47, 95: v = 63
            case 61, 10, 13, 32: continue
            default: return nil
            }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xff))
            }
        }
        return out
    }
}
