import Glibc
import APIClient
import JSON
import LinuxSys

/// top, port, diff, export, update, container prune.
enum ContainerMisc {
    static var top: Command {
        Command("top", usage: "CONTAINER [ps OPTIONS]", "Display the running processes of a container", args: .atLeast(1),
                interspersed: false) { inv in
            var q = Query()
            if inv.args.count > 1 { q.add("ps_args", inv.args.dropFirst().joined(separator: " ")) }
            let v = try inv.ctx.client().getJSON(Lifecycle.path(inv.args[0], "/top"), query: q)
            let tw = TabWriter(minwidth: 20, padding: 3)
            tw.write(v["Titles"].strings.joined(separator: "\t") + "\n")
            for p in v["Processes"].array { tw.write(p.strings.joined(separator: "\t") + "\n") }
            inv.ctx.out.put(tw.flush())
            return 0
        }
    }

    static var port: Command {
        Command("port", usage: "CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific mapping for the container",
                args: .range(1, 2)) { inv in
            let c = try inv.ctx.client().getJSON(Lifecycle.path(inv.args[0], "/json"))
            let ports = c["NetworkSettings"]["Ports"]
            var out: [String] = []
            func host(_ b: JSONValue) -> String {
                Display.joinHostPort(b["HostIp"].stringValue, b["HostPort"].stringValue)
            }
            if inv.args.count == 2 {
                var key = inv.args[1]
                if !key.contains("/") { key += "/tcp" }
                let bindings = ports[key].array
                if bindings.isEmpty { throw CLIError("Error: No public port '\(inv.args[1])' published for \(inv.args[0])") }
                out = bindings.map(host)
            } else if let o = ports.object {
                for (from, list) in o { for b in list.array { out.append("\(from) -> \(host(b))") } }
            }
            if !out.isEmpty { inv.ctx.out.print(out.sorted(by: naturalLess).joined(separator: "\n")) }
            return 0
        }
    }

    static var diff: Command {
        Command("diff", usage: "CONTAINER", "Inspect changes to files or directories on a container's filesystem", args: .exact(1)) { inv in
            let changes = try inv.ctx.client().getJSON(Lifecycle.path(inv.args[0], "/changes"))
            var s = ""
            for ch in changes.array {
                let kind: String
                switch ch["Kind"].int { case 0: kind = "C"; case 1: kind = "A"; case 2: kind = "D"; default: kind = "?" }
                s += "\(kind) \(ch["Path"].stringValue)\n"
            }
            inv.ctx.out.put(s)
            return 0
        }
    }

    static var export: Command {
        Command("export", usage: "[OPTIONS] CONTAINER", "Export a container's filesystem as a tar archive", args: .exact(1), flags: [
            Flag("output", "o", .string, "Write to a file, instead of STDOUT"),
        ]) { inv in
            let sink = try outputSink(inv.ctx, inv.flags.string("output"))
            let stream = try inv.ctx.client().stream("GET", Lifecycle.path(inv.args[0], "/export"))
            try stream.copy(to: sink)
            try sink.finish()
            return 0
        }
    }

    /// `-o file` or stdout, refusing a terminal (docker's "cowardly refusing").
    static func outputSink(_ ctx: CLIContext, _ path: String?) throws -> ByteSink {
        guard let path, !path.isEmpty else {
            if ctx.out.isTerminal { throw CLIError("cowardly refusing to save to a terminal. Use the -o flag or redirect") }
            return ctx.out
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw CLIError("failed to export container: open \(path): \(Errno.describe(errno))") }
        return OwnedFDSink(fd: fd)
    }

    static var update: Command {
        Command("update", usage: "[OPTIONS] CONTAINER [CONTAINER...]", "Update configuration of one or more containers", args: .atLeast(1), flags: [
            Flag("blkio-weight", nil, .uint16, "Block IO (relative weight), between 10 and 1000, or 0 to disable", default: "0"),
            Flag("cpu-period", nil, .int64, "Limit CPU CFS (Completely Fair Scheduler) period"),
            Flag("cpu-quota", nil, .int64, "Limit CPU CFS (Completely Fair Scheduler) quota"),
            Flag("cpu-rt-period", nil, .int64, "Limit the CPU real-time period in microseconds"),
            Flag("cpu-rt-runtime", nil, .int64, "Limit the CPU real-time runtime in microseconds"),
            Flag("cpu-shares", "c", .int64, "CPU shares (relative weight)"),
            Flag("cpus", nil, .decimal, "Number of CPUs"),
            Flag("cpuset-cpus", nil, .string, "CPUs in which to allow execution (0-3, 0,1)"),
            Flag("cpuset-mems", nil, .string, "MEMs in which to allow execution (0-3, 0,1)"),
            Flag("memory", "m", .bytes, "Memory limit"),
            Flag("memory-reservation", nil, .bytes, "Memory soft limit"),
            Flag("memory-swap", nil, .memSwap, "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
            Flag("pids-limit", nil, .int64, "Tune container pids limit (set -1 for unlimited)"),
            Flag("restart", nil, .string, "Restart policy to apply when a container exits"),
        ]) { inv in
            let f = inv.flags
            if f.values.keys.allSatisfy({ $0 == "help" }) { throw CLIError("you must provide one or more flags when using this command") }
            var b = JSONBuilder()
            if let w = f.string("blkio-weight").flatMap({ Int64($0) }) { b.set("BlkioWeight", w) }
            b.set("CpusetCpus", f.string("cpuset-cpus"))
            b.set("CpusetMems", f.string("cpuset-mems"))
            b.set("CpuShares", f.int64("cpu-shares"))
            b.set("Memory", f.bytes("memory"))
            b.set("MemoryReservation", f.bytes("memory-reservation"))
            b.set("MemorySwap", f.memSwap("memory-swap"))
            b.set("CpuPeriod", f.int64("cpu-period"))
            b.set("CpuQuota", f.int64("cpu-quota"))
            b.set("CpuRealtimePeriod", f.int64("cpu-rt-period"))
            b.set("CpuRealtimeRuntime", f.int64("cpu-rt-runtime"))
            b.set("NanoCpus", f.nanoCPUs("cpus"))
            if let p = f.int64("pids-limit"), p != 0 { b.set("PidsLimit", p) }
            if let r = try RestartPolicy.parse(f.string("restart") ?? "") { b.set("RestartPolicy", r.json) }
            let client = try inv.ctx.client()
            var warnings: [String] = []
            var errors: [String] = []
            for name in inv.args {
                do {
                    let r = try client.request("POST", Lifecycle.path(name, "/update"), json: b.value)
                    warnings += ((try? JSON.parse(r.body)) ?? .null)["Warnings"].strings
                    inv.ctx.out.print(name)
                } catch {
                    errors.append("\(error)")
                }
            }
            if !warnings.isEmpty { inv.ctx.out.print(warnings.joined(separator: "\n")) }
            if !errors.isEmpty { throw StatusError(errors.joined(separator: "\n"), status: 1) }
            return 0
        }
    }

    static var prune: Command {
        Command("prune", usage: "[OPTIONS]", "Remove all stopped containers", args: .none, flags: [
            Flag("filter", nil, .filter, "Provide filter values (e.g. \"until=<timestamp>\")"),
            Flag("force", "f", .bool, "Do not prompt for confirmation"),
        ]) { inv in
            if !inv.flags.bool("force") {
                guard Prompt.confirm(inv.ctx, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?") else {
                    throw CLIError("container prune has been cancelled")
                }
            }
            let (space, output) = try pruneContainers(inv.ctx, try ContainerList.filters(inv.flags))
            if !output.isEmpty { inv.ctx.out.print(output) }
            inv.ctx.out.print("Total reclaimed space: \(HumanUnits.humanSize(Double(space)))")
            return 0
        }
    }

    /// `POST /containers/prune`: reclaimed bytes and the "Deleted Containers:" list.
    static func pruneContainers(_ ctx: CLIContext, _ filters: Filters) throws -> (Int64, String) {
        var q = Query()
        q.filters(filters)
        let r = try ctx.client().request("POST", "/containers/prune", query: q)
        let v = (try? JSON.parse(r.body)) ?? .null
        let deleted = v["ContainersDeleted"].strings
        guard !deleted.isEmpty else { return (0, "") }
        return (v["SpaceReclaimed"].int64 ?? 0, "Deleted Containers:\n" + deleted.map { $0 + "\n" }.joined())
    }
}

/// Asks `[y/N]` on stdout and reads the answer from stdin (prompt.Confirm).
enum Prompt {
    static func confirm(_ ctx: CLIContext, _ message: String) -> Bool {
        ctx.out.put(message + " [y/N] ")
        var line: [UInt8] = []
        var c: UInt8 = 0
        while read(0, &c, 1) == 1 {
            if c == 10 { break }
            line.append(c)
        }
        let answer = String(decoding: line, as: UTF8.self).trimmingSpaces.lowercased()
        return answer == "y" || answer == "yes"
    }
}

/// A file the sink owns and closes when finished.
final class OwnedFDSink: ByteSink {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { if fd >= 0 { close(fd) } }
    func write(_ bytes: UnsafeRawBufferPointer) throws { try FDSink(fd: fd).write(bytes) }
    func finish() throws {}
}

/// sortorder.NaturalLess: digit runs compare as numbers (`80/tcp` before `443/tcp`).
func naturalLess(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var i = 0, j = 0
    func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    while i < x.count && j < y.count {
        if isDigit(x[i]) && isDigit(y[j]) {
            var i2 = i, j2 = j
            while i2 < x.count && isDigit(x[i2]) { i2 += 1 }
            while j2 < y.count && isDigit(y[j2]) { j2 += 1 }
            let n1 = Int(String(decoding: x[i..<i2], as: UTF8.self)) ?? 0
            let n2 = Int(String(decoding: y[j..<j2], as: UTF8.self)) ?? 0
            if n1 != n2 { return n1 < n2 }
            i = i2; j = j2
        } else {
            if x[i] != y[j] { return x[i] < y[j] }
            i += 1; j += 1
        }
    }
    return x.count - i < y.count - j
}
