import JSON

/// A value a template works on: JSON from the daemon, a formatter context (ps rows,
/// images, stats) with Go-method-like fields, or what functions compute.
indirect enum TValue {
    /// A missing map key: Go prints `<no value>`.
    case missing
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([TValue])
    case json(JSONValue)
    case object(any TemplateObject)

    static func from(_ v: JSONValue) -> TValue {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        default: return .json(v)
        }
    }

    /// JSON scalars as their own cases, so functions see one shape.
    var normalized: TValue {
        if case .json(let j) = self { return TValue.fromScalar(j) }
        return self
    }

    private static func fromScalar(_ j: JSONValue) -> TValue {
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let n):
            if n.isIntegerLiteral, let i = n.int64Value { return .int(Int(i)) }
            return .double(n.doubleValue)
        default: return .json(j)
        }
    }

    /// Go's isTrue: zero values, nil and empty containers are false; contexts are true.
    var isTrue: Bool {
        switch normalized {
        case .missing, .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .json(let j):
            switch j {
            case .array(let a): return !a.isEmpty
            case .object(let o): return !o.isEmpty
            default: return true
            }
        case .object: return true
        }
    }

    /// Elements for `range` and `len`: list items, or a map's values by sorted key.
    var elements: [(key: TValue, value: TValue)]? {
        switch self {
        case .list(let l): return l.enumerated().map { (.int($0.offset), $0.element) }
        case .json(.array(let a)): return a.enumerated().map { (.int($0.offset), TValue.from($0.element)) }
        case .json(.object(let o)):
            return o.keys.sorted(by: goLess).map { (.string($0), TValue.from(o[$0] ?? .null)) }
        case .object(let obj): return obj.mapEntries?.sorted { goLess($0.0, $1.0) }.map { (.string($0.0), $0.1) }
        default: return nil
        }
    }

    /// The Go type name used in error messages.
    var typeName: String {
        switch normalized {
        case .missing: return "<nil>"
        case .null: return "interface {}"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float64"
        case .string: return "string"
        case .list: return "[]string"
        case .json(.array): return "[]interface {}"
        case .json(.object): return "map[string]interface {}"
        case .json: return "interface {}"
        case .object(let o): return o.typeName
        }
    }

    /// As JSON, for the `json` function (Go's json.Marshal of the value).
    var jsonValue: JSONValue {
        switch self {
        case .missing, .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(JSONNumber(i))
        case .double(let d): return JSONNumber(d).map { .number($0) } ?? .null
        case .string(let s): return .string(s)
        case .list(let l): return .array(l.map(\.jsonValue))
        case .json(let j): return j
        case .object(let o): return o.jsonValue
        }
    }
}

/// Byte-wise string order, as Go's sort.Strings and map printing use.
func goLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

/// A formatter context (docker's ContainerContext, ImageContext, ...): named fields that
/// are really methods, some taking arguments (`.Label "key"`).
protocol TemplateObject {
    /// nil when there is no such field: the template fails as Go's does.
    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue?
    /// `{{json .}}`: every argument-less method, keys sorted (docker's MarshalJSON).
    var jsonValue: JSONValue { get }
    /// For `can't evaluate field X in type *formatter.ContainerContext`.
    var typeName: String { get }
    /// Non-nil when the context is a map (the table header context), for range/index.
    var mapEntries: [(String, TValue)]? { get }
    /// True when `jsonValue` is already in the order json.Marshal writes (a Go struct's
    /// fields); false for formatter contexts, which marshal themselves as sorted maps.
    var jsonIsOrdered: Bool { get }
    /// fmt's `%v` when the object prints as a Go struct; nil prints `&{TypeName}`.
    var goText: String? { get }
}

extension TemplateObject {
    var mapEntries: [(String, TValue)]? { nil }
    var jsonIsOrdered: Bool { false }
    var goText: String? { nil }
}

/// Go's fmt `%v` of a value.
func goPrint(_ v: TValue) -> String {
    switch v {
    case .missing: return "<no value>"
    case .null: return "<nil>"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .double(let d): return goFloat(d)
    case .string(let s): return s
    case .list(let l): return "[" + l.map(goPrint).joined(separator: " ") + "]"
    case .json(let j): return goPrintJSON(j)
    case .object(let o):
        if let t = o.goText { return t }
        if let m = o.mapEntries {
            return "map[" + m.sorted { goLess($0.0, $1.0) }.map { "\($0.0):\(goPrint($0.1))" }.joined(separator: " ") + "]"
        }
        return "&{" + o.typeName + "}"
    }
}

private func goPrintJSON(_ j: JSONValue) -> String {
    switch j {
    case .null: return "<nil>"
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return s
    case .number(let n):
        // Integers as written; other numbers as Go prints a float64.
        if n.isIntegerLiteral { return n.text }
        return goFloat(n.doubleValue)
    case .array(let a): return "[" + a.map(goPrintJSON).joined(separator: " ") + "]"
    case .object(let o):
        if isStructLike(o) { return "{" + o.values.map(goPrintJSON).joined(separator: " ") + "}" }
        // A map of slices (PortMap) holds nil slices, which Go prints as [].
        let ofSlices = o.values.contains { if case .array = $0 { return true }; return false }
        // A set (ExposedPorts, Volumes: map[string]struct{}) prints its empty structs as {}.
        let isSet = o.values.allSatisfy { if case .object(let v) = $0 { return v.isEmpty }; return false }
        return "map[" + o.keys.sorted(by: goLess).map { key -> String in
            let v = o[key] ?? .null
            if isSet { return "\(key):{}" }
            if ofSlices, case .null = v { return "\(key):[]" }
            return "\(key):\(goPrintJSON(v))"
        }.joined(separator: " ") + "]"
    }
}

/// Docker's inspect types are Go structs, printed `{v1 v2}` in field order; maps print
/// `map[k:v]`. Without the types, an object whose keys all look like exported Go field
/// names (`HostIp`, `Status`) is taken for a struct; labels, port maps (`80/tcp`),
/// network names and paths are maps.
func isStructLike(_ o: JSONObject) -> Bool {
    // The first key decides the case (events mix `Type` with `scope`, `time`); every key
    // must be an identifier (labels have dots, port maps slashes).
    guard let first = o.keys.first?.unicodeScalars.first, first.properties.isUppercase else { return false }
    return o.keys.allSatisfy { k in
        !k.isEmpty && k.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }
    }
}

/// Fields of Docker's inspect types that are slices or maps: null there is Go's nil
/// slice (`[]`) or nil map (`map[]`), not a nil pointer.
let goSliceFields: Set<String> = ["Args", "Binds", "Cmd", "Entrypoint", "Env", "Mounts", "Links", "Dns", "DnsOptions", "DnsSearch",
                                  "ExtraHosts", "CapAdd", "CapDrop", "VolumesFrom", "GroupAdd", "SecurityOpt", "Devices",
                                  "DeviceCgroupRules", "DeviceRequests", "Ulimits", "OnBuild", "Shell", "RepoTags", "RepoDigests",
                                  "Layers", "Aliases", "DNSNames", "Warnings", "MaskedPaths", "ReadonlyPaths", "Healthcheck.Test",
                                  "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                                  "BlkioDeviceWriteIOps", "ExecIDs", "AutoRemove.Mounts", "Test", "Log", "SecondaryIPAddresses",
                                  "SecondaryIPv6Addresses", "Processes", "Titles"]
let goMapFields: Set<String> = ["Labels", "Volumes", "ExposedPorts", "PortBindings", "Ports", "Networks", "Sysctls", "Tmpfs", "StorageOpt",
                                "Annotations", "Options", "DriverOpts", "Data", "Status", "Config.Labels"]

/// strconv.FormatFloat(f, 'g', -1, 64) as %v prints a float64: shortest repr, exponent
/// for exponents < -4 or >= 21.
func goFloat(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
    if d == d.rounded(), abs(d) < 1e21 {
        if abs(d) < 9.2e18 { return String(Int64(d)) }
    }
    let exp = d == 0 ? 0 : Int((abs(d)).log10Floor)
    if exp < -4 || exp >= 21 {
        // Swift prints 1e-05 as "1e-05"; Go prints "1e-05" too.
        var s = "\(d)"
        if let e = s.firstIndex(of: "e") {
            let mant = s[..<e], ex = s[s.index(after: e)...]
            var digits = String(ex.drop { $0 == "+" || $0 == "-" })
            let sign = ex.hasPrefix("-") ? "-" : "+"
            if digits.count < 2 { digits = "0" + digits }
            s = mant.hasSuffix(".0") ? String(mant.dropLast(2)) : String(mant)
            s += "e" + sign + digits
        }
        return s
    }
    return "\(d)"
}

extension Double {
    var log10Floor: Double {
        var e = 0.0
        var v = self
        if v >= 1 { while v >= 10 { v /= 10; e += 1 } } else { while v < 1 && v > 0 { v *= 10; e -= 1 } }
        return e
    }
}
