/// The value type of a flag, as pflag shows it in help (`--memory bytes`) and as it is
/// checked when set, so a bad value fails while parsing, the way pflag reports it.
enum FlagType: Equatable {
    case bool, string, int, int64, uint16, uint64
    /// Repeatable; every occurrence is kept (`-e A -e B`).
    case list
    /// Repeatable `key=value` (`--annotation`, `--storage-opt`).
    case map
    /// Repeatable `key=value` limited to the namespaced sysctls (opts.ValidateSysctl).
    case sysctl
    /// Repeatable `key=value` filter (`-f status=running`).
    case filter
    /// go-units RAMInBytes (`512m`, `1g`).
    case bytes
    /// Like bytes, but `-1` means unlimited swap.
    case memSwap
    /// Go's time.ParseDuration (`1m30s`).
    case duration
    /// A decimal number of CPUs (`1.5`), sent as NanoCPUs.
    case decimal
    /// Anything else, checked by the command (`mount`, `ulimit`, `network`).
    case custom(String)

    var isBool: Bool { self == .bool }
    var isRepeatable: Bool {
        switch self {
        case .list, .map, .sysctl, .filter, .custom: return true
        default: return false
        }
    }

    var helpName: String {
        switch self {
        case .bool: return ""
        case .string: return "string"
        case .int: return "int"
        case .int64: return "int"
        case .uint16: return "uint16"
        case .uint64: return "uint"
        case .list: return "list"
        case .map, .sysctl: return "map"
        case .filter: return "filter"
        case .bytes, .memSwap: return "bytes"
        case .duration: return "duration"
        case .decimal: return "decimal"
        case .custom(let n): return n
        }
    }
}

struct Flag {
    let name: String
    let short: Character?
    let type: FlagType
    let usage: String
    /// Shown as `(default X)` in help; nil shows nothing.
    var defaultText: String? = nil
    var hidden = false

    init(_ name: String, _ short: Character? = nil, _ type: FlagType, _ usage: String,
         default defaultText: String? = nil, hidden: Bool = false) {
        self.name = name
        self.short = short
        self.type = type
        self.usage = usage
        self.defaultText = defaultText
        self.hidden = hidden
    }

    /// `-n, --last` or `--name`, as pflag names a flag in errors.
    var displayName: String { short.map { "-\($0), --\(name)" } ?? "--\(name)" }
}

/// A flag error: printed with the command's usage, exit status 125.
struct FlagError: Error, CustomStringConvertible {
    let description: String
    init(_ m: String) { description = m }
}

/// The flags of one invocation: each value as given, in order; typed accessors.
struct ParsedFlags {
    private(set) var values: [String: [String]] = [:]

    mutating func set(_ name: String, _ value: String) { values[name, default: []].append(value) }

    /// True when the flag appeared on the command line (pflag's Changed).
    func changed(_ name: String) -> Bool { values[name] != nil }

    func bool(_ name: String) -> Bool { values[name]?.last.flatMap(parseGoBool) ?? false }
    func bool(_ name: String, default d: Bool) -> Bool { values[name]?.last.flatMap(parseGoBool) ?? d }
    func string(_ name: String) -> String? { values[name]?.last }
    func string(_ name: String, default d: String) -> String { values[name]?.last ?? d }
    func list(_ name: String) -> [String] { values[name] ?? [] }
    func int(_ name: String) -> Int? { values[name]?.last.flatMap { Int($0) } }
    func int64(_ name: String) -> Int64? { values[name]?.last.flatMap { Int64($0) } }
    func bytes(_ name: String) -> Int64? { values[name]?.last.flatMap { try? HumanUnits.ramInBytes($0) } }
    func memSwap(_ name: String) -> Int64? {
        guard let v = values[name]?.last else { return nil }
        return v == "-1" ? -1 : try? HumanUnits.ramInBytes(v)
    }
    /// Nanoseconds.
    func duration(_ name: String) -> Int64? { values[name]?.last.flatMap { try? GoDuration.parse($0) } }
    func nanoCPUs(_ name: String) -> Int64? { values[name]?.last.flatMap { try? HumanUnits.nanoCPUs($0) } }
}

/// strconv.ParseBool.
func parseGoBool(_ s: String) -> Bool? {
    switch s {
    case "1", "t", "T", "TRUE", "true", "True": return true
    case "0", "f", "F", "FALSE", "false", "False": return false
    default: return nil
    }
}

/// pflag's parsing: long flags `--name=v` / `--name v`, shorthands combined (`-it`) or with
/// their value attached (`-p80:80`, `-n=5`), `--` ending flags, and — for run, create
/// and exec — flags only before the first positional argument (SetInterspersed(false)).
struct FlagParser {
    let flags: [Flag]
    let interspersed: Bool

    func parse(_ args: [String]) throws(FlagError) -> (ParsedFlags, [String]) {
        var parsed = ParsedFlags()
        var positional: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            i += 1
            if a == "--" {
                positional += args[i...]
                break
            }
            if !a.hasPrefix("-") || a == "-" {
                positional.append(a)
                if !interspersed {
                    positional += args[i...]
                    break
                }
                continue
            }
            if a.hasPrefix("--") {
                try parseLong(a, args, &i, &parsed)
            } else {
                try parseShorts(a, args, &i, &parsed)
            }
        }
        return (parsed, positional)
    }

    private func lookup(_ name: String) -> Flag? { flags.first { $0.name == name } }
    private func lookup(short c: Character) -> Flag? { flags.first { $0.short == c } }

    private func parseLong(_ a: String, _ args: [String], _ i: inout Int, _ parsed: inout ParsedFlags) throws(FlagError) {
        let body = a.dropFirst(2)
        if body.isEmpty || body.hasPrefix("-") || body.hasPrefix("=") { throw FlagError("bad flag syntax: \(a)") }
        var name = String(body)
        var inline: String?
        if let eq = body.firstIndex(of: "=") {
            name = String(body[..<eq])
            inline = String(body[body.index(after: eq)...])
        }
        guard let flag = lookup(name) else { throw FlagError("unknown flag: --\(name)") }
        if flag.type.isBool {
            try setValue(flag, inline ?? "true", &parsed)
            return
        }
        if let inline {
            try setValue(flag, inline, &parsed)
        } else if i < args.count {
            try setValue(flag, args[i], &parsed)
            i += 1
        } else {
            throw FlagError("flag needs an argument: --\(name)")
        }
    }

    private func parseShorts(_ a: String, _ args: [String], _ i: inout Int, _ parsed: inout ParsedFlags) throws(FlagError) {
        var rest = Substring(a.dropFirst())
        while let c = rest.first {
            rest = rest.dropFirst()
            guard let flag = lookup(short: c) else {
                throw FlagError("unknown shorthand flag: '\(c)' in \(a)")
            }
            if rest.hasPrefix("=") {
                // -d=false, -n=5
                try setValue(flag, String(rest.dropFirst()), &parsed)
                return
            }
            if flag.type.isBool {
                try setValue(flag, "true", &parsed)
                continue
            }
            if !rest.isEmpty {
                try setValue(flag, String(rest), &parsed)
                return
            }
            guard i < args.count else { throw FlagError("flag needs an argument: '\(c)' in -\(c)") }
            try setValue(flag, args[i], &parsed)
            i += 1
            return
        }
    }

    /// Checks the value the way the flag's pflag.Value.Set would, then records it.
    private func setValue(_ flag: Flag, _ value: String, _ parsed: inout ParsedFlags) throws(FlagError) {
        func invalid(_ why: String) -> FlagError {
            FlagError("invalid argument \"\(value)\" for \"\(flag.displayName)\" flag: \(why)")
        }
        switch flag.type {
        case .bool:
            guard parseGoBool(value) != nil else { throw invalid("strconv.ParseBool: parsing \"\(value)\": invalid syntax") }
        case .int, .int64:
            guard Int64(value) != nil else {
                let why = value.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }) && !value.isEmpty ? "value out of range" : "invalid syntax"
                throw invalid("strconv.ParseInt: parsing \"\(value)\": \(why)")
            }
        case .uint16:
            guard UInt16(value) != nil else {
                let why = UInt64(value) != nil ? "value out of range" : "invalid syntax"
                throw invalid("strconv.ParseUint: parsing \"\(value)\": \(why)")
            }
        case .uint64:
            guard UInt64(value) != nil else { throw invalid("strconv.ParseUint: parsing \"\(value)\": invalid syntax") }
        case .bytes:
            do { _ = try HumanUnits.ramInBytes(value) } catch { throw invalid(error.description) }
        case .memSwap:
            if value != "-1" {
                do { _ = try HumanUnits.ramInBytes(value) } catch { throw invalid(error.description) }
            }
        case .duration:
            do { _ = try GoDuration.parse(value) } catch { throw invalid(error.description) }
        case .decimal:
            do { _ = try HumanUnits.nanoCPUs(value) } catch { throw invalid(error.description) }
        case .map:
            // opts.MapOpts keeps `key` without `=` as key=""; nothing to refuse here.
            break
        case .sysctl:
            if !Self.sysctlAllowed(value) { throw invalid("sysctl '\(value)' is not allowed") }
        case .filter:
            if !value.contains("=") { throw invalid("bad format of filter (expected name=value)") }
        case .string, .list, .custom:
            break
        }
        parsed.set(flag.name, value)
    }

    /// The sysctls that live in a container's own namespaces (opts.ValidateSysctl).
    static func sysctlAllowed(_ value: String) -> Bool {
        let parts = value.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        let key = String(parts[0])
        let exact = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
                     "kernel.shmmni", "kernel.shm_rmid_forced"]
        return exact.contains(key) || key.hasPrefix("net.") || key.hasPrefix("fs.mqueue.")
    }
}
