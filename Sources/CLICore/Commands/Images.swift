import Glibc
import APIClient
import JSON
import LinuxSys

/// images/ls, rmi, tag, history, image prune.
enum Images {
    static var list: Command {
        Command("images", usage: "[OPTIONS] [REPOSITORY[:TAG]]", "List images", args: .atMost(1), flags: [
            Flag("all", "a", .bool, "Show all images (default hides intermediate images)"),
            Flag("digests", nil, .bool, "Show digests"),
            Flag("filter", "f", .filter, "Filter output based on conditions provided"),
            Flag("format", nil, .string, ContainerList.formatHelp),
            Flag("no-trunc", nil, .bool, "Don't truncate output"),
            Flag("quiet", "q", .bool, "Only show image IDs"),
        ]) { inv in
            let f = inv.flags
            var filters = try ContainerList.filters(f)
            if let ref = inv.args.first { filters.add("reference", ref) }
            var q = Query()
            q.flag("all", f.bool("all"))
            q.filters(filters)
            let list = try inv.ctx.client().getJSON("/images/json", query: q)
            let quiet = f.bool("quiet"), digests = f.bool("digests")
            var format = f.string("format") ?? ""
            if format.isEmpty || format == "table" {
                format = quiet ? "{{.ID}}" : digests ? ImageContext.defaultTableWithDigest : ImageContext.defaultTable
            } else if OutputFormat(format).isTable && digests && !format.contains("{{.Digest}}") {
                format += "\t{{.Digest}}"
            }
            let needDigest = digests || format.contains("{{.Digest}}")
            let now = WallTime.now()
            let trunc = !f.bool("no-trunc")
            let rows = list.array.flatMap {
                ImageContext.rows($0, digests: digests, needDigest: needDigest, trunc: trunc, now: now).map { TValue.object($0) }
            }
            inv.ctx.out.put(try Formatter.render(OutputFormat(format), rows: rows, headers: ImageContext.headers))
            return 0
        }
    }

    static var rmi: Command {
        Command("rmi", usage: "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", args: .atLeast(1), flags: [
            Flag("force", "f", .bool, "Force removal of the image"),
            Flag("no-prune", nil, .bool, "Do not delete untagged parents"),
        ]) { inv in
            let client = try inv.ctx.client()
            var q = Query()
            q.flag("force", inv.flags.bool("force"))
            q.flag("noprune", inv.flags.bool("no-prune"))
            var errors: [String] = []
            var fatal = false
            for img in inv.args {
                do {
                    let r = try client.request("DELETE", "/images/" + Query.pathEscape(img), query: q)
                    for item in ((try? JSON.parse(r.body)) ?? .null).array {
                        if let d = item["Deleted"].string, !d.isEmpty { inv.ctx.out.print("Deleted: \(d)") } else {
                            inv.ctx.out.print("Untagged: \(item["Untagged"].stringValue)")
                        }
                    }
                } catch {
                    if (error as? APIError)?.isNotFound != true { fatal = true }
                    errors.append("\(error)")
                }
            }
            if !errors.isEmpty {
                if !inv.flags.bool("force") || fatal { throw StatusError(errors.joined(separator: "\n"), status: 1) }
                inv.ctx.err.print(errors.joined(separator: "\n"))
            }
            return 0
        }
    }

    static var tag: Command {
        Command("tag", usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
                args: .exact(2)) { inv in
            let target = inv.args[1]
            guard isValidReference(target) else { throw CLIError("Error parsing reference: \"\(target)\" is not a valid repository/tag: invalid reference format") }
            let ref = ImageReference(target)
            if ref.digest != nil { throw CLIError("refusing to create a tag with a digest reference") }
            var q = Query()
            q.add("repo", ref.name)
            q.add("tag", ref.tag ?? "latest")
            try inv.ctx.client().request("POST", "/images/" + Query.pathEscape(inv.args[0]) + "/tag", query: q)
            return 0
        }
    }

    /// The shape distribution/reference accepts: lower-case path components, an optional tag.
    static func isValidReference(_ s: String) -> Bool {
        if s.isEmpty || s.hasSuffix(":") || s.hasPrefix("/") || s.hasSuffix("/") || s.contains("//") { return false }
        let ref = ImageReference(s)
        if ref.path.contains(where: { $0.isUppercase || $0 == " " }) { return false }
        if let t = ref.tag, t.isEmpty || t.count > 128 || t.contains(where: { !($0.isLetter || $0.isNumber || "_.-".contains($0)) }) { return false }
        return true
    }

    static var history: Command {
        Command("history", usage: "[OPTIONS] IMAGE", "Show the history of an image", args: .exact(1), flags: [
            Flag("format", nil, .string, ContainerList.formatHelp),
            Flag("human", "H", .bool, "Print sizes and dates in human readable format", default: "true"),
            Flag("no-trunc", nil, .bool, "Don't truncate output"),
            Flag("platform", nil, .string, "Show history for the given platform. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")"),
            Flag("quiet", "q", .bool, "Only show image IDs"),
        ]) { inv in
            var q = Query()
            q.addIfNotEmpty("platform", inv.flags.string("platform"))
            let items = try inv.ctx.client().getJSON("/images/" + Query.pathEscape(inv.args[0]) + "/history", query: q)
            let human = inv.flags.bool("human", default: true)
            var format = inv.flags.string("format") ?? "table"
            if format.isEmpty || format == "table" {
                format = inv.flags.bool("quiet") ? "{{.ID}}" : human ? HistoryContext.defaultTable : HistoryContext.nonHumanTable
            }
            let now = WallTime.now()
            let trunc = !inv.flags.bool("no-trunc")
            let rows = items.array.map { TValue.object(HistoryContext(h: $0, trunc: trunc, human: human, now: now)) }
            inv.ctx.out.put(try Formatter.render(OutputFormat(format), rows: rows, headers: HistoryContext.headers))
            return 0
        }
    }

    static var prune: Command {
        Command("prune", usage: "[OPTIONS]", "Remove unused images", args: .none, flags: [
            Flag("all", "a", .bool, "Remove all unused images, not just dangling ones"),
            Flag("filter", nil, .filter, "Provide filter values (e.g. \"until=<timestamp>\")"),
            Flag("force", "f", .bool, "Do not prompt for confirmation"),
        ]) { inv in
            let all = inv.flags.bool("all")
            if !inv.flags.bool("force") {
                let warning = all ? "WARNING! This will remove all images without at least one container associated to them."
                    : "WARNING! This will remove all dangling images."
                guard Prompt.confirm(inv.ctx, warning + "\nAre you sure you want to continue?") else {
                    throw CLIError("image prune has been cancelled")
                }
            }
            let (space, output) = try pruneImages(inv.ctx, try ContainerList.filters(inv.flags), all: all)
            if !output.isEmpty { inv.ctx.out.print(output) }
            inv.ctx.out.print("Total reclaimed space: \(HumanUnits.humanSize(Double(space)))")
            return 0
        }
    }

    /// `POST /images/prune?filters={"dangling":{"true":true}}`.
    static func pruneImages(_ ctx: CLIContext, _ filters: Filters, all: Bool) throws -> (Int64, String) {
        var f = filters
        f.add("dangling", all ? "false" : "true")
        var q = Query()
        q.filters(f)
        let r = try ctx.client().request("POST", "/images/prune", query: q)
        let v = (try? JSON.parse(r.body)) ?? .null
        var out = ""
        let deleted = v["ImagesDeleted"].array
        if !deleted.isEmpty {
            out = "Deleted Images:\n"
            for d in deleted {
                if let u = d["Untagged"].string, !u.isEmpty { out += "untagged: \(u)\n" } else { out += "deleted: \(d["Deleted"].stringValue)\n" }
            }
        }
        return (v["SpaceReclaimed"].int64 ?? 0, out)
    }
}

/// save, load, import: image tarballs in and out.
enum ImageArchive {
    static var save: Command {
        Command("save", usage: "[OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by default)",
                args: .atLeast(1), flags: [
            Flag("output", "o", .string, "Write to a file, instead of STDOUT"),
            Flag("platform", nil, .string, "Save only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")"),
        ]) { inv in
            let sink = try ContainerMisc.outputSink(inv.ctx, inv.flags.string("output"))
            var q = Query()
            for n in inv.args { q.add("names", n) }
            q.addIfNotEmpty("platform", inv.flags.string("platform"))
            let stream = try inv.ctx.client().stream("GET", "/images/get", query: q)
            try stream.copy(to: sink)
            return 0
        }
    }

    static var load: Command {
        Command("load", usage: "[OPTIONS]", "Load an image from a tar archive or STDIN", args: .none, flags: [
            Flag("input", "i", .string, "Read from tar archive file, instead of STDIN"),
            Flag("platform", nil, .string, "Load only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")"),
            Flag("quiet", "q", .bool, "Suppress the load output"),
        ]) { inv in
            let source = try inputSource(inv.flags.string("input"), emptyMessage: "requested load from stdin, but stdin is empty")
            var q = Query()
            q.flag("quiet", inv.flags.bool("quiet") || !inv.ctx.out.isTerminal)
            q.addIfNotEmpty("platform", inv.flags.string("platform"))
            let stream = try inv.ctx.client().stream("POST", "/images/load", query: q, bodySource: source, contentType: "application/x-tar")
            try Progress.display(stream, to: inv.ctx.out)
            return 0
        }
    }

    static var importCommand: Command {
        Command("import", usage: "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image",
                args: .range(1, 2), flags: [
            Flag("change", "c", .list, "Apply Dockerfile instruction to the created image"),
            Flag("message", "m", .string, "Set commit message for imported image"),
            Flag("platform", nil, .string, "Set platform if server is multi-platform capable"),
        ]) { inv in
            let src = inv.args[0]
            var q = Query()
            var body: ByteSource?
            if src == "-" {
                q.add("fromSrc", "-")
                body = FDSource(fd: 0)
            } else if src.hasPrefix("http://") || src.hasPrefix("https://") {
                q.add("fromSrc", src)
            } else {
                q.add("fromSrc", "-")
                body = try inputSource(src, emptyMessage: "")
            }
            // The reference goes as given (`repo=name:tag`); the daemon splits it.
            if inv.args.count > 1 { q.add("repo", inv.args[1]) }
            q.addIfNotEmpty("message", inv.flags.string("message"))
            for c in inv.flags.list("change") { q.add("changes", c) }
            q.addIfNotEmpty("platform", inv.flags.string("platform"))
            let stream = try inv.ctx.client().stream("POST", "/images/create", query: q, body: body == nil ? [] : nil,
                                                     bodySource: body, contentType: "application/x-tar")
            try Progress.display(stream, to: inv.ctx.out)
            return 0
        }
    }

    /// A file, or stdin when no path is given (refused when stdin is a terminal).
    static func inputSource(_ path: String?, emptyMessage: String) throws -> ByteSource {
        guard let path, !path.isEmpty else {
            if Terminal.isTerminal(0) { throw CLIError(emptyMessage) }
            return FDSource(fd: 0)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw CLIError("open \(path): \(Errno.describe(errno))") }
        return OwnedFDSource(fd: fd)
    }
}

/// Reads a file it owns and closes.
final class OwnedFDSource: ByteSource {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try FDSource(fd: fd).read(into: buffer) }
}
