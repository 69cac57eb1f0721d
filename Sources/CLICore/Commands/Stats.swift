import Glibc
import APIClient
import JSON
import LinuxSys

/// One row of `stats`: docker's statsContext over the numbers computed from a stats sample.
struct StatsEntry: TemplateObject {
    var container: String
    var name = ""
    var id = ""
    var cpu = 0.0, memory = 0.0, memoryLimit = 0.0, memoryPercent = 0.0
    var netRx = 0.0, netTx = 0.0, blockRead = 0.0, blockWrite = 0.0
    var pids: Int64 = 0
    var invalid = false
    var trunc = true

    static let headers: [String: String] = [
        "Container": "CONTAINER", "Name": "NAME", "ID": "CONTAINER ID", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
        "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
    ]
    static let defaultTable = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

    init(container: String) { self.container = container }

    /// The calculations of the docker CLI's stats_helpers.go (cgroup v1 and v2 memory without page cache).
    init(container: String, sample v: JSONValue) {
        self.container = container
        name = v["name"].stringValue
        id = v["id"].stringValue
        let cur = v["cpu_stats"], pre = v["precpu_stats"]
        let cpuDelta = (cur["cpu_usage"]["total_usage"].double ?? 0) - (pre["cpu_usage"]["total_usage"].double ?? 0)
        let sysDelta = (cur["system_cpu_usage"].double ?? 0) - (pre["system_cpu_usage"].double ?? 0)
        var online = cur["online_cpus"].double ?? 0
        if online == 0 { online = Double(cur["cpu_usage"]["percpu_usage"].array.count) }
        if sysDelta > 0 && cpuDelta > 0 { cpu = cpuDelta / sysDelta * online * 100 }
        let mem = v["memory_stats"]
        let usage = mem["usage"].double ?? 0
        if let inactive = mem["stats"]["total_inactive_file"].double, inactive < usage {
            memory = usage - inactive
        } else if let inactive = mem["stats"]["inactive_file"].double, inactive < usage {
            memory = usage - inactive
        } else {
            memory = usage
        }
        memoryLimit = mem["limit"].double ?? 0
        memoryPercent = memoryLimit != 0 ? memory / memoryLimit * 100 : 0
        for (_, n) in v["networks"].object ?? JSONObject() {
            netRx += n["rx_bytes"].double ?? 0
            netTx += n["tx_bytes"].double ?? 0
        }
        for e in v["blkio_stats"]["io_service_bytes_recursive"].array {
            switch e["op"].stringValue.first {
            case "r", "R": blockRead += e["value"].double ?? 0
            case "w", "W": blockWrite += e["value"].double ?? 0
            default: break
            }
        }
        pids = v["pids_stats"]["current"].int64 ?? 0
    }

    var typeName: String { "*container.statsContext" }

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        guard args.isEmpty else { return nil }
        return stringField(name).map { .string($0) }
    }

    func stringField(_ f: String) -> String? {
        func pct(_ v: Double) -> String { HumanUnits.cFormat("%.2f", v) + "%" }
        switch f {
        case "Container": return container
        case "Name":
            let n = name.hasPrefix("/") ? String(name.dropFirst()) : name
            return n.isEmpty ? "--" : n
        case "ID": return trunc ? Display.truncateID(id) : id
        case "CPUPerc": return invalid ? "--" : pct(cpu)
        case "MemUsage": return invalid ? "-- / --" : HumanUnits.bytesSize(memory) + " / " + HumanUnits.bytesSize(memoryLimit)
        case "MemPerc": return invalid ? "--" : pct(memoryPercent)
        case "NetIO":
            return invalid ? "--" : HumanUnits.humanSize(netRx, precision: 3) + " / " + HumanUnits.humanSize(netTx, precision: 3)
        case "BlockIO":
            return invalid ? "--" : HumanUnits.humanSize(blockRead, precision: 3) + " / " + HumanUnits.humanSize(blockWrite, precision: 3)
        case "PIDs": return invalid ? "--" : String(pids)
        default: return nil
        }
    }

    var jsonValue: JSONValue {
        .object(JSONObject(["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]
            .map { ($0, .string(stringField($0) ?? "")) }))
    }
}

/// `berth stats`: `GET /containers/{id}/stats?stream=0` once per container with
/// `--no-stream`, else one `stream=1` per container and the table redrawn every half second.
enum Stats {
    static var command: Command {
        Command("stats", usage: "[OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics", flags: [
            Flag("all", "a", .bool, "Show all containers (default shows just running)"),
            Flag("format", nil, .string, ContainerList.formatHelp),
            Flag("no-stream", nil, .bool, "Disable streaming stats and only pull the first result"),
            Flag("no-trunc", nil, .bool, "Do not truncate output"),
        ], run: run)
    }

    static func run(_ inv: Invocation) throws -> Int32 {
        let client = try inv.ctx.client()
        var names = inv.args
        if names.isEmpty {
            var q = Query()
            q.flag("all", inv.flags.bool("all"))
            names = try client.getJSON("/containers/json", query: q).array.map { $0["Id"].stringValue }
        }
        var format = inv.flags.string("format") ?? "table"
        if format.isEmpty || format == "table" { format = StatsEntry.defaultTable }
        let trunc = !inv.flags.bool("no-trunc")
        if inv.flags.bool("no-stream") {
            var rows: [TValue] = []
            var errors: [String] = []
            for name in names {
                var q = Query()
                q.add("stream", "0")
                do {
                    let v = try client.getJSON(Lifecycle.path(name, "/stats"), query: q)
                    var e = StatsEntry(container: name, sample: v)
                    e.trunc = trunc
                    rows.append(.object(e))
                } catch {
                    errors.append("\(error)")
                }
            }
            if !errors.isEmpty && !inv.args.isEmpty { throw StatusError(errors.joined(separator: "\n"), status: 1) }
            inv.ctx.out.put(try Formatter.render(OutputFormat(format), rows: rows, headers: StatsEntry.headers))
            return 0
        }
        let board = Board(names: names, trunc: trunc)
        for name in names {
            var q = Query()
            q.add("stream", "1")
            let stream: StreamingResponse
            do { stream = try client.stream("GET", Lifecycle.path(name, "/stats"), query: q) } catch {
                if !inv.args.isEmpty { throw error }
                board.remove(name)
                continue
            }
            spawnThread {
                try? stream.forEachJSON { v in
                    board.update(name, StatsEntry(container: name, sample: v))
                    return true
                }
                // The stream ends when the container stops: it leaves the table.
                board.remove(name)
            }
        }
        let terminal = inv.ctx.out.isTerminal
        while true {
            usleep(500_000)
            let rows = board.rows()
            var text = try Formatter.render(OutputFormat(format), rows: rows, headers: StatsEntry.headers)
            if terminal { text = "\u{1b}[2J\u{1b}[H" + text }
            inv.ctx.out.put(text)
            if rows.isEmpty && !names.isEmpty { return 0 }
        }
    }

    /// The latest sample of each container, shared between the stream threads and the display.
    final class Board: @unchecked Sendable {
        private let lock = Lock()
        private var order: [String]
        private var entries: [String: StatsEntry] = [:]
        private let trunc: Bool

        init(names: [String], trunc: Bool) {
            order = names
            self.trunc = trunc
        }

        func update(_ name: String, _ e: StatsEntry) {
            var e = e
            e.trunc = trunc
            lock.with { entries[name] = e }
        }

        func remove(_ name: String) { lock.with { order.removeAll { $0 == name }; entries[name] = nil } }

        func rows() -> [TValue] {
            lock.with {
                order.map { name in
                    if let e = entries[name] { return .object(e) }
                    var e = StatsEntry(container: name)
                    e.trunc = trunc
                    return .object(e)
                }
            }
        }
    }
}
