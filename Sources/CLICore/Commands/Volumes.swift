import APIClient
import JSON

/// `volume create/inspect/ls/prune/rm`, worded and laid out as the docker CLI's.
enum Volumes {
    static var commands: [Command] {
        [create, Inspect.typed(.volume, summary: "Display detailed information on one or more volumes"),
         list.renamed("ls", aliases: ["list"]), prune, rm.renamed("rm", aliases: ["remove"])]
    }

    static var create: Command {
        Command("create", usage: "[OPTIONS] [VOLUME]", "Create a volume", args: .atMost(1), flags: [
            Flag("driver", "d", .string, "Specify volume driver name", default: "local"),
            Flag("label", nil, .list, "Set metadata for a volume"),
            Flag("name", nil, .string, "Specify volume name", hidden: true),
            Flag("opt", "o", .map, "Set driver specific options", default: "map[]"),
        ]) { inv in
            var name = inv.flags.string("name") ?? ""
            if let arg = inv.args.first {
                if !name.isEmpty { throw CLIError("conflicting options: cannot specify a volume-name through both --name and as a positional arg") }
                name = arg
            }
            func pairs(_ list: [String]) -> JSONValue {
                .object(JSONObject(list.map { kv in
                    let p = kv.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    return (String(p[0]), .string(p.count > 1 ? String(p[1]) : ""))
                }))
            }
            let body = JSONValue.object(JSONObject([
                ("Name", .string(name)), ("Driver", .string(inv.flags.string("driver", default: "local"))),
                ("DriverOpts", pairs(inv.flags.list("opt"))), ("Labels", pairs(inv.flags.list("label"))),
            ]))
            let v = try inv.ctx.client().request("POST", "/volumes/create", json: body)
            inv.ctx.out.print(((try? JSON.parse(v.body)) ?? .null)["Name"].stringValue)
            return 0
        }
    }

    static var list: Command {
        Command("ls", usage: "[OPTIONS]", "List volumes", args: .none, flags: [
            Flag("cluster", nil, .bool, "Display only cluster volumes, and use cluster volume list formatting", hidden: true),
            Flag("filter", "f", .filter, "Provide filter values (e.g. \"dangling=true\")"),
            Flag("format", nil, .string, ContainerList.formatHelp),
            Flag("quiet", "q", .bool, "Only display volume names"),
        ]) { inv in
            var q = Query()
            q.filters(try ContainerList.filters(inv.flags))
            let vols = try inv.ctx.client().getJSON("/volumes", query: q)["Volumes"].array
                .sorted { $0["Name"].stringValue < $1["Name"].stringValue }
            var format = inv.flags.string("format") ?? ""
            if format.isEmpty || format == "table" {
                format = inv.flags.bool("quiet") ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}"
            }
            let rows = vols.map { v -> TValue in
                let labels = v["Labels"].object.map { $0.map { "\($0.key)=\($0.value.stringValue)" }.sorted().joined(separator: ",") } ?? ""
                return .json(.object(JSONObject([
                    ("Availability", .string("N/A")), ("Driver", v["Driver"]), ("Group", .string("N/A")), ("Labels", .string(labels)),
                    ("Links", .string("N/A")), ("Mountpoint", v["Mountpoint"]), ("Name", v["Name"]), ("Scope", v["Scope"]),
                    ("Size", .string("N/A")), ("Status", .string("N/A")),
                ])))
            }
            inv.ctx.out.put(try Formatter.render(OutputFormat(format), rows: rows, headers: [
                "Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
                "Links": "LINKS", "Size": "SIZE", "Group": "GROUP", "Availability": "AVAILABILITY", "Status": "STATUS",
            ]))
            return 0
        }
    }

    static var rm: Command {
        Command("rm", usage: "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", args: .atLeast(1), flags: [
            Flag("force", "f", .bool, "Force the removal of one or more volumes"),
        ]) { inv in
            let client = try inv.ctx.client()
            var q = Query()
            q.flag("force", inv.flags.bool("force"))
            var errors: [String] = []
            for name in inv.args {
                do {
                    try client.request("DELETE", "/volumes/" + Query.pathEscape(name), query: q)
                    inv.ctx.out.print(name)
                } catch {
                    errors.append("\(error)")
                }
            }
            if !errors.isEmpty { throw StatusError(errors.joined(separator: "\n"), status: 1) }
            return 0
        }
    }

    static var prune: Command {
        Command("prune", usage: "[OPTIONS]", "Remove unused local volumes", args: .none, flags: [
            Flag("all", "a", .bool, "Remove all unused volumes, not just anonymous ones"),
            Flag("filter", nil, .filter, "Provide filter values (e.g. \"label=<label>\")"),
            Flag("force", "f", .bool, "Do not prompt for confirmation"),
        ]) { inv in
            let all = inv.flags.bool("all")
            if !inv.flags.bool("force") {
                let warning = all ? "WARNING! This will remove all local volumes not used by at least one container."
                    : "WARNING! This will remove anonymous local volumes not used by at least one container."
                guard Prompt.confirm(inv.ctx, warning + "\nAre you sure you want to continue?") else {
                    throw CLIError("volume prune has been cancelled")
                }
            }
            var filters = try ContainerList.filters(inv.flags)
            if all { filters.add("all", "true") }
            let (space, output) = try SystemDisk.pruneSimple(inv.ctx, "/volumes/prune", filters, listKey: "VolumesDeleted",
                                                             title: "Deleted Volumes:")
            if !output.isEmpty { inv.ctx.out.print(output) }
            inv.ctx.out.print("Total reclaimed space: \(HumanUnits.humanSize(Double(space)))")
            return 0
        }
    }
}
