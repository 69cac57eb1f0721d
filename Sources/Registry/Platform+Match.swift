import Images

extension Platform {
    /// `os/arch[/variant]`, as `--platform` takes it (`linux/arm64/v8`, `linux/amd64`).
    public static func parse(_ text: String) throws(RegistryError) -> Platform {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw .invalid("invalid platform \"\(text)\": expected os/arch[/variant]")
        }
        return Platform(architecture: parts[1], os: parts[0], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// Whether an index entry for `self` serves a request for `wanted` (the variant only
    /// counts when both name one; arm64 images rarely name theirs).
    func serves(_ wanted: Platform) -> Bool {
        guard os == wanted.os, architecture == wanted.architecture else { return false }
        if let v = variant, let w = wanted.variant, architecture != "arm64" { return v == w }
        return true
    }

    var text: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }
}
