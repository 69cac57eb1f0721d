import APIClient
import JSON
import LinuxSys

/// One row of `system df`.
struct DiskUsageRow: TemplateObject {
    let type: String
    let total: Int
    let active: Int
    let size: Int64
    let reclaimable: Int64
    /// Images, containers and volumes show the reclaimable share; build cache does not.
    let showPercent: Bool

    static let headers: [String: String] = ["Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"]
    static let defaultTable = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"

    var typeName: String { "*formatter.diskUsageContext" }

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        guard args.isEmpty else { return nil }
        return stringField(name).map { .string($0) }
    }

    func stringField(_ name: String) -> String? {
        switch name {
        case "Type": return type
        case "TotalCount": return String(total)
        case "Active": return String(active)
        case "Size": return HumanUnits.humanSize(Double(size))
        case "Reclaimable":
            let r = HumanUnits.humanSize(Double(reclaimable))
            return showPercent && size > 0 ? "\(r) (\(reclaimable * 100 / size)%)" : r
        default: return nil
        }
    }

    var jsonValue: JSONValue {
        .object(JSONObject(["Active", "Reclaimable", "Size", "TotalCount", "Type"].map { ($0, .string(stringField($0) ?? "")) }))
    }

    /// The four rows from `GET /system/df`, computed as the docker CLI does.
    static func rows(_ df: JSONValue) -> [DiskUsageRow] {
        let images = df["Images"].array
        let layers = df["LayersSize"].int64 ?? 0
        var usedImages: Int64 = 0
        for i in images where i["Containers"].int != 0 {
            let s = i["Size"].int64 ?? -1, sh = i["SharedSize"].int64 ?? -1
            if s != -1 && sh != -1 { usedImages += s - sh }
        }
        let containers = df["Containers"].array
        func active(_ c: JSONValue) -> Bool {
            let st = c["State"].stringValue
            return st.contains("running") || st.contains("paused") || st.contains("restarting")
        }
        let cSize = containers.reduce(Int64(0)) { $0 + ($1["SizeRw"].int64 ?? 0) }
        let cReclaim = containers.filter { !active($0) }.reduce(Int64(0)) { $0 + ($1["SizeRw"].int64 ?? 0) }
        let volumes = df["Volumes"].array
        var vSize: Int64 = 0, vReclaim: Int64 = 0
        for v in volumes {
            let s = v["UsageData"]["Size"].int64 ?? -1
            if s == -1 { continue }
            vSize += s
            if v["UsageData"]["RefCount"].int == 0 { vReclaim += s }
        }
        let cache = df["BuildCache"].array
        let bSize = cache.filter { !$0["Shared"].bool }.reduce(Int64(0)) { $0 + ($1["Size"].int64 ?? 0) }
        let bReclaim = cache.filter { !$0["InUse"].bool && !$0["Shared"].bool }.reduce(Int64(0)) { $0 + ($1["Size"].int64 ?? 0) }
        return [
            DiskUsageRow(type: "Images", total: images.count, active: images.filter { $0["Containers"].int > 0 }.count,
                         size: layers, reclaimable: layers - usedImages, showPercent: true),
            DiskUsageRow(type: "Containers", total: containers.count, active: containers.filter(active).count,
                         size: cSize, reclaimable: cReclaim, showPercent: true),
            DiskUsageRow(type: "Local Volumes", total: volumes.count, active: volumes.filter { $0["UsageData"]["RefCount"].int > 0 }.count,
                         size: vSize, reclaimable: vReclaim, showPercent: true),
            DiskUsageRow(type: "Build Cache", total: cache.count, active: cache.filter { $0["InUse"].bool }.count,
                         size: bSize, reclaimable: bReclaim, showPercent: false),
        ]
    }
}

/// `system df` and `system prune`.
enum SystemDisk {
    static var df: Command {
        Command("df", usage: "[OPTIONS]", "Show docker disk usage", args: .none, flags: [
            Flag("format", nil, .string, ContainerList.formatHelp),
            Flag("verbose", "v", .bool, "Show detailed information on space usage"),
        ]) { inv in
            let df = try inv.ctx.client().getJSON("/system/df")
            var format = inv.flags.string("format") ?? ""
            if inv.flags.bool("verbose") && (format.isEmpty || format == "table") {
                inv.ctx.out.put(try verbose(df))
                return 0
            }
            if format.isEmpty || format == "table" { format = DiskUsageRow.defaultTable }
            let rows = DiskUsageRow.rows(df).map { TValue.object($0) }
            inv.ctx.out.put(try Formatter.render(OutputFormat(format), rows: rows, headers: DiskUsageRow.headers))
            return 0
        }
    }

    private static func verbose(_ df: JSONValue) throws -> String {
        let now = WallTime.now()
        var s = "Images space usage:\n\n"
        let imageRows = df["Images"].array.flatMap {
            ImageContext.rows($0, digests: false, needDigest: false, trunc: true, now: now).map { TValue.object($0) }
        }
        s += try Formatter.render(OutputFormat("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}"),
                                  rows: imageRows, headers: ImageContext.headers)
        s += "\nContainers space usage:\n\n"
        // The docker CLI zeroes SizeRootFs here: no "(virtual ...)" in this table.
        let cRows = df["Containers"].array.map { c -> TValue in
            var row = c
            if case .object(var o) = c { o["SizeRootFs"] = .int(0); row = .object(o) }
            return .object(ContainerContext(c: row, trunc: true, now: now))
        }
        s += try Formatter.render(OutputFormat("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}"),
                                  rows: cRows, headers: ContainerContext.headers)
        s += "\nLocal Volumes space usage:\n\n"
        let vRows = df["Volumes"].array.map { v -> TValue in
            let size = v["UsageData"]["Size"].int64 ?? -1
            let links = v["UsageData"]["RefCount"].int64 ?? -1
            return .json(.object(JSONObject([("Name", v["Name"]), ("Links", .string(links == -1 ? "N/A" : String(links))),
                                             ("Size", .string(size == -1 ? "N/A" : HumanUnits.humanSize(Double(size))))])))
        }
        s += try Formatter.render(OutputFormat("table {{.Name}}\t{{.Links}}\t{{.Size}}"), rows: vRows,
                                  headers: ["Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"])
        s += "\nBuild cache usage: \(HumanUnits.humanSize(Double(DiskUsageRow.rows(df)[3].size)))\n\n"
        func since(_ field: String, _ b: JSONValue) -> String {
            guard let t = WallTime.parseRFC3339(b[field].stringValue) else { return "" }
            return HumanUnits.humanDuration(seconds: Double(now.seconds - t.seconds)) + " ago"
        }
        let bRows = df["BuildCache"].array.map { b -> TValue in
            .json(.object(JSONObject([("ID", .string(Display.truncateID(b["ID"].stringValue))), ("CacheType", b["Type"]),
                                      ("Size", .string(HumanUnits.humanSize(Double(b["Size"].int64 ?? 0)))),
                                      ("CreatedSince", .string(since("CreatedAt", b))), ("LastUsedSince", .string(since("LastUsedAt", b))),
                                      ("UsageCount", .string(String(b["UsageCount"].int))),
                                      ("Shared", .string(b["Shared"].bool ? "true" : "false"))])))
        }
        s += try Formatter.render(OutputFormat("table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}"),
                                  rows: bRows, headers: ["ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED",
                                                         "LastUsedSince": "LAST USED", "UsageCount": "USAGE", "Shared": "SHARED"])
        return s
    }

    static var prune: Command {
        Command("prune", usage: "[OPTIONS]", "Remove unused data", args: .none, flags: [
            Flag("all", "a", .bool, "Remove all unused images not just dangling ones"),
            Flag("filter", nil, .filter, "Provide filter values (e.g. \"label=<key>=<value>\")"),
            Flag("force", "f", .bool, "Do not prompt for confirmation"),
            Flag("volumes", nil, .bool, "Prune anonymous volumes"),
        ]) { inv in
            let all = inv.flags.bool("all"), volumes = inv.flags.bool("volumes")
            let filters = try ContainerList.filters(inv.flags)
            if !inv.flags.bool("force") {
                var w = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n"
                if volumes { w += "  - all anonymous volumes not used by at least one container\n" }
                w += all ? "  - all images without at least one container associated to them\n  - all build cache\n"
                    : "  - all dangling images\n  - unused build cache\n"
                let shown = filters.entries.filter { ["label", "label!", "until"].contains($0.key) }
                    .flatMap { e in e.values.map { "\(e.key)=\($0)" } }.sorted(by: naturalLess)
                if !shown.isEmpty { w += "\n  Items to be pruned will be filtered with:\n" + shown.map { "  - \($0)\n" }.joined() }
                guard Prompt.confirm(inv.ctx, w + "\nAre you sure you want to continue?") else {
                    throw CLIError("system prune has been cancelled")
                }
            }
            var total: Int64 = 0
            func report(_ r: (Int64, String)) {
                total += r.0
                if !r.1.isEmpty { inv.ctx.out.print(r.1) }
            }
            report(try ContainerMisc.pruneContainers(inv.ctx, filters))
            report(try pruneSimple(inv.ctx, "/networks/prune", filters, listKey: "NetworksDeleted", title: "Deleted Networks:"))
            if volumes { report(try pruneSimple(inv.ctx, "/volumes/prune", filters, listKey: "VolumesDeleted", title: "Deleted Volumes:")) }
            report(try Images.pruneImages(inv.ctx, filters, all: all))
            report(try pruneSimple(inv.ctx, "/build/prune", filters, listKey: "CachesDeleted", title: "Deleted build cache objects:",
                                   extra: all ? [("all", "1")] : []))
            inv.ctx.out.print("Total reclaimed space: \(HumanUnits.humanSize(Double(total)))")
            return 0
        }
    }

    /// A prune endpoint answering `{<listKey>: [...], SpaceReclaimed}`; one the daemon does not implement counts as nothing pruned.
    static func pruneSimple(_ ctx: CLIContext, _ path: String, _ filters: Filters, listKey: String, title: String,
                            extra: [(String, String)] = []) throws -> (Int64, String) {
        var q = Query()
        for (k, v) in extra { q.add(k, v) }
        q.filters(filters)
        let r: Response
        do { r = try ctx.client().request("POST", path, query: q) } catch let e as APIError where e.status == 404 || e.status == 501 {
            return (0, "")
        }
        let v = (try? JSON.parse(r.body)) ?? .null
        let items = v[listKey].strings
        return (v["SpaceReclaimed"].int64 ?? 0, items.isEmpty ? "" : title + "\n" + items.map { $0 + "\n" }.joined())
    }
}
