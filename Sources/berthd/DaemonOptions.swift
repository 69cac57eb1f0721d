import Glibc
import LinuxSys
import JSON

/// dockerd's flags that apply to berthd, and the daemon.json keys that match them.
/// A flag given on the command line wins over the file, as with dockerd.
struct DaemonOptions {
    var hosts: [String] = []
    var dataRoot = "/var/lib/berth"
    var execRoot = "/run/berth"
    var configFile = "/etc/berth/daemon.json"
    var configFileGiven = false
    var debug = false
    var pidfile: String?
    var defaultRuntime = "berth-runtime"
    var runtimes: [String: String] = [:]
    var supervisor: String?
    var dns: [String] = []
    var dnsSearch: [String] = []
    var dnsOptions: [String] = []
    var group = "berth"
    var logMaxSize: String?
    var logMaxFile: String?
    var seccompProfile: String?
    var insecureRegistries: [String] = []
    var registryMirrors: [String] = []
    var maxConcurrentDownloads = 3
    /// Blobs larger than this are pushed in chunks of this many bytes; 0 pushes each in one PUT.
    var uploadChunkSize: Int64 = 0
    /// Where docker.io's API is served (berth's own setting: an internal registry for an
    /// air-gapped host; the tests point it at a dead loopback port so nothing leaves the machine).
    var dockerIOServer = "https://registry-1.docker.io"
    /// Docker's per-registry certificate directories: `<dir>/<host[:port]>/*.crt` are CAs.
    var registryCertsDir = "/etc/docker/certs.d"

    static let usage = """
    Usage:  berthd [OPTIONS]

    A Docker-compatible container engine daemon.

    Options:
          --add-runtime name=path   register an OCI runtime (berth-runtime, runc and crun are known)
          --config-file string      daemon configuration file (default "/etc/berth/daemon.json")
          --data-root string        root of persistent state (default "/var/lib/berth")
      -D, --debug                   enable debug mode
          --default-runtime string  runtime for containers (default "berth-runtime")
          --dns list                DNS servers for containers
          --dns-opt list            DNS options for containers
          --dns-search list         DNS search domains for containers
          --docker-io-server url    the registry behind docker.io (default https://registry-1.docker.io)
          --exec-root string        root of runtime state (default "/run/berth")
      -G, --group string            group for the unix socket (default "berth")
      -H, --host list               sockets to listen on (default unix:///run/berth/berthd.sock)
          --insecure-registry list  registries reached over plain HTTP (127.0.0.0/8 always is)
          --max-concurrent-downloads int  layers downloaded at once per pull (default 3)
      -p, --pidfile string          path for the daemon's PID file
          --registry-certs-dir dir  CAs of private registries, <dir>/<host:port>/*.crt (default /etc/docker/certs.d)
          --registry-mirror list    mirrors tried before docker.io (http://host:port)
          --seccomp-profile string  default seccomp profile (default: deploy/seccomp-default.json as installed)
          --supervisor string       use the berth-supervisor serving on this socket instead of starting one
          --upload-chunk-size bytes push blobs larger than this in chunks of this size (k/m/g suffix; default 0: whole)
      -v, --version                 print version information and quit
    """

    enum Parsed { case run(DaemonOptions), help, version }

    static func parse(_ args: [String]) throws -> Parsed {
        var o = DaemonOptions()
        var explicit = Set<String>()
        var i = 0
        func value(_ flag: String, _ inline: String?) throws -> String {
            if let inline { return inline }
            i += 1
            guard i < args.count else { throw RuntimeError("flag needs an argument: \(flag)") }
            return args[i]
        }
        while i < args.count {
            let arg = args[i]
            var flag = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq]); inline = String(arg[arg.index(after: eq)...])
            }
            switch flag {
            case "-H", "--host": o.hosts.append(try value(flag, inline)); explicit.insert("hosts")
            case "--data-root", "-g", "--graph": o.dataRoot = try value(flag, inline); explicit.insert("data-root")
            case "--exec-root": o.execRoot = try value(flag, inline); explicit.insert("exec-root")
            case "--config-file": o.configFile = try value(flag, inline); o.configFileGiven = true
            case "-D", "--debug": o.debug = true; explicit.insert("debug")
            case "-p", "--pidfile": o.pidfile = try value(flag, inline); explicit.insert("pidfile")
            case "--default-runtime": o.defaultRuntime = try value(flag, inline); explicit.insert("default-runtime")
            case "--add-runtime":
                let v = try value(flag, inline)
                guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                    throw RuntimeError("invalid --add-runtime \"\(v)\": expected name=path")
                }
                o.runtimes[String(v[..<eq])] = String(v[v.index(after: eq)...])
            case "--supervisor", "--containerd": o.supervisor = try value(flag, inline)
            case "--dns": o.dns.append(try value(flag, inline)); explicit.insert("dns")
            case "--dns-search": o.dnsSearch.append(try value(flag, inline)); explicit.insert("dns-search")
            case "--dns-opt": o.dnsOptions.append(try value(flag, inline)); explicit.insert("dns-opts")
            case "-G", "--group": o.group = try value(flag, inline)
            case "--seccomp-profile": o.seccompProfile = try value(flag, inline); explicit.insert("seccomp-profile")
            case "--insecure-registry": o.insecureRegistries.append(try value(flag, inline)); explicit.insert("insecure-registries")
            case "--registry-mirror": o.registryMirrors.append(try value(flag, inline)); explicit.insert("registry-mirrors")
            case "--docker-io-server": o.dockerIOServer = try value(flag, inline); explicit.insert("docker-io-server")
            case "--registry-certs-dir": o.registryCertsDir = try value(flag, inline)
            case "--max-concurrent-downloads":
                let v = try value(flag, inline)
                guard let n = Int(v), n > 0 else { throw RuntimeError("invalid --max-concurrent-downloads \"\(v)\": a positive number is needed") }
                o.maxConcurrentDownloads = n; explicit.insert("max-concurrent-downloads")
            case "--upload-chunk-size":
                let v = try value(flag, inline)
                guard let n = Self.byteCount(v) else { throw RuntimeError("invalid --upload-chunk-size \"\(v)\": a byte count is needed (like 5m)") }
                o.uploadChunkSize = n; explicit.insert("upload-chunk-size")
            case "-h", "--help": return .help
            case "-v", "--version": return .version
            default:
                throw RuntimeError(arg.hasPrefix("-") ? "unknown flag: \(arg)" : "berthd takes no arguments: \(arg)")
            }
            i += 1
        }
        try o.applyConfigFile(skipping: explicit)
        if o.hosts.isEmpty { o.hosts = ["unix://\(o.execRoot == "/run/berth" ? "/run/berth" : o.execRoot)/berthd.sock"] }
        return .run(o)
    }

    /// daemon.json: a missing default file is fine; a named one must exist; unknown keys are
    /// tolerated (dockerd refuses them, but our file may hold keys of later issues).
    mutating func applyConfigFile(skipping explicit: Set<String>) throws {
        guard let bytes = try? FileIO.read(path: configFile) else {
            if configFileGiven { throw RuntimeError("unable to configure the daemon: open \(configFile): no such file or directory") }
            return
        }
        let v: JSONValue
        do { v = try JSON.parse(bytes) } catch {
            throw RuntimeError("unable to configure the daemon with file \(configFile): \(error)")
        }
        guard case .object(let o) = v else { throw RuntimeError("unable to configure the daemon with file \(configFile): not a JSON object") }
        func strings(_ k: String) -> [String]? {
            guard case .array(let a)? = o[k] else { return nil }
            return a.compactMap(\.text)
        }
        if !explicit.contains("hosts"), let h = strings("hosts") { hosts = h }
        if !explicit.contains("data-root"), let s = o["data-root"]?.text { dataRoot = s }
        if !explicit.contains("exec-root"), let s = o["exec-root"]?.text { execRoot = s }
        if !explicit.contains("debug"), case .bool(let b)? = o["debug"] { debug = b }
        if !explicit.contains("pidfile"), let s = o["pidfile"]?.text { pidfile = s }
        if !explicit.contains("default-runtime"), let s = o["default-runtime"]?.text { defaultRuntime = s }
        if !explicit.contains("dns"), let s = strings("dns") { dns = s }
        if !explicit.contains("dns-search"), let s = strings("dns-search") { dnsSearch = s }
        if !explicit.contains("dns-opts"), let s = strings("dns-opts") { dnsOptions = s }
        if !explicit.contains("seccomp-profile"), let s = o["seccomp-profile"]?.text { seccompProfile = s }
        if !explicit.contains("insecure-registries"), let s = strings("insecure-registries") { insecureRegistries = s }
        if !explicit.contains("registry-mirrors"), let s = strings("registry-mirrors") { registryMirrors = s }
        if !explicit.contains("docker-io-server"), let s = o["docker-io-server"]?.text { dockerIOServer = s }
        if !explicit.contains("max-concurrent-downloads"), case .number(let num)? = o["max-concurrent-downloads"] {
            guard let n = num.int64Value, n >= 1 else { throw RuntimeError("unable to configure the daemon with file \(configFile): max-concurrent-downloads must be at least 1") }
            maxConcurrentDownloads = Int(n)
        }
        if !explicit.contains("upload-chunk-size"), let v = o["upload-chunk-size"] {
            var n: Int64?
            if case .number(let num) = v { n = num.int64Value.flatMap { $0 >= 0 ? $0 : nil } } else if let t = v.text { n = Self.byteCount(t) }
            guard let n else {
                throw RuntimeError("unable to configure the daemon with file \(configFile): upload-chunk-size must be a byte count (like 5242880 or \"5m\")")
            }
            uploadChunkSize = n
        }
        if let s = o["group"]?.text { group = s }
        if case .object(let rts)? = o["runtimes"] {
            for (name, spec) in rts where runtimes[name] == nil {
                if let p = spec.field("path")?.text { runtimes[name] = p }
            }
        }
        if case .object(let lo)? = o["log-opts"] {
            logMaxSize = lo["max-size"]?.text
            logMaxFile = lo["max-file"]?.text
        }
    }
}

extension DaemonOptions {
    /// `1048576`, `512k`, `5m`, `1g` (powers of 1024; a trailing `b` or `ib` is allowed).
    static func byteCount(_ text: String) -> Int64? {
        var t = Substring(text.lowercased().filter { $0 != " " })
        if t.hasSuffix("ib") { t = t.dropLast(2) } else if t.hasSuffix("b") { t = t.dropLast() }
        var unit: Int64 = 1
        if let last = t.last, let shift = ["k": 10, "m": 20, "g": 30][last] {
            unit = 1 << Int64(shift)
            t = t.dropLast()
        }
        guard let n = Int64(t), n >= 0 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }
}
