import Glibc

extension Platform {
    /// This machine's platform in Go's names (amd64, arm64, ...), as images declare it.
    public static var host: Platform {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch machine {
        case "x86_64": return Platform(architecture: "amd64", os: "linux")
        case "aarch64", "arm64": return Platform(architecture: "arm64", os: "linux", variant: "v8")
        case "armv7l": return Platform(architecture: "arm", os: "linux", variant: "v7")
        case "armv6l": return Platform(architecture: "arm", os: "linux", variant: "v6")
        case "i386", "i486", "i586", "i686": return Platform(architecture: "386", os: "linux")
        default: return Platform(architecture: machine, os: "linux")
        }
    }

    /// Whether an image for `self` runs on `host` (variant only compared when both name one;
    /// arm64 images rarely name theirs).
    func runs(on host: Platform) -> Bool {
        guard os == host.os, architecture == host.architecture else { return false }
        if let v = variant, let hv = host.variant, architecture != "arm64" { return v == hv }
        return true
    }
}
