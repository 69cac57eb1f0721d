import Glibc

/// A failed system call: the call's name, the arguments that matter, and errno.
/// Rendered the way runc and crun phrase it: `mount proc to /x/proc: Operation not permitted`.
public struct SyscallError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let detail: String
    public let errno: Int32

    public init(_ call: String, _ detail: String = "", errno: Int32 = Glibc.errno) {
        self.call = call
        self.detail = detail
        self.errno = errno
    }

    public var description: String {
        let what = detail.isEmpty ? call : "\(call) \(detail)"
        return "\(what): \(Errno.describe(errno))"
    }
}

public enum Errno {
    public static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }
}

/// Runs a call returning -1/errno, retrying EINTR, throwing a SyscallError on failure.
@discardableResult
@inline(__always)
public func sys<T: BinaryInteger>(_ call: String, _ detail: @autoclosure () -> String = "", _ body: () -> T) throws -> T {
    while true {
        let r = body()
        if r >= 0 { return r }
        let e = errno
        if e == EINTR { continue }
        throw SyscallError(call, detail(), errno: e)
    }
}

/// A plain error message for failures that are not a single syscall.
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { self.description = message }
}
