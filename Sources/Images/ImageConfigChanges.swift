import DockerAPI
import JSON

/// Config changes for `docker import --change` and `docker commit --change`: the fields
/// directly, or parsed from the Dockerfile instructions the API passes (`changes=CMD ["sh"]`).
public struct ImageConfigChanges: Sendable, Equatable {
    public var cmd: [String]?
    public var entrypoint: [String]?
    /// "KEY=value", replacing an earlier value of KEY.
    public var env: [String] = []
    public var workingDir: String?
    public var user: String?
    public var labels: [String: String] = [:]
    /// "80/tcp", "53/udp"
    public var exposedPorts: [String] = []
    public var volumes: [String] = []
    public var stopSignal: String?
    public var onBuild: [String] = []
    public var healthcheck: HealthConfig?

    public init() {}

    /// Applies the changes on top of `config` (Docker's BuildFromConfig).
    public func apply(to config: inout ContainerConfig) {
        if let cmd { config.Cmd = cmd }
        if let entrypoint {
            config.Entrypoint = entrypoint
            if self.cmd == nil { config.Cmd = nil } // a new ENTRYPOINT drops an inherited CMD
        }
        for e in env {
            let key = e.split(separator: "=", maxSplits: 1).first.map(String.init) ?? e
            var list = config.Env ?? []
            list.removeAll { ($0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0) == key }
            list.append(e)
            config.Env = list
        }
        if let workingDir {
            config.WorkingDir = workingDir.hasPrefix("/") ? workingDir : ((config.WorkingDir ?? "/") + "/" + workingDir)
                .replacingSlashes()
        }
        if let user { config.User = user }
        if !labels.isEmpty { config.Labels = (config.Labels ?? [:]).merging(labels) { _, new in new } }
        for p in exposedPorts { config.ExposedPorts = (config.ExposedPorts ?? [:]).merging([p: EmptyObject()]) { a, _ in a } }
        for v in volumes { config.Volumes = (config.Volumes ?? [:]).merging([v: EmptyObject()]) { a, _ in a } }
        if let stopSignal { config.StopSignal = stopSignal }
        if !onBuild.isEmpty { config.OnBuild = (config.OnBuild ?? []) + onBuild }
        if let healthcheck { config.Healthcheck = healthcheck }
    }

    /// Parses Dockerfile instructions. Only those Docker allows for commit and import are accepted.
    public static func parse(_ lines: [String]) throws(ImageError) -> ImageConfigChanges {
        var c = ImageConfigChanges()
        for raw in lines {
            let line = raw.trimmed
            if line.isEmpty { continue }
            let word = String(line.prefix { !$0.isWhitespace })
            let rest = String(line.dropFirst(word.count)).trimmed
            switch word.lowercased() {
            case "cmd": c.cmd = command(rest)
            case "entrypoint": c.entrypoint = command(rest)
            case "env": c.env += try pairs(rest, "ENV").map { "\($0)=\($1)" }
            case "label": for (k, v) in try pairs(rest, "LABEL") { c.labels[k] = v }
            case "workdir":
                if let prev = c.workingDir, !rest.hasPrefix("/") { c.workingDir = (prev + "/" + rest).replacingSlashes() } else { c.workingDir = rest }
            case "user": c.user = rest
            case "stopsignal": c.stopSignal = rest
            case "onbuild": c.onBuild.append(rest)
            case "volume": c.volumes += jsonArray(rest) ?? rest.split(whereSeparator: \.isWhitespace).map(String.init)
            case "expose": for p in rest.split(whereSeparator: \.isWhitespace) { c.exposedPorts += try ports(String(p)) }
            case "healthcheck": c.healthcheck = try healthcheck(rest)
            default: throw .invalidArgument("\(word.lowercased()) is not a valid change command")
            }
        }
        return c
    }

    /// Exec form `["a","b"]`, else shell form run by /bin/sh -c.
    static func command(_ s: String) -> [String] {
        jsonArray(s) ?? ["/bin/sh", "-c", s]
    }

    static func jsonArray(_ s: String) -> [String]? {
        guard s.hasPrefix("[") else { return nil }
        return try? JSON.decode([String].self, from: Array(s.utf8))
    }

    /// `K=V K2="v 2"`, or the legacy `K some value` form.
    static func pairs(_ s: String, _ instruction: String) throws(ImageError) -> [(String, String)] {
        let words = shellWords(s)
        guard let first = words.first else { throw .invalidArgument("\(instruction) requires at least one argument") }
        if !first.contains("=") {
            let value = String(s.dropFirst(s.prefix { !$0.isWhitespace }.count)).trimmed
            return [(first, shellWords(value).joined(separator: " "))]
        }
        return try words.map { (w: String) throws(ImageError) -> (String, String) in
            guard let eq = w.firstIndex(of: "="), eq != w.startIndex else {
                throw .invalidArgument("\(instruction) names must be followed by \"=\": \(w)")
            }
            return (String(w[..<eq]), String(w[w.index(after: eq)...]))
        }
    }

    /// Words split on blanks, with quotes and backslash escapes removed.
    static func shellWords(_ s: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var quote: Character?
        var escape = false
        for ch in s {
            if escape { cur.append(ch); escape = false; inWord = true; continue }
            if ch == "\\" && quote != "'" { escape = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else { cur.append(ch) }
                continue
            }
            if ch == "\"" || ch == "'" { quote = ch; inWord = true; continue }
            if ch.isWhitespace {
                if inWord { words.append(cur); cur = ""; inWord = false }
                continue
            }
            cur.append(ch)
            inWord = true
        }
        if inWord { words.append(cur) }
        return words
    }

    /// "80" → ["80/tcp"]; "53/udp"; "8000-8002" → three ports.
    static func ports(_ spec: String) throws(ImageError) -> [String] {
        let parts = spec.split(separator: "/", maxSplits: 1)
        let proto = parts.count > 1 ? String(parts[1]).lowercased() : "tcp"
        guard let portText = parts.first, ["tcp", "udp", "sctp"].contains(proto) else {
            throw .invalidArgument("invalid port specification: \"\(spec)\"")
        }
        let range = portText.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = range.first, let lo = UInt16(first), let hi = range.count > 1 ? UInt16(range[1]) : lo, lo <= hi else {
            throw .invalidArgument("invalid port specification: \"\(spec)\"")
        }
        return (lo...hi).map { "\($0)/\(proto)" }
    }

    /// `NONE`, or `[--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD ...`.
    static func healthcheck(_ s: String) throws(ImageError) -> HealthConfig {
        var rest = Substring(s)
        var h = HealthConfig()
        while rest.hasPrefix("--") {
            let opt = rest.prefix { !$0.isWhitespace }
            rest = rest.dropFirst(opt.count).drop { $0.isWhitespace }
            let kv = opt.dropFirst(2).split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw .invalidArgument("HEALTHCHECK: option \(opt) needs a value") }
            if kv[0] == "retries" {
                guard let n = Int(kv[1]), n >= 0 else { throw .invalidArgument("HEALTHCHECK: invalid --retries \(kv[1])") }
                h.Retries = n
                continue
            }
            guard let ns = goDuration(kv[1]) else { throw .invalidArgument("HEALTHCHECK: invalid duration \(kv[1]) for --\(kv[0])") }
            switch kv[0] {
            case "interval": h.Interval = ns
            case "timeout": h.Timeout = ns
            case "start-period": h.StartPeriod = ns
            case "start-interval": h.StartInterval = ns
            default: throw .invalidArgument("HEALTHCHECK: unknown option --\(kv[0])")
            }
        }
        let word = rest.prefix { !$0.isWhitespace }
        let cmd = String(rest.dropFirst(word.count)).trimmed
        switch word.uppercased() {
        case "NONE": h.Test = ["NONE"]
        case "CMD": h.Test = jsonArray(cmd).map { ["CMD"] + $0 } ?? ["CMD-SHELL", cmd]
        default: throw .invalidArgument("HEALTHCHECK must be NONE or CMD ...")
        }
        return h
    }

    /// Go's time.ParseDuration ("1m30s", "500ms", "1.5h") in nanoseconds.
    static func goDuration(_ s: String) -> Int64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var rest = Substring(s)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return 0 }
        while !rest.isEmpty {
            let num = rest.prefix { $0.isNumber || $0 == "." }
            guard let v = Double(num) else { return nil }
            rest = rest.dropFirst(num.count)
            let unitText = rest.prefix { !$0.isNumber && $0 != "." }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += v * unit.1
        }
        return Int64(total)
    }
}

extension String {
    var trimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// Collapses "//" runs (a WORKDIR joined onto "/").
    func replacingSlashes() -> String {
        var out = ""
        for ch in self where !(ch == "/" && out.hasSuffix("/")) { out.append(ch) }
        return out
    }
}
