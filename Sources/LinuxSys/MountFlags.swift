import Glibc

/// mount(8)'s option words that are mount(2) flags, each with whether it sets or clears
/// its flag. One table for the runtime's OCI mounts and the engine's local volume options.
public enum MountFlags {
    public static let table: [String: (set: Bool, flag: UInt)] = [
        "ro": (true, UInt(MS_RDONLY)), "rw": (false, UInt(MS_RDONLY)),
        "suid": (false, UInt(MS_NOSUID)), "nosuid": (true, UInt(MS_NOSUID)),
        "dev": (false, UInt(MS_NODEV)), "nodev": (true, UInt(MS_NODEV)),
        "exec": (false, UInt(MS_NOEXEC)), "noexec": (true, UInt(MS_NOEXEC)),
        "sync": (true, UInt(MS_SYNCHRONOUS)), "async": (false, UInt(MS_SYNCHRONOUS)),
        "dirsync": (true, UInt(MS_DIRSYNC)), "remount": (true, UInt(MS_REMOUNT)),
        "mand": (true, UInt(MS_MANDLOCK)), "nomand": (false, UInt(MS_MANDLOCK)),
        "atime": (false, UInt(MS_NOATIME)), "noatime": (true, UInt(MS_NOATIME)),
        "diratime": (false, UInt(MS_NODIRATIME)), "nodiratime": (true, UInt(MS_NODIRATIME)),
        "bind": (true, UInt(MS_BIND)), "rbind": (true, UInt(MS_BIND) | UInt(MS_REC)),
        "relatime": (true, UInt(MS_RELATIME)), "norelatime": (false, UInt(MS_RELATIME)),
        "strictatime": (true, UInt(MS_STRICTATIME)), "nostrictatime": (false, UInt(MS_STRICTATIME)),
        "lazytime": (true, UInt(MS_LAZYTIME)), "nolazytime": (false, UInt(MS_LAZYTIME)),
        "silent": (true, UInt(MS_SILENT)), "loud": (false, UInt(MS_SILENT)),
        "iversion": (true, UInt(MS_I_VERSION)), "noiversion": (false, UInt(MS_I_VERSION)),
    ]

    /// A comma-separated option string (`o=` of a local volume, fstab's fourth field) split
    /// into flags and the filesystem's own data, as moby/sys/mount's parseOptions does.
    public static func parse(_ options: String) -> (flags: UInt, data: String) {
        var flags: UInt = 0
        var data: [Substring] = []
        for word in options.split(separator: ",") where !word.isEmpty {
            if let f = table[String(word)] {
                if f.set { flags |= f.flag } else { flags &= ~f.flag }
            } else {
                data.append(word)
            }
        }
        return (flags, data.joined(separator: ","))
    }
}
