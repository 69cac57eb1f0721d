import Glibc

/// A cgroup operation that failed, phrased the way runc phrases it:
/// `write /sys/fs/cgroup/memory/berth/c1/memory.limit_in_bytes "1000": Device or resource busy`.
public struct CgroupError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// The cgroup file or directory involved, when there is one.
    public let path: String?
    /// The errno the kernel returned, when the failure came from a syscall.
    public let errno: Int32?

    public init(_ message: String, path: String? = nil, errno: Int32? = nil) {
        self.description = message
        self.path = path
        self.errno = errno
    }

    /// `call path "value": strerror(errno)`
    static func syscall(_ call: String, _ path: String, value: String? = nil, errno code: Int32) -> CgroupError {
        var text = "\(call) \(path)"
        if let value { text += " \"\(value)\"" }
        text += ": " + errnoText(code)
        return CgroupError(text, path: path, errno: code)
    }
}

func errnoText(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "errno \(code)" }
    return String(cString: s)
}
