import Glibc
import LinuxSys

/// Reads a tar stream entry by entry: ustar, GNU long names and links, PAX local and global
/// headers, base-256 numbers. The content of the current entry is read through this object
/// (it is a ByteSource over that content) and is never held whole in memory.
public final class TarReader: ByteSource {
    /// Long names and PAX headers are read into memory: bound them.
    public static let maxExtendedHeader = 1 << 20

    private let src: ByteSource
    private let buf: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var srcEnded = false
    /// Content bytes of the current entry not yet handed out, then its padding to 512.
    private var remaining: Int64 = 0
    private var padding = 0
    private var currentName = ""
    var globalRecords: [String: [UInt8]] = [:]
    private var finished = false

    public init(_ src: ByteSource, bufferSize: Int = 1 << 20) {
        self.src = src
        buf = .allocate(byteCount: max(bufferSize, 64 * 1024), alignment: 64)
    }

    deinit { buf.deallocate() }

    /// The next entry, or nil at the end of the archive. Unread content of the previous
    /// entry is skipped.
    public func next() throws -> TarEntry? {
        if finished { return nil }
        try skip()
        try discard(Int64(padding), what: "padding")
        padding = 0
        var longName: String?
        var longLink: String?
        var pax: [String: [UInt8]] = [:]
        while true {
            guard try fillHeader() else {
                finished = true
                return nil
            }
            let h = UnsafeRawBufferPointer(rebasing: buf[start..<(start + TarFormat.block)])
            start += TarFormat.block
            if TarFormat.isZero(h) {
                // End of archive is two zero blocks; a lone one before EOF is accepted too.
                if try fillHeader() {
                    let second = UnsafeRawBufferPointer(rebasing: buf[start..<(start + TarFormat.block)])
                    guard TarFormat.isZero(second) else {
                        throw ArchiveError(.invalidHeader, "invalid tar archive: a zero block followed by data")
                    }
                    start += TarFormat.block
                }
                finished = true
                return nil
            }
            try verifyChecksum(h)
            let type = h[TarFormat.typeflag]
            guard let size = TarFormat.number(h, TarFormat.size), size >= 0 else {
                throw invalid("size", h)
            }
            switch type {
            case UInt8(ascii: "L"): longName = try readExtended(size, h).nulTerminatedString
            case UInt8(ascii: "K"): longLink = try readExtended(size, h).nulTerminatedString
            case UInt8(ascii: "x"):
                for (k, v) in try PaxRecords.parse(readExtended(size, h), entry: longName ?? "") { pax[k] = v }
            case UInt8(ascii: "g"):
                for (k, v) in try PaxRecords.parse(readExtended(size, h), entry: "") { globalRecords[k] = v }
            case UInt8(ascii: "V"):
                try discard(size + Int64(Self.pad(size)), what: "volume label")
            default:
                var entry = try makeEntry(h, type: type, size: size, longName: longName, longLink: longLink, pax: pax)
                let paxSize = pax["size"] ?? globalRecords["size"]
                let dataSize = try paxSize.map { try paxNumber($0, "size", entry.name) } ?? size
                if type == UInt8(ascii: "D") {
                    remaining = dataSize // a GNU dump directory's listing: skipped with the entry
                } else {
                    remaining = entry.kind == .file ? dataSize : 0
                }
                entry.size = entry.kind == .file ? dataSize : 0
                padding = Self.pad(remaining)
                currentName = entry.name
                return entry
            }
        }
    }

    /// Reads content of the current entry; 0 once it is all read.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0, !buffer.isEmpty else { return 0 }
        let want = Int(min(Int64(buffer.count), remaining))
        var n = 0
        if end > start {
            n = min(want, end - start)
            buffer.baseAddress?.copyMemory(from: buf.baseAddress! + start, byteCount: n)
            start += n
        } else if want >= buf.count / 4 {
            // Large reads bypass the buffer: no second copy.
            n = try src.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            if n == 0 { srcEnded = true }
        } else {
            try refill()
            n = min(want, end - start)
            if n > 0 {
                buffer.baseAddress?.copyMemory(from: buf.baseAddress! + start, byteCount: n)
                start += n
            }
        }
        if n == 0 { throw truncated() }
        remaining -= Int64(n)
        return n
    }

    public func readContent(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try read(into: buffer) }

    /// Writes the rest of the current entry's content to a file descriptor straight from
    /// the read buffer. Returns the byte count.
    @discardableResult
    public func copyContent(toFD fd: Int32) throws -> Int64 {
        try drainContent { chunk in
            var off = 0
            while off < chunk.count {
                off += try sys("write", "fd \(fd)") { Glibc.write(fd, chunk.baseAddress! + off, chunk.count - off) }
            }
        }
    }

    @discardableResult
    public func copyContent(to sink: ByteSink) throws -> Int64 {
        try drainContent { try sink.write($0) }
    }

    /// Discards the rest of the current entry's content.
    public func skip() throws {
        let n = remaining
        remaining = 0
        try discard(n, what: "content of \"\(currentName)\"")
    }

    private func drainContent(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        var total: Int64 = 0
        while remaining > 0 {
            if end == start {
                try refill()
                if end == start { throw truncated() }
            }
            let n = Int(min(Int64(end - start), remaining))
            try body(UnsafeRawBufferPointer(rebasing: buf[start..<(start + n)]))
            start += n
            remaining -= Int64(n)
            total += Int64(n)
        }
        return total
    }

    private func discard(_ count: Int64, what: String) throws {
        var left = count
        while left > 0 {
            if end == start {
                try refill()
                if end == start {
                    throw ArchiveError(.truncated, "unexpected end of tar archive in the \(what) (\(left) bytes missing)")
                }
            }
            let n = Int(min(Int64(end - start), left))
            start += n
            left -= Int64(n)
        }
    }

    /// Reads more into an empty buffer (never called with unread bytes left).
    private func refill() throws {
        start = 0
        end = 0
        if srcEnded { return }
        let n = try src.read(into: buf)
        if n == 0 { srcEnded = true }
        end = n
    }

    /// Makes a whole header block available at `start`; false at a clean end of stream.
    private func fillHeader() throws -> Bool {
        if end - start >= TarFormat.block { return true }
        if start > 0 {
            let kept = end - start
            if kept > 0 { buf.baseAddress!.copyMemory(from: buf.baseAddress! + start, byteCount: kept) }
            start = 0
            end = kept
        }
        while end < TarFormat.block && !srcEnded {
            let n = try src.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[end...]))
            if n == 0 { srcEnded = true } else { end += n }
        }
        if end == 0 { return false }
        if end < TarFormat.block {
            throw ArchiveError(.truncated, "unexpected end of tar archive: a header is cut short after \"\(currentName)\"")
        }
        return true
    }

    private func readExtended(_ size: Int64, _ h: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard size <= Int64(Self.maxExtendedHeader) else {
            throw ArchiveError(.tooLarge, "invalid tar archive: a \(size)-byte extended header exceeds the \(Self.maxExtendedHeader)-byte limit")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        remaining = size
        currentName = "extended header"
        var used = 0
        while used < out.count {
            used += try out.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[used...])) }
        }
        try discard(Int64(Self.pad(size)), what: "padding")
        return out
    }

    static func pad(_ size: Int64) -> Int { Int((512 - size % 512) % 512) }

    private func verifyChecksum(_ h: UnsafeRawBufferPointer) throws {
        guard let stored = TarFormat.number(h, TarFormat.checksum) else { throw invalid("checksum", h) }
        let sums = TarFormat.checksum(h)
        if stored != sums.unsigned && stored != sums.signed {
            throw ArchiveError(.invalidHeader, "invalid tar header checksum after \"\(currentName)\": the archive is corrupt or not a tar file")
        }
    }

    private func invalid(_ field: String, _ h: UnsafeRawBufferPointer) -> ArchiveError {
        ArchiveError(.invalidHeader, "invalid tar header: bad \(field) field in the entry \"\(TarFormat.string(h, TarFormat.name))\"")
    }

    private func truncated() -> ArchiveError {
        ArchiveError(.truncated, "unexpected end of tar archive in the content of \"\(currentName)\" (\(remaining) bytes missing)")
    }
}

extension Array where Element == UInt8 {
    var nulTerminatedString: String {
        String(decoding: self[..<(firstIndex(of: 0) ?? count)], as: UTF8.self)
    }
}
