import Glibc
import LinuxSys

/// Writes a tar stream: ustar headers, with a PAX extended header in front of an entry
/// when a name, link, id, size or time does not fit ustar, or when it has xattrs. Headers
/// and small files are gathered in one large buffer, so the sink sees big writes.
public final class TarWriter {
    private let sink: ByteSink
    private let buf: UnsafeMutableRawBufferPointer
    private var used = 0
    private var remaining: Int64 = 0
    private var padding = 0
    private var currentName = ""
    private var finished = false
    /// Record nanoseconds of mtimes in PAX headers. Off by default, as Docker truncates
    /// to whole seconds: layer tars stay reproducible and free of PAX headers.
    public var subsecondTimes: Bool

    public init(_ sink: ByteSink, bufferSize: Int = 1 << 20, subsecondTimes: Bool = false) {
        self.sink = sink
        self.subsecondTimes = subsecondTimes
        buf = .allocate(byteCount: max(bufferSize, 16 * 1024), alignment: 64)
    }

    deinit { buf.deallocate() }

    /// Starts an entry; regular files must then get exactly `entry.size` content bytes.
    /// A directory's name gets a trailing "/".
    public func writeHeader(_ entry: TarEntry) throws {
        guard !finished else { throw ArchiveError(.usage, "tar: entry \"\(entry.name)\" written after finish") }
        try requireComplete()
        var name = entry.name
        if entry.kind == .directory && !name.hasSuffix("/") { name += "/" }
        let size = entry.kind == .file ? entry.size : 0
        guard size >= 0 else { throw ArchiveError(.usage, "tar: entry \"\(name)\" has a negative size") }

        var pax: [(String, [UInt8])] = []
        let nameBytes = Array(name.utf8)
        var ustarName = nameBytes[...]
        var ustarPrefix: ArraySlice<UInt8> = []
        if let (prefix, rest) = Self.ustarSplit(nameBytes) {
            ustarPrefix = prefix
            ustarName = rest
        } else {
            pax.append(("path", nameBytes))
            ustarName = nameBytes.prefix(TarFormat.name.1)
        }
        let link = Array(entry.linkName.utf8)
        if link.count > TarFormat.linkName.1 || !link.isASCII { pax.append(("linkpath", link)) }
        if size > TarFormat.octalLimit(TarFormat.size) { pax.append(("size", Array(String(size).utf8))) }
        for (key, value, field) in [("uid", entry.uid, TarFormat.uid), ("gid", entry.gid, TarFormat.gid)]
        where value < 0 || Int64(value) > TarFormat.octalLimit(field) {
            pax.append((key, Array(String(value).utf8)))
        }
        var mtime = entry.mtime
        if !subsecondTimes { mtime.nanoseconds = 0 }
        if mtime.nanoseconds != 0 || mtime.seconds < 0 || mtime.seconds > TarFormat.octalLimit(TarFormat.mtime) {
            pax.append(("mtime", Array(PaxRecords.timeText(mtime).utf8)))
        }
        let uname = Array(entry.uname.utf8), gname = Array(entry.gname.utf8)
        if uname.count > TarFormat.uname.1 || !uname.isASCII { pax.append(("uname", uname)) }
        if gname.count > TarFormat.gname.1 || !gname.isASCII { pax.append(("gname", gname)) }
        for key in entry.xattrs.keys.sorted() {
            pax.append((PaxRecords.xattrPrefix + key, entry.xattrs[key] ?? []))
        }

        if !pax.isEmpty {
            var records: [UInt8] = []
            for (k, v) in pax { records += PaxRecords.record(k, v) }
            let base = nameBytes.split(separator: UInt8(ascii: "/")).last ?? []
            let paxName = Array(("PaxHeaders.0/".utf8 + base).prefix(TarFormat.name.1))
            try putHeader { h in
                TarFormat.putString(h, TarFormat.name, paxName)
                Self.fillCommon(h, mode: 0o644, uid: 0, gid: 0, size: Int64(records.count), mtime: 0,
                                type: UInt8(ascii: "x"))
            }
            begin(name, size: Int64(records.count))
            try records.withUnsafeBytes { try writeContent($0) }
        }

        try putHeader { h in
            TarFormat.putString(h, TarFormat.name, ustarName)
            TarFormat.putString(h, TarFormat.prefix, ustarPrefix)
            Self.fillCommon(h, mode: Int64(entry.mode & 0o7777), uid: Int64(entry.uid), gid: Int64(entry.gid),
                            size: size, mtime: mtime.seconds, type: entry.kind.typeflag)
            TarFormat.putString(h, TarFormat.linkName, link.prefix(TarFormat.linkName.1))
            TarFormat.putString(h, TarFormat.uname, uname.prefix(TarFormat.uname.1))
            TarFormat.putString(h, TarFormat.gname, gname.prefix(TarFormat.gname.1))
            TarFormat.putNumber(h, TarFormat.devMajor, Int64(entry.devMajor))
            TarFormat.putNumber(h, TarFormat.devMinor, Int64(entry.devMinor))
        }
        begin(name, size: size)
    }

    /// Content of the current entry, in as many pieces as convenient.
    public func writeContent(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(bytes.count) <= remaining else {
            throw ArchiveError(.usage, "tar: too much content for \"\(currentName)\": \(bytes.count) bytes offered, \(remaining) left")
        }
        if bytes.isEmpty { return }
        if bytes.count >= buf.count / 2 {
            try flush()
            try sink.write(bytes)
        } else {
            if buf.count - used < bytes.count { try flush() }
            (buf.baseAddress! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            used += bytes.count
        }
        remaining -= Int64(bytes.count)
        if remaining == 0 { try pad() }
    }

    public func writeContent(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeContent($0) }
    }

    /// Copies the current entry's content from a source that must hold at least that much.
    public func writeContent(from src: ByteSource) throws {
        while remaining > 0 {
            if used == buf.count { try flush() }
            let want = Int(min(Int64(buf.count - used), remaining))
            let n = try src.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[used..<(used + want)]))
            if n == 0 {
                throw ArchiveError(.truncated, "tar: the content of \"\(currentName)\" ended \(remaining) bytes short")
            }
            used += n
            remaining -= Int64(n)
        }
        try pad()
    }

    /// A whole regular file: header, then `entry.size` bytes read from `fd` straight into
    /// the output buffer. A file that shrank meanwhile is an error (the tar would be corrupt).
    public func writeFile(_ entry: TarEntry, fromFD fd: Int32) throws {
        try writeHeader(entry)
        while remaining > 0 {
            if used == buf.count { try flush() }
            let want = Int(min(Int64(buf.count - used), remaining))
            let n = try sys("read", "\(entry.name)") { Glibc.read(fd, buf.baseAddress! + used, want) }
            if n == 0 {
                throw RuntimeError("tar: \(entry.name) shrank while being archived (\(remaining) of \(entry.size) bytes missing)")
            }
            used += n
            remaining -= Int64(n)
        }
        try pad()
    }

    /// The end-of-archive marker (two zero blocks); flushes and finishes the sink.
    public func finish() throws {
        if finished { return }
        try requireComplete()
        try zeros(2 * TarFormat.block)
        try flush()
        finished = true
        try sink.finish()
    }

    /// Hands buffered bytes to the sink (entries stay valid tar at any point).
    public func flush() throws {
        if used == 0 { return }
        try sink.write(UnsafeRawBufferPointer(rebasing: buf[0..<used]))
        used = 0
    }

    private func requireComplete() throws {
        if remaining > 0 {
            throw ArchiveError(.usage, "tar: \"\(currentName)\" is missing \(remaining) bytes of content")
        }
    }

    /// Zeroes up to the next 512-byte boundary after an entry's content.
    private func pad() throws {
        try zeros(padding)
        padding = 0
    }

    private func zeros(_ count: Int) throws {
        if buf.count - used < count { try flush() }
        (buf.baseAddress! + used).initializeMemory(as: UInt8.self, repeating: 0, count: count)
        used += count
    }

    private func begin(_ name: String, size: Int64) {
        currentName = name
        remaining = size
        padding = TarReader.pad(size)
    }

    /// One 512-byte header in the buffer: zeroed, filled by `body`, then checksummed.
    private func putHeader(_ body: (UnsafeMutableRawBufferPointer) -> Void) throws {
        try zeros(TarFormat.block)
        let h = UnsafeMutableRawBufferPointer(rebasing: buf[(used - TarFormat.block)..<used])
        body(h)
        let sum = TarFormat.checksum(UnsafeRawBufferPointer(h)).unsigned
        TarFormat.putOctal(h, (TarFormat.checksum.0, 7), sum) // six digits, NUL
        h[TarFormat.checksum.0 + 7] = 0x20                    // then a space, as tar(1) writes it
    }

    private static func fillCommon(_ h: UnsafeMutableRawBufferPointer, mode: Int64, uid: Int64, gid: Int64,
                                   size: Int64, mtime: Int64, type: UInt8) {
        TarFormat.putNumber(h, TarFormat.mode, mode)
        TarFormat.putNumber(h, TarFormat.uid, uid)
        TarFormat.putNumber(h, TarFormat.gid, gid)
        TarFormat.putNumber(h, TarFormat.size, size)
        TarFormat.putNumber(h, TarFormat.mtime, mtime)
        h[TarFormat.typeflag] = type
        TarFormat.putString(h, TarFormat.magic, "ustar\0".utf8)
        TarFormat.putString(h, TarFormat.version, "00".utf8)
    }

    /// Splits a long ASCII name into ustar prefix and name at a "/" (as Go's archive/tar);
    /// nil when it needs a PAX path.
    static func ustarSplit(_ name: [UInt8]) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard name.isASCII else { return nil }
        if name.count <= TarFormat.name.1 { return ([], name[...]) }
        var length = name.count
        if length > TarFormat.prefix.1 + 1 {
            length = TarFormat.prefix.1 + 1
        } else if name[length - 1] == UInt8(ascii: "/") {
            length -= 1
        }
        guard let i = name[..<length].lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let suffix = name.count - i - 1
        guard i > 0, suffix > 0, suffix <= TarFormat.name.1, i <= TarFormat.prefix.1 else { return nil }
        return (name[..<i], name[(i + 1)...])
    }
}

extension Array where Element == UInt8 {
    var isASCII: Bool { allSatisfy { $0 < 0x80 } }
}
