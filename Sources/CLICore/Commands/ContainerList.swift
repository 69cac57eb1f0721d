import APIClient
import JSON
import LinuxSys

/// `berth ps` / `berth container ls`.
enum ContainerList {
    static let formatHelp = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"

    static var command: Command {
        Command("ps", usage: "[OPTIONS]", "List containers", args: .none, flags: [
            Flag("all", "a", .bool, "Show all containers (default shows just running)"),
            Flag("filter", "f", .filter, "Filter output based on conditions provided"),
            Flag("format", nil, .string, formatHelp),
            Flag("last", "n", .int, "Show n last created containers (includes all states)", default: "-1"),
            Flag("latest", "l", .bool, "Show the latest created container (includes all states)"),
            Flag("no-trunc", nil, .bool, "Don't truncate output"),
            Flag("quiet", "q", .bool, "Only display container IDs"),
            Flag("size", "s", .bool, "Display total file sizes"),
        ], run: run)
    }

    static func run(_ inv: Invocation) throws -> Int32 {
        let f = inv.flags
        var format = f.string("format") ?? ""
        let quiet = f.bool("quiet")
        if !format.isEmpty && quiet {
            inv.ctx.err.put("WARNING: Ignoring custom format, because both --format and --quiet are set.\n")
        }
        var size = f.bool("size")
        if !format.isEmpty {
            // Validated up front (and .Size detected) as the docker CLI does.
            let t: Template
            do { t = try Template(format) } catch { throw CLIError("failed to parse template: \(error)") }
            do { _ = try t.execute(.object(ContainerContext(c: .null, trunc: true, now: .now()))) } catch {
                throw CLIError("failed to execute template: \(error)")
            }
            if !quiet && !f.changed("size") && format.contains(".Size") { size = true }
        }
        var q = Query()
        q.flag("all", f.bool("all"))
        var limit = f.int("last") ?? -1
        if f.bool("latest") && limit == -1 { limit = 1 }
        if limit > 0 { q.add("limit", String(limit)) }
        q.flag("size", size)
        q.filters(try filters(f))
        let list = try inv.ctx.client().getJSON("/containers/json", query: q)

        if format.isEmpty || format == "table" {
            format = quiet ? "{{.ID}}" : ContainerContext.defaultTable + (size ? "\t{{.Size}}" : "")
        } else if quiet {
            format = "{{.ID}}"
        }
        let now = WallTime.now()
        let trunc = !f.bool("no-trunc")
        let rows = list.array.map { TValue.object(ContainerContext(c: $0, trunc: trunc, now: now)) }
        inv.ctx.out.put(try Formatter.render(OutputFormat(format), rows: rows, headers: ContainerContext.headers))
        return 0
    }

    static func filters(_ f: ParsedFlags, _ name: String = "filter") throws -> Filters {
        var filters = Filters()
        for v in f.list(name) {
            do { try filters.add(parsing: v) } catch { throw CLIError("\(error)") }
        }
        return filters
    }
}
