import LinuxSys

/// runc-style flags: `--name value`, `--name=value`, `-n value`, single-dash long
/// names (`-bundle`), booleans with optional `=true|false`, and `--` ending flags.
struct FlagSpec {
    var values: [String: String] = [:]   // spelling -> canonical name, for flags that take a value
    var bools: [String: String] = [:]
    /// After this many positionals, everything left is positional (exec's command).
    var positionalStop: Int? = nil

    init(values: [String] = [], bools: [String] = [], positionalStop: Int? = nil) {
        for v in values { register(v, into: &self.values) }
        for b in bools { register(b, into: &self.bools) }
        self.positionalStop = positionalStop
    }

    /// "bundle|b" registers --bundle, -bundle, -b.
    private func register(_ spec: String, into table: inout [String: String]) {
        let names = spec.split(separator: "|").map(String.init)
        guard let canonical = names.first else { return }
        for n in names { table[n] = canonical }
    }
}

struct ParsedArgs {
    var values: [String: [String]] = [:]
    var bools: Set<String> = []
    var positional: [String] = []

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { bools.contains(name) }
}

enum ArgParser {
    static func parse(_ args: [String], _ spec: FlagSpec, command: String) throws -> ParsedArgs {
        var out = ParsedArgs()
        var i = 0
        while i < args.count {
            let a = args[i]
            if let stop = spec.positionalStop, out.positional.count >= stop {
                out.positional.append(contentsOf: args[i...])
                break
            }
            if a == "--" { out.positional.append(contentsOf: args[(i + 1)...]); break }
            if a.hasPrefix("-") && a.count > 1 {
                var name = String(a.drop { $0 == "-" })
                var inline: String? = nil
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if let canonical = spec.bools[name] {
                    if let v = inline, v == "false" || v == "0" { out.bools.remove(canonical) } else { out.bools.insert(canonical) }
                } else if let canonical = spec.values[name] {
                    if let v = inline {
                        out.values[canonical, default: []].append(v)
                    } else {
                        guard i + 1 < args.count else { throw RuntimeError("\(command): flag \(a) needs a value") }
                        out.values[canonical, default: []].append(args[i + 1])
                        i += 1
                    }
                } else if name == "h" || name == "help" {
                    out.bools.insert("help")
                } else {
                    throw RuntimeError("\(command): flag provided but not defined: \(a)")
                }
            } else {
                out.positional.append(a)
            }
            i += 1
        }
        return out
    }
}
