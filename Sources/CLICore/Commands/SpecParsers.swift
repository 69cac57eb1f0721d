import Glibc
import JSON
import LinuxSys

/// `-p [ip:][hostPort:]containerPort[/proto]` with ranges (nat.ParsePortSpecs).
enum PortSpec {
    struct Parsed {
        var exposed: [String] = []
        var bindings: [(String, [(ip: String, port: String)])] = []

        mutating func bind(_ key: String, _ ip: String, _ port: String) {
            if !exposed.contains(key) { exposed.append(key) }
            if let i = bindings.firstIndex(where: { $0.0 == key }) {
                bindings[i].1.append((ip, port))
            } else {
                bindings.append((key, [(ip, port)]))
            }
        }
    }

    static func parseAll(_ specs: [String]) throws -> Parsed {
        var p = Parsed()
        for s in specs { try parse(s, into: &p) }
        return p
    }

    static func parse(_ raw: String, into p: inout Parsed) throws {
        var (spec, proto) = raw.cut("/")
        let pr = (proto ?? "tcp").lowercased()
        guard ["tcp", "udp", "sctp"].contains(pr) else { throw CLIError("invalid proto: \(proto ?? "")") }
        var ip = ""
        // [v6]:host:container
        if spec.hasPrefix("["), let close = spec.firstIndex(of: "]") {
            ip = String(spec[spec.index(after: spec.startIndex)..<close])
            spec = String(spec[spec.index(after: close)...])
            if spec.hasPrefix(":") { spec.removeFirst() }
            spec = "_:" + spec
        }
        var parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count > 3 {
            // A bare IPv6 address: everything before the last two fields.
            ip = parts.dropLast(2).joined(separator: ":")
            parts = ["_"] + parts.suffix(2)
        }
        var hostPort = "", containerPort = ""
        switch parts.count {
        case 1: containerPort = parts[0]
        case 2: hostPort = parts[0]; containerPort = parts[1]
        default:
            if parts[0] != "_" { ip = parts[0] }
            hostPort = parts[1]
            containerPort = parts[2]
        }
        if !ip.isEmpty && !ContainerSpec.isIP(ip) { throw CLIError("invalid IP address: \(ip)") }
        if containerPort.isEmpty { throw CLIError("no port specified: \(raw)<empty>") }
        guard let (cStart, cEnd) = range(containerPort) else { throw CLIError("invalid containerPort: \(containerPort)") }
        var hStart = 0, hEnd = 0
        if !hostPort.isEmpty {
            guard let (a, b) = range(hostPort) else { throw CLIError("invalid hostPort: \(hostPort)") }
            (hStart, hEnd) = (a, b)
        }
        let cCount = cEnd - cStart, hCount = hEnd - hStart
        if !hostPort.isEmpty && cCount != hCount && hCount != 0 && !(cCount == 0) {
            throw CLIError("invalid ranges specified for container and host Ports: \(containerPort) and \(hostPort)")
        }
        for i in 0...cCount {
            let key = "\(cStart + i)/\(pr)"
            var host = hostPort
            if !hostPort.isEmpty && hCount == cCount { host = String(hStart + i) }
            p.bind(key, ip, host)
        }
    }

    /// `--expose 80`, `--expose 8000-8010/udp`: the port keys.
    static func expand(_ raw: String) throws -> [String] {
        let (spec, proto) = raw.cut("/")
        guard let (a, b) = range(spec) else { throw CLIError("invalid range format for --expose: \(raw)") }
        return (a...b).map { "\($0)/\((proto ?? "tcp").lowercased())" }
    }

    private static func range(_ s: String) -> (Int, Int)? {
        let (a, b) = s.cut("-")
        guard let lo = Int(a), (0...65535).contains(lo) else { return nil }
        guard let b else { return (lo, lo) }
        guard let hi = Int(b), hi >= lo, hi <= 65535 else { return nil }
        return (lo, hi)
    }
}

/// `-v [src:]dst[:opts]`.
struct VolumeSpec {
    var bind: String?
    var target: String

    static func parse(_ raw: String) throws -> VolumeSpec {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let bad = CLIError("invalid spec: \(raw): empty section between colons")
        if parts.contains(where: \.isEmpty) { throw bad }
        switch parts.count {
        case 1:
            guard raw.hasPrefix("/") else { throw CLIError("invalid volume specification: '\(raw)': invalid mount config for type \"volume\": invalid mount path: '\(raw)' mount path must be absolute") }
            return VolumeSpec(bind: nil, target: raw)
        case 2, 3:
            var src = parts[0]
            guard parts[1].hasPrefix("/") else {
                throw CLIError("invalid volume specification: '\(raw)': invalid mount config for type \"bind\": invalid mount path: '\(parts[1])' mount path must be absolute")
            }
            if src.hasPrefix(".") { src = absolutePath(src) }
            return VolumeSpec(bind: ([src] + parts.dropFirst()).joined(separator: ":"), target: parts[1])
        default:
            throw CLIError("invalid volume specification: '\(raw)'")
        }
    }

    static func absolutePath(_ p: String) -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { return p }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var parts = cwd.split(separator: "/").map(String.init)
        for c in p.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(String(c))
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// `--mount type=bind,source=/a,target=/b,readonly` (opts.MountOpt).
enum MountSpec {
    static func parse(_ raw: String) throws -> JSONValue {
        let value = raw.trimmingSpaces
        if value.isEmpty { throw CLIError("value is empty") }
        var m = JSONBuilder()
        var type = "volume"
        var readOnly: Bool?
        var bind = JSONBuilder(), volume = JSONBuilder(), tmpfs = JSONBuilder()
        var source: String?, target: String?
        for field in csvFields(value) {
            let (key, val) = field.cut("=")
            if key.trimmingSpaces != key { throw CLIError("invalid option '\(key.trimmingSpaces)' in '\(field)': option should not have whitespace") }
            if let val, val.trimmingSpaces.isEmpty { throw CLIError("invalid value for '\(key)': value is empty") }
            let k = key.lowercased()
            if val == nil && !["readonly", "ro", "volume-nocopy", "bind-create-src"].contains(k) {
                throw CLIError("invalid field '\(field)' must be a key=value pair")
            }
            func boolValue() throws -> Bool {
                guard let v = val else { return true }
                switch v.lowercased() {
                case "1", "true": return true
                case "0", "false": return false
                default: throw CLIError("invalid value for '\(k)': invalid boolean value (\(v)): must be one of \"true\", \"1\", \"false\", or \"0\" (default \"true\")")
                }
            }
            switch k {
            case "type": type = (val ?? "").lowercased()
            case "source", "src":
                source = val.map { $0.hasPrefix(".") ? VolumeSpec.absolutePath($0) : $0 }
            case "target", "dst", "destination": target = val
            case "readonly", "ro": readOnly = try boolValue()
            case "consistency": m.set("Consistency", val?.lowercased())
            case "bind-propagation": bind.set("Propagation", val?.lowercased())
            case "bind-recursive":
                switch val {
                case "enabled": break
                case "disabled": bind.set("NonRecursive", true)
                case "writable": bind.set("ReadOnlyNonRecursive", true)
                case "readonly": bind.set("ReadOnlyForceRecursive", true)
                default: throw CLIError("invalid value for \(k): \(val ?? "") (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")")
                }
            case "bind-create-src": bind.set("CreateMountpoint", try boolValue())
            case "volume-subpath": volume.set("Subpath", val)
            case "volume-nocopy": volume.set("NoCopy", try boolValue())
            case "volume-label":
                var labels = volume.object["Labels"]?.object ?? JSONObject()
                let (lk, lv) = (val ?? "").cut("=")
                labels[lk] = .string(lv ?? "")
                volume.set("Labels", .object(labels))
            case "volume-driver":
                var d = volume.object["DriverConfig"]?.object ?? JSONObject()
                d["Name"] = .string(val ?? "")
                volume.set("DriverConfig", .object(d))
            case "volume-opt":
                var d = volume.object["DriverConfig"]?.object ?? JSONObject()
                var opts = d["Options"]?.object ?? JSONObject()
                let (ok, ov) = (val ?? "").cut("=")
                opts[ok] = .string(ov ?? "")
                d["Options"] = .object(opts)
                volume.set("DriverConfig", .object(d))
            case "tmpfs-size":
                guard let v = val, let n = try? HumanUnits.ramInBytes(v) else { throw CLIError("invalid value for \(k): \(val ?? "")") }
                tmpfs.set("SizeBytes", n)
            case "tmpfs-mode":
                guard let v = val, let n = Int64(v, radix: 8) else { throw CLIError("invalid value for \(k): \(val ?? "")") }
                tmpfs.set("Mode", n)
            default:
                throw CLIError("unknown option '\(k)' in '\(field)'")
            }
        }
        guard let target, !target.isEmpty else { throw CLIError("target is required") }
        m.set("Type", type)
        m.set("Source", source)
        m.set("Target", target)
        m.set("ReadOnly", readOnly)
        if !bind.object.isEmpty {
            guard type == "bind" else { throw CLIError("cannot mix 'bind-*' options with mount type '\(type)'") }
            m.set("BindOptions", bind.value)
        }
        if !volume.object.isEmpty {
            guard type == "volume" else { throw CLIError("cannot mix 'volume-*' options with mount type '\(type)'") }
            m.set("VolumeOptions", volume.value)
        }
        if !tmpfs.object.isEmpty {
            guard type == "tmpfs" else { throw CLIError("cannot mix 'tmpfs-*' options with mount type '\(type)'") }
            m.set("TmpfsOptions", tmpfs.value)
        }
        if type == "bind" && (source ?? "").isEmpty { throw CLIError("source is required when specifying bind mounts") }
        return m.value
    }

    /// One CSV record: commas split, double quotes group (encoding/csv).
    static func csvFields(_ s: String) -> [String] {
        var fields: [String] = []
        var cur = ""
        var quoted = false
        var chars = Array(s)[...]
        while let c = chars.popFirst() {
            if c == "\"" {
                if quoted, chars.first == "\"" { cur.append("\""); chars.removeFirst() } else { quoted.toggle() }
            } else if c == ",", !quoted {
                fields.append(cur)
                cur = ""
            } else {
                cur.append(c)
            }
        }
        fields.append(cur)
        return fields
    }
}

/// `--env-file` / `--label-file`: KEY=VALUE lines, `#` comments, `KEY` taken from the
/// environment when a lookup is given (kvfile.Parse).
enum KeyValueFile {
    static func read(files: [String], override: [String], lookup: ((String) -> String?)?, flag: String) throws -> [String] {
        var out: [String] = []
        for path in files {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path: path) } catch let e as SyscallError {
                throw CLIError("\(flag): open \(path): \(Errno.describe(e.errno))")
            }
            do { out += try parse(bytes, lookup: lookup) } catch {
                throw CLIError("\(flag): invalid env file (\(path)): \(error)")
            }
        }
        return out + override
    }

    static func parse(_ bytes: [UInt8], lookup: ((String) -> String?)?) throws -> [String] {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var out: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            while let f = line.first, f.isWhitespace { line = line.dropFirst() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (key, value) = String(line).cut("=")
            if key.isEmpty { throw CLIError("no variable name on line '\(line)'") }
            if key.contains(" ") || key.contains("\t") { throw CLIError("variable '\(key)' contains whitespaces") }
            if value != nil { out.append(String(line)); continue }
            if let lookup, let v = lookup(key) { out.append("\(key)=\(v)") }
        }
        return out
    }
}

/// `--restart name[:max-retries]`.
struct RestartPolicy {
    var name: String
    var maxRetries: Int

    static func parse(_ s: String) throws -> RestartPolicy? {
        if s.isEmpty { return nil }
        let (name, count) = s.cut(":")
        if count != nil && name.isEmpty { throw CLIError("invalid restart policy format: no policy provided before colon") }
        var n = 0
        if let count, !count.isEmpty {
            guard let c = Int(count) else { throw CLIError("invalid restart policy format: maximum retry count must be an integer") }
            n = c
        }
        return RestartPolicy(name: name, maxRetries: n)
    }

    var json: JSONValue { .object(JSONObject([("Name", .string(name)), ("MaximumRetryCount", .int(maxRetries))])) }
}

/// opts.EffectiveCapAddCapDrop: `CAP_` names upper-cased, `ALL` kept as is, duplicates dropped.
enum Capabilities {
    static func normalize(_ caps: [String]) -> [String] {
        var out: [String] = []
        for c in caps {
            var n = c.trimmingSpaces.uppercased()
            if n.isEmpty { continue }
            if n != "ALL" && !n.hasPrefix("CAP_") { n = "CAP_" + n }
            if !out.contains(n) { out.append(n) }
        }
        return out
    }

    static func effective(add: [String], drop: [String]) -> ([String], [String]) {
        var a = normalize(add), d = normalize(drop)
        if a.contains("ALL") { a = ["ALL"] }
        if d.contains("ALL") { d = ["ALL"] }
        // Adding a capability wins over dropping it, except when everything is dropped.
        if !d.contains("ALL") { d.removeAll { a.contains($0) } }
        return (a, d)
    }
}

/// `--ulimit name=soft[:hard]` (units.ParseUlimit).
enum Ulimit {
    static let names: Set<String> = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
                                     "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]

    static func parse(_ s: String) throws -> (String, JSONValue) {
        let (name, limits) = s.cut("=")
        guard let limits else { throw CLIError("invalid argument \"\(s)\" for \"--ulimit\" flag: invalid ulimit argument: \(s)") }
        guard names.contains(name) else { throw CLIError("invalid argument \"\(s)\" for \"--ulimit\" flag: invalid ulimit type: \(name)") }
        let (softText, hardText) = limits.cut(":")
        guard let soft = Int64(softText) else {
            throw CLIError("invalid argument \"\(s)\" for \"--ulimit\" flag: strconv.ParseInt: parsing \"\(softText)\": invalid syntax")
        }
        var hard = soft
        if let h = hardText {
            guard let v = Int64(h) else { throw CLIError("invalid argument \"\(s)\" for \"--ulimit\" flag: strconv.ParseInt: parsing \"\(h)\": invalid syntax") }
            hard = v
        }
        if soft > hard && hard != -1 {
            throw CLIError("invalid argument \"\(s)\" for \"--ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: \(soft) > \(hard)")
        }
        return (name, .object(JSONObject([("Name", .string(name)), ("Hard", .int(hard)), ("Soft", .int(soft))])))
    }
}

/// `--device /dev/x[:/dev/y[:rwm]]`.
enum Device {
    static func parse(_ s: String) throws -> JSONValue {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var src = parts[0], dst = parts[0], perms = "rwm"
        switch parts.count {
        case 1: break
        case 2:
            if parts[1].allSatisfy({ "rwm".contains($0) }) && !parts[1].isEmpty { perms = parts[1] } else { dst = parts[1] }
        case 3: dst = parts[1]; perms = parts[2]
        default: throw CLIError("invalid device specification: \(s)")
        }
        if src.isEmpty { src = dst }
        guard dst.hasPrefix("/") else { throw CLIError("invalid device specification: \(s)") }
        return .object(JSONObject([("PathOnHost", .string(src)), ("PathInContainer", .string(dst)),
                                   ("CgroupPermissions", .string(perms))]))
    }
}
