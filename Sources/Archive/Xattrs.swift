import CLinux
import Glibc
import LinuxSys

/// Extended attributes of a file, by fd or (without following a final symlink) by path.
enum Xattrs {
    enum Target {
        case fd(Int32)
        case path([UInt8])
    }

    /// Attributes the overlay filesystem keeps for itself: never copied out of an upper dir
    /// and never taken from a tar, where they could redirect lookups or fake whiteouts.
    static func isOverlayPrivate(_ name: String) -> Bool {
        name.hasPrefix("trusted.overlay.") || name.hasPrefix("user.overlay.")
    }

    /// Every attribute; empty where the filesystem has none or does not support them.
    static func read(_ target: Target, what: @autoclosure () -> String) throws -> [String: [UInt8]] {
        var names = [UInt8](repeating: 0, count: 1024)
        var n = 0
        while true {
            n = names.withUnsafeMutableBytes { b in
                call(target) { fd, path in
                    let p = b.baseAddress?.assumingMemoryBound(to: CChar.self)
                    return fd >= 0 ? flistxattr(fd, p, b.count) : llistxattr(path, p, b.count)
                }
            }
            if n >= 0 { break }
            if errno == ERANGE { names = [UInt8](repeating: 0, count: names.count * 4); continue }
            if errno == ENOTSUP || errno == ENODATA { return [:] }
            throw SyscallError("listxattr", what())
        }
        if n == 0 { return [:] }
        var out: [String: [UInt8]] = [:]
        for raw in names[0..<n].split(separator: 0) {
            let name = String(decoding: raw, as: UTF8.self)
            if let value = try get(target, raw: Array(raw), what: what()) { out[name] = value }
        }
        return out
    }

    private static func get(_ target: Target, raw: [UInt8], what: @autoclosure () -> String) throws -> [UInt8]? {
        var value = [UInt8](repeating: 0, count: 256)
        while true {
            let n = FS.withCName(raw) { key in
                value.withUnsafeMutableBytes { b in
                    call(target) { fd, path in
                        fd >= 0 ? fgetxattr(fd, key, b.baseAddress, b.count) : lgetxattr(path, key, b.baseAddress, b.count)
                    }
                }
            }
            if n >= 0 { return Array(value[0..<n]) }
            if errno == ERANGE { value = [UInt8](repeating: 0, count: value.count * 16); continue }
            if errno == ENODATA { return nil } // removed meanwhile
            throw SyscallError("getxattr", "\(String(decoding: raw, as: UTF8.self)) of \(what())")
        }
    }

    /// Sets one attribute; returns the errno on failure instead of throwing, so callers
    /// can decide which failures (ENOTSUP, EPERM when unprivileged) to tolerate.
    static func set(_ target: Target, _ name: String, _ value: [UInt8]) -> Int32 {
        let r = value.withUnsafeBytes { v in
            call(target) { fd, path in
                fd >= 0 ? fsetxattr(fd, name, v.baseAddress, v.count, 0) : lsetxattr(path, name, v.baseAddress, v.count, 0)
            }
        }
        return r == 0 ? 0 : errno
    }

    private static func call<R>(_ target: Target, _ body: (Int32, UnsafePointer<CChar>?) -> R) -> R {
        switch target {
        case .fd(let fd): return body(fd, nil)
        case .path(let p): return FS.withCName(p) { body(-1, $0) }
        }
    }
}
