import Glibc
import LinuxSys

/// A mount's options split into mount(2) flags, propagation changes,
/// recursive attributes (mount_setattr) and the filesystem's own data string.
public struct MountOptions: Sendable, Equatable {
    public var flags: UInt = 0
    public var clearFlags: UInt = 0
    public var propagation: [UInt] = []
    public var recursiveReadOnly = false
    public var data: [String] = []
    public var isBind: Bool { flags & UInt(MS_BIND) != 0 }
    public var isRecursive: Bool { flags & UInt(MS_REC) != 0 }

    static let flagTable = MountFlags.table

    static let propagationTable: [String: UInt] = [
        "private": UInt(MS_PRIVATE), "rprivate": UInt(MS_PRIVATE) | UInt(MS_REC),
        "shared": UInt(MS_SHARED), "rshared": UInt(MS_SHARED) | UInt(MS_REC),
        "slave": UInt(MS_SLAVE), "rslave": UInt(MS_SLAVE) | UInt(MS_REC),
        "unbindable": UInt(MS_UNBINDABLE), "runbindable": UInt(MS_UNBINDABLE) | UInt(MS_REC),
    ]

    /// Options the kernel cannot express for us; refused with a clear error.
    static let unsupported: Set<String> = ["idmap", "ridmap"]
    /// Recursive attribute options other than rro (mount_setattr); accepted and applied as plain flags.
    static let recursiveFlags: [String: String] = [
        "rrw": "rw", "rnosuid": "nosuid", "rsuid": "suid", "rnodev": "nodev", "rdev": "dev",
        "rnoexec": "noexec", "rexec": "exec", "rnoatime": "noatime", "ratime": "atime",
        "rrelatime": "relatime", "rnorelatime": "norelatime", "rstrictatime": "strictatime",
        "rnodiratime": "nodiratime", "rdiratime": "diratime", "rnosymfollow": "nosymfollow",
    ]

    public static let known: [String] = Array(flagTable.keys) + Array(propagationTable.keys)
        + Array(recursiveFlags.keys) + ["rro", "tmpcopyup", "nosymfollow", "symfollow"]

    public init() {}

    public init(parsing options: [String]) throws {
        for raw in options {
            var opt = raw
            if let mapped = Self.recursiveFlags[opt] { opt = mapped }
            if opt == "rro" { recursiveReadOnly = true; flags |= UInt(MS_RDONLY); continue }
            if let f = Self.flagTable[opt] {
                if f.set { flags |= f.flag; clearFlags &= ~f.flag } else { flags &= ~f.flag; clearFlags |= f.flag }
            } else if let p = Self.propagationTable[opt] {
                propagation.append(p)
            } else if opt == "nosymfollow" {
                flags |= 256 // MS_NOSYMFOLLOW
            } else if opt == "symfollow" || opt == "tmpcopyup" {
                continue
            } else if Self.unsupported.contains(opt) {
                throw RuntimeError("mount option \"\(raw)\" is not supported by berth-runtime")
            } else {
                data.append(raw)
            }
        }
    }

    public var dataString: String { data.joined(separator: ",") }
}
