import Glibc

/// A seccomp profile that can't be compiled. `field` is the config.json path
/// of the offending value (`linux.seccomp.syscalls[3].action`) when the input
/// is at fault, nil when libseccomp or the kernel failed.
public struct SeccompError: Error, CustomStringConvertible, Sendable, Equatable {
    public let field: String?
    public let message: String

    public init(field: String? = nil, _ message: String) {
        self.field = field
        self.message = message
    }

    /// libseccomp returns negative errno values; `call` names what failed.
    init(call: String, rc: Int32, field: String? = nil) {
        self.init(field: field, "\(call): \(errnoText(-rc))")
    }

    public var description: String {
        guard let field else { return message }
        return "\(field): \(message)"
    }
}

func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}
