/// The ustar header layout and its numeric encodings, shared by the reader and the writer.
enum TarFormat {
    static let block = 512

    // (offset, length) of each header field.
    static let name = (0, 100)
    static let mode = (100, 8)
    static let uid = (108, 8)
    static let gid = (116, 8)
    static let size = (124, 12)
    static let mtime = (136, 12)
    static let checksum = (148, 8)
    static let typeflag = 156
    static let linkName = (157, 100)
    static let magic = (257, 6)
    static let version = (263, 2)
    static let uname = (265, 32)
    static let gname = (297, 32)
    static let devMajor = (329, 8)
    static let devMinor = (337, 8)
    static let prefix = (345, 155)

    /// Bytes of a NUL-terminated (or full-width) text field.
    static func bytes(_ h: UnsafeRawBufferPointer, _ f: (Int, Int)) -> ArraySlice<UInt8> {
        let field = UnsafeRawBufferPointer(rebasing: h[f.0..<(f.0 + f.1)])
        let end = field.firstIndex(of: 0) ?? field.count
        return ArraySlice(field[0..<end])
    }

    static func string(_ h: UnsafeRawBufferPointer, _ f: (Int, Int)) -> String {
        String(decoding: bytes(h, f), as: UTF8.self)
    }

    /// An octal field (spaces and NULs around the digits), or GNU base-256 when the high bit
    /// of the first byte is set. nil when the field holds anything else.
    static func number(_ h: UnsafeRawBufferPointer, _ f: (Int, Int)) -> Int64? {
        let field = UnsafeRawBufferPointer(rebasing: h[f.0..<(f.0 + f.1)])
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            let invert: UInt8 = first & 0x40 != 0 ? 0xff : 0
            var x: UInt64 = 0
            for (i, raw) in field.enumerated() {
                var c = raw ^ invert
                if i == 0 { c &= 0x7f }
                if x >> 56 != 0 { return nil }
                x = x << 8 | UInt64(c)
            }
            if x >> 63 != 0 { return nil }
            return invert == 0xff ? ~Int64(x) : Int64(x)
        }
        var value: Int64 = 0
        var seenDigit = false
        var seenEnd = false
        for c in field {
            if c == 0x20 || c == 0 {
                if seenDigit { seenEnd = true }
                continue
            }
            guard c >= 0x30 && c <= 0x37, !seenEnd else { return nil }
            seenDigit = true
            if value > (Int64.max >> 3) { return nil }
            value = value << 3 | Int64(c - 0x30)
        }
        return value
    }

    /// The largest value an octal field of this width holds (width-1 digits and a NUL).
    static func octalLimit(_ f: (Int, Int)) -> Int64 {
        (Int64(1) << (3 * Int64(f.1 - 1))) - 1
    }

    /// Writes an octal field; false when the value does not fit.
    @discardableResult
    static func putOctal(_ h: UnsafeMutableRawBufferPointer, _ f: (Int, Int), _ value: Int64) -> Bool {
        guard value >= 0, value <= octalLimit(f) else { return false }
        var v = value
        var i = f.0 + f.1 - 2
        h[f.0 + f.1 - 1] = 0
        while i >= f.0 {
            h[i] = 0x30 + UInt8(v & 7)
            v >>= 3
            i -= 1
        }
        return true
    }

    /// GNU base-256: for values an octal field cannot hold (devices numbers, huge ids).
    static func putBase256(_ h: UnsafeMutableRawBufferPointer, _ f: (Int, Int), _ value: Int64) {
        var v = value // arithmetic shifts: a negative value sign-extends into the high bytes
        var i = f.0 + f.1 - 1
        while i > f.0 {
            h[i] = UInt8(truncatingIfNeeded: v)
            v >>= 8
            i -= 1
        }
        h[f.0] = value < 0 ? 0xff : 0x80
    }

    /// Octal if it fits, base-256 otherwise.
    static func putNumber(_ h: UnsafeMutableRawBufferPointer, _ f: (Int, Int), _ value: Int64) {
        if !putOctal(h, f, value) { putBase256(h, f, value) }
    }

    /// Copies text into a field; false if it is longer than the field.
    @discardableResult
    static func putString<S: Collection>(_ h: UnsafeMutableRawBufferPointer, _ f: (Int, Int), _ s: S) -> Bool
    where S.Element == UInt8 {
        guard s.count <= f.1 else { return false }
        var i = f.0
        for c in s { h[i] = c; i += 1 }
        return true
    }

    /// The unsigned sum of the header with the checksum field read as spaces.
    static func checksum(_ h: UnsafeRawBufferPointer) -> (unsigned: Int64, signed: Int64) {
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (i, c) in h.enumerated() {
            let b = (i >= checksum.0 && i < checksum.0 + checksum.1) ? UInt8(0x20) : c
            unsigned += Int64(b)
            signed += Int64(Int8(bitPattern: b))
        }
        return (unsigned, signed)
    }

    static func isZero(_ h: UnsafeRawBufferPointer) -> Bool {
        // Eight bytes at a time: end-of-archive checks run on every header.
        let words = h.count / 8
        for i in 0..<words where h.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) != 0 { return false }
        return true
    }
}
