/// `HostConfig.SecurityOpt` parsed as dockerd's parseSecurityOpt.
public struct SecurityOptions: Sendable, Equatable {
    public var noNewPrivileges: Bool
    /// "" (daemon default), "unconfined", "builtin", or a profile's JSON text.
    public var seccompProfile: String
    public var appArmorProfile: String
    /// label=... values: accepted and not checked, as dockerd does on a host without SELinux.
    public var labelOptions: [String]
    /// writable-cgroups[=bool]; nil when not given (then it follows Privileged).
    public var writableCgroups: Bool?

    public static func parse(_ options: [String], noNewPrivilegesDefault: Bool = false) throws -> SecurityOptions {
        var out = SecurityOptions(noNewPrivileges: noNewPrivilegesDefault, seccompProfile: "", appArmorProfile: "",
                                  labelOptions: [], writableCgroups: nil)
        for option in options {
            switch option {
            case "no-new-privileges": out.noNewPrivileges = true; continue
            case "writable-cgroups": out.writableCgroups = true; continue
            case "disable": out.labelOptions.append("disable"); continue
            default: break
            }
            // "=" is the separator; ":" is the form deprecated since 17.04 that dockerd still reads.
            let separator = option.firstIndex(of: "=") ?? option.firstIndex(of: ":")
            guard let separator else { throw ContainerSpecError.invalid("invalid --security-opt 1: \"\(option)\"") }
            let key = String(option[..<separator])
            let value = String(option[option.index(after: separator)...])
            switch key {
            case "label": out.labelOptions.append(value)
            case "apparmor": out.appArmorProfile = value
            case "seccomp": out.seccompProfile = value
            case "no-new-privileges":
                guard let flag = parseBool(value) else { throw ContainerSpecError.invalid("invalid --security-opt 2: \"\(option)\"") }
                out.noNewPrivileges = flag
            case "writable-cgroups":
                guard let flag = parseBool(value) else { throw ContainerSpecError.invalid("invalid --security-opt 2: \"\(option)\"") }
                out.writableCgroups = flag
            default:
                throw ContainerSpecError.invalid("invalid --security-opt 2: \"\(option)\"")
            }
        }
        return out
    }

    /// Go's strconv.ParseBool.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }
}
