/// A modification time with nanoseconds (PAX `mtime` carries fractions).
public struct TarTime: Sendable, Equatable, Hashable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
}

/// One member of a tar archive, with every PAX/GNU extension already folded in.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink
        case hardlink
        case charDevice
        case blockDevice
        case fifo
    }

    /// The path inside the archive as written there (directories may end in "/").
    public var name: String
    public var kind: Kind
    /// Permission bits with setuid, setgid and sticky (0o7777); no file-type bits.
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    /// Content bytes that follow the header: non-zero only for regular files.
    public var size: Int64
    public var mtime: TarTime
    /// Target of a symlink, or the archive path a hard link points at.
    public var linkName: String
    public var devMajor: UInt32
    public var devMinor: UInt32
    /// Extended attributes from PAX `SCHILY.xattr.*` records (and LIBARCHIVE.xattr.*).
    public var xattrs: [String: [UInt8]]
    public var uname: String
    public var gname: String

    public init(name: String, kind: Kind, mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0, size: Int64 = 0,
                mtime: TarTime = TarTime(seconds: 0), linkName: String = "", devMajor: UInt32 = 0, devMinor: UInt32 = 0,
                xattrs: [String: [UInt8]] = [:], uname: String = "", gname: String = "") {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.mtime = mtime
        self.linkName = linkName
        self.devMajor = devMajor
        self.devMinor = devMinor
        self.xattrs = xattrs
        self.uname = uname
        self.gname = gname
    }
}

extension TarEntry.Kind {
    /// The ustar typeflag byte.
    var typeflag: UInt8 {
        switch self {
        case .file: return UInt8(ascii: "0")
        case .hardlink: return UInt8(ascii: "1")
        case .symlink: return UInt8(ascii: "2")
        case .charDevice: return UInt8(ascii: "3")
        case .blockDevice: return UInt8(ascii: "4")
        case .directory: return UInt8(ascii: "5")
        case .fifo: return UInt8(ascii: "6")
        }
    }
}
