import Glibc
import APIClient
import JSON
import LinuxSys

/// version, info.
enum SystemInfo {
    static var version: Command {
        Command("version", usage: "[OPTIONS]", "Show the Berth version information", args: .none, flags: [
            Flag("format", "f", .string, Inspect.formatHelp),
        ]) { inv in
            var client = JSONObject([("Version", .string(BerthCLI.version)), ("ApiVersion", .string(APIClient.maxVersion)),
                                      ("DefaultAPIVersion", .string(APIClient.maxVersion)), ("Os", .string("linux")),
                                      ("Arch", .string(goArch())), ("Context", .string("default"))])
            var server: JSONValue = .null
            var failure: Error?
            do {
                let api = try inv.ctx.client()
                client["ApiVersion"] = .string(try api.apiVersion())
                server = try api.getJSON("/version")
            } catch {
                failure = error
            }
            let format = inv.flags.string("format") ?? ""
            if !format.isEmpty {
                let doc = JSONValue.object(JSONObject([("Client", .object(client)), ("Server", server)]))
                var tmpl: Template
                do { tmpl = try Template(format == "json" ? "{{json .}}" : format) } catch {
                    let text = "\(error)"
                    let named = text.hasPrefix("template: :") ? "template: version:" + text.dropFirst(11) : text
                    throw StatusError("template parsing error: \(named)", status: 64)
                }
                tmpl.name = "version"
                // As prettyPrintVersion: what was written, a newline, then the failure.
                let (out, error) = tmpl.executePartially(.object(GoStruct(.versionInfo, doc)))
                inv.ctx.out.put(out + "\n")
                if let error { throw error }
            } else {
                inv.ctx.out.put(render(client, server))
            }
            if let failure { throw failure }
            return 0
        }
    }

    static func render(_ c: JSONObject, _ server: JSONValue) -> String {
        let tw = TabWriter(minwidth: 20, padding: 1)
        let api = c["ApiVersion"]?.string ?? "", def = c["DefaultAPIVersion"]?.string ?? ""
        tw.write("Client:\n")
        tw.write(" Version:\t\(c["Version"]?.string ?? "")\n")
        tw.write(" API version:\t\(api)\(api != def ? " (downgraded from \(def))" : "")\n")
        tw.write(" OS/Arch:\t\(c["Os"]?.string ?? "")/\(c["Arch"]?.string ?? "")\n")
        tw.write(" Context:\t\(c["Context"]?.string ?? "")")
        if case .object = server {
            let platform = server["Platform"]["Name"].stringValue
            tw.write("\n\nServer:\(platform.isEmpty ? "" : " " + platform)")
            var components = server["Components"].array
            if components.isEmpty {
                components = [.object(JSONObject([("Name", .string("Engine")), ("Version", server["Version"]),
                                                  ("Details", .object(JSONObject([
                                                      ("ApiVersion", server["ApiVersion"]), ("MinAPIVersion", server["MinAPIVersion"]),
                                                      ("GitCommit", server["GitCommit"]), ("GoVersion", server["GoVersion"]),
                                                      ("Os", server["Os"]), ("Arch", server["Arch"]), ("BuildTime", server["BuildTime"]),
                                                      ("Experimental", .string(server["Experimental"].bool ? "true" : "false")),
                                                  ])))]))]
            }
            for comp in components {
                let name = comp["Name"].stringValue
                let d = comp["Details"]
                tw.write("\n \(name):")
                if name == "Engine" {
                    tw.write("\n  Version:\t\(comp["Version"].stringValue)")
                    tw.write("\n  API version:\t\(detail(d, "ApiVersion")) (minimum version \(detail(d, "MinAPIVersion")))")
                    tw.write("\n  Go version:\t\(detail(d, "GoVersion"))")
                    tw.write("\n  Git commit:\t\(detail(d, "GitCommit"))")
                    tw.write("\n  Built:\t\(ansiDate(detail(d, "BuildTime")))")
                    tw.write("\n  OS/Arch:\t\(detail(d, "Os"))/\(detail(d, "Arch"))")
                    tw.write("\n  Experimental:\t\(detail(d, "Experimental"))")
                } else {
                    tw.write("\n  Version:\t\(comp["Version"].stringValue)")
                    for key in (d.object?.keys ?? []).sorted() { tw.write("\n  \(key):\t\(detail(d, key))") }
                }
            }
        }
        tw.write("\n")
        return tw.flush()
    }

    /// The build time as the docker CLI reformats it: time.ANSIC (`Wed May  1 00:00:00 2024`).
    static func ansiDate(_ s: String) -> String {
        // The reading as written, in the zone the text names.
        guard let (t, offset) = WallTime.parseDateTime(s), offset != nil else { return s }
        var tt = time_t(t.seconds)
        var tmv = tm()
        gmtime_r(&tt, &tmv)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%a %b %e %H:%M:%S %Y", &tmv)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func detail(_ d: JSONValue, _ key: String) -> String {
        let v = d[key]
        if let s = v.string { return s }
        if v.isNull { return "<no value>" }
        return goPrint(.json(v))
    }

    static func goArch() -> String {
        var u = utsname()
        uname(&u)
        let m = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch m {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        default: return m
        }
    }

    static var info: Command {
        Command("info", usage: "[OPTIONS]", "Display system-wide information", args: .none, flags: [
            Flag("format", "f", .string, Inspect.formatHelp),
        ]) { inv in
            let format = inv.flags.string("format") ?? ""
            let info = try inv.ctx.client().getJSON("/info")
            if !format.isEmpty {
                let tmpl = format == "json" ? "{{json .}}" : format
                inv.ctx.out.put(try Formatter.renderOne(tmpl, .from(info)))
                return 0
            }
            var s = "Client:\n Version:    \(BerthCLI.version)\n Context:    default\n Debug Mode: \(inv.ctx.debug)\n\nServer:\n"
            s += renderServer(info)
            inv.ctx.out.put(s)
            let warnings = info["Warnings"].strings
            if !warnings.isEmpty { inv.ctx.err.print(warnings.joined(separator: "\n")) }
            return 0
        }
    }

    static func renderServer(_ i: JSONValue) -> String {
        var s = ""
        func line(_ label: String, _ v: String) { s += " \(label) \(v)\n" }
        func nonEmpty(_ label: String, _ v: String) { if !v.isEmpty { line(label, v) } }
        func num(_ k: String) -> String { String(i[k].int) }
        line("Containers:", num("Containers"))
        s += "  Running: \(num("ContainersRunning"))\n  Paused: \(num("ContainersPaused"))\n  Stopped: \(num("ContainersStopped"))\n"
        line("Images:", num("Images"))
        nonEmpty("Server Version:", i["ServerVersion"].stringValue)
        nonEmpty("Storage Driver:", i["Driver"].stringValue)
        for pair in i["DriverStatus"].array { s += "  \(pair[0].stringValue): \(pair[1].stringValue)\n" }
        nonEmpty("Logging Driver:", i["LoggingDriver"].stringValue)
        nonEmpty("Cgroup Driver:", i["CgroupDriver"].stringValue)
        nonEmpty("Cgroup Version:", i["CgroupVersion"].stringValue)
        s += " Plugins:\n"
        s += "  Volume: \(i["Plugins"]["Volume"].strings.joined(separator: " "))\n"
        s += "  Network: \(i["Plugins"]["Network"].strings.joined(separator: " "))\n"
        s += "  Log: \(i["Plugins"]["Log"].strings.joined(separator: " "))\n"
        line("Swarm:", i["Swarm"]["LocalNodeState"].string ?? "inactive")
        let runtimes = (i["Runtimes"].object?.keys ?? []).sorted()
        if !runtimes.isEmpty {
            line("Runtimes:", runtimes.joined(separator: " "))
            line("Default Runtime:", i["DefaultRuntime"].stringValue)
        }
        if i["OSType"].string == "linux" {
            line("Init Binary:", i["InitBinary"].stringValue)
            line("containerd version:", i["ContainerdCommit"]["ID"].stringValue)
            line("runc version:", i["RuncCommit"]["ID"].stringValue)
            line("init version:", i["InitCommit"]["ID"].stringValue)
        }
        let secopts = i["SecurityOptions"].strings
        if !secopts.isEmpty {
            s += " Security Options:\n"
            for o in secopts {
                // name=seccomp,profile=builtin
                var name = o
                var extra: [String] = []
                for kv in o.split(separator: ",") {
                    let (k, v) = String(kv).cut("=")
                    if k == "name" { name = v ?? "" } else if let v { extra.append("   \(k.prefix(1).uppercased() + k.dropFirst()): \(v)") }
                }
                s += "  \(name)\n" + extra.map { $0 + "\n" }.joined()
            }
        }
        nonEmpty("Kernel Version:", i["KernelVersion"].stringValue)
        nonEmpty("Operating System:", i["OperatingSystem"].stringValue)
        nonEmpty("OSType:", i["OSType"].stringValue)
        nonEmpty("Architecture:", i["Architecture"].stringValue)
        line("CPUs:", num("NCPU"))
        line("Total Memory:", HumanUnits.bytesSize(Double(i["MemTotal"].int64 ?? 0)))
        nonEmpty("Name:", i["Name"].stringValue)
        nonEmpty("ID:", i["ID"].stringValue)
        line("Docker Root Dir:", i["DockerRootDir"].stringValue)
        line("Debug Mode:", i["Debug"].bool ? "true" : "false")
        nonEmpty("HTTP Proxy:", i["HttpProxy"].stringValue)
        nonEmpty("HTTPS Proxy:", i["HttpsProxy"].stringValue)
        nonEmpty("No Proxy:", i["NoProxy"].stringValue)
        let labels = i["Labels"].strings
        if !labels.isEmpty { s += " Labels:\n" + labels.map { "  \($0)\n" }.joined() }
        line("Experimental:", i["ExperimentalBuild"].bool ? "true" : "false")
        line("Live Restore Enabled:", i["LiveRestoreEnabled"].bool ? "true" : "false")
        return s + "\n"
    }
}

/// `berth events`.
enum Events {
    static var command: Command {
        Command("events", usage: "[OPTIONS]", "Get real time events from the server", args: .none, flags: [
            Flag("filter", "f", .filter, "Filter output based on conditions provided"),
            Flag("format", nil, .string, Inspect.formatHelp),
            Flag("since", nil, .string, "Show all events created since timestamp"),
            Flag("until", nil, .string, "Stream events until this timestamp"),
        ]) { inv in
            var q = Query()
            if let s = inv.flags.string("since"), !s.isEmpty { q.add("since", try GoTimeArg.timestamp(s, flag: "since")) }
            if let u = inv.flags.string("until"), !u.isEmpty { q.add("until", try GoTimeArg.timestamp(u, flag: "until")) }
            q.filters(try ContainerList.filters(inv.flags))
            var template: Template?
            if let f = inv.flags.string("format"), !f.isEmpty {
                // Parsed, then run on an empty message so a bad field fails up front (makeTemplate).
                do {
                    let t = try Template(f == "json" ? "{{json .}}" : f)
                    _ = try t.execute(.object(GoStruct(.eventMessage, .object(JSONObject()))))
                    template = t
                } catch {
                    throw StatusError("Error parsing format: \(error)", status: 64)
                }
            }
            let stream = try inv.ctx.client().stream("GET", "/events", query: q)
            try stream.forEachJSON { ev in
                if let template {
                    do { inv.ctx.out.put(try template.execute(.object(GoStruct(.eventMessage, ev))) + "\n") } catch { inv.ctx.err.print("\(error)") }
                } else {
                    inv.ctx.out.put(pretty(ev))
                }
                return true
            }
            return 0
        }
    }

    /// `2024-05-01T10:20:30.123456789Z container start <id> (image=busybox, name=x)`.
    static func pretty(_ ev: JSONValue) -> String {
        var s = ""
        if let tn = ev["timeNano"].int64, tn != 0 {
            s += WallTime(seconds: tn / 1_000_000_000, nanoseconds: tn % 1_000_000_000).localRFC3339(.nine) + " "
        } else if let t = ev["time"].int64, t != 0 {
            s += WallTime(seconds: t).localRFC3339(.nine) + " "
        }
        s += "\(ev["Type"].stringValue) \(ev["Action"].stringValue) \(ev["Actor"]["ID"].stringValue)"
        let attrs = ev["Actor"]["Attributes"].stringMap.sorted { goLess($0.0, $1.0) }
        if !attrs.isEmpty { s += " (" + attrs.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + ")" }
        return s + "\n"
    }
}
