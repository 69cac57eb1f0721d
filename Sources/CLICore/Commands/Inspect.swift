import APIClient
import JSON

/// `berth inspect` and the per-type `container inspect` / `image inspect`: the daemon's
/// JSON indented as the docker CLI prints it, or each object through `--format`.
enum Inspect {
    enum Kind: String, CaseIterable {
        case container, image, network, volume

        func path(_ ref: String, size: Bool) -> (String, Query) {
            let e = Query.pathEscape(ref)
            switch self {
            case .container:
                var q = Query()
                q.flag("size", size)
                return ("/containers/\(e)/json", q)
            case .image: return ("/images/\(e)/json", Query())
            case .network: return ("/networks/\(e)", Query())
            case .volume: return ("/volumes/\(e)", Query())
            }
        }
    }

    static let formatHelp = "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"

    static var command: Command {
        Command("inspect", usage: "[OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects", args: .atLeast(1), flags: [
            Flag("format", "f", .string, formatHelp),
            Flag("size", "s", .bool, "Display total file sizes if the type is container"),
            Flag("type", nil, .string, "Only inspect objects of the given type"),
        ]) { inv in
            var kinds = Kind.allCases
            if let t = inv.flags.string("type") {
                let all = "container\", \"image\", \"network\", \"volume"
                if t.isEmpty { throw CLIError("type is empty: must be one of \"\(all)\"") }
                guard let k = Kind(rawValue: t) else { throw CLIError("unknown type: \"\(t)\": must be one of \"\(all)\"") }
                kinds = [k]
            }
            let size = inv.flags.bool("size")
            let client = try inv.ctx.client()
            return try run(inv, format: inv.flags.string("format") ?? "") { ref in
                for k in kinds {
                    let (p, q) = k.path(ref, size: size)
                    do {
                        let r = try client.request("GET", p, query: q)
                        if size && k != .container { inv.ctx.err.print("WARNING: --size ignored for \(k.rawValue)") }
                        return (k, r.body)
                    } catch let e as APIError where kinds.count > 1 && (e.isNotFound || "\(e)".contains("invalid reference format")) {
                        continue
                    }
                }
                throw CLIError("Error: No such object: \(ref)")
            }
        }
    }

    static func typed(_ kind: Kind, summary: String) -> Command {
        var flags = [Flag("format", "f", .string, formatHelp)]
        if kind == .container { flags.append(Flag("size", "s", .bool, "Display total file sizes")) }
        let noun = kind.rawValue.uppercased()
        return Command("inspect", usage: "[OPTIONS] \(noun) [\(noun)...]", summary, args: .atLeast(1), flags: flags) { inv in
            let client = try inv.ctx.client()
            let size = inv.flags.bool("size")
            return try run(inv, format: inv.flags.string("format") ?? "") { ref in
                let (p, q) = kind.path(ref, size: size)
                return (kind, try client.request("GET", p, query: q).body)
            }
        }
    }

    /// The Go types the docker CLI decodes each kind into before a template sees it.
    static func typedSchema(_ kind: Kind) -> GoStruct.Schema? {
        switch kind {
        case .container: return .containerInspect
        case .image: return .imageInspect
        case .volume: return .volumeInspect
        default: return nil
        }
    }

    /// inspect.Inspect: every reference fetched; output for those found, errors joined (status 1).
    /// A template runs on the typed object first and, when that fails, on the raw JSON with
    /// missingkey=error (TemplateInspector's fallback).
    static func run(_ inv: Invocation, format: String, fetch: (String) throws -> (Kind, [UInt8])) throws -> Int32 {
        var template: Template?, typedTemplate: Template?
        if !format.isEmpty && format != "json" {
            do {
                typedTemplate = try Template(format)
                template = typedTemplate
                template?.missingKeyError = true
            } catch {
                throw StatusError("template parsing error: \(error)", status: 64)
            }
        }
        var raws: [[UInt8]] = []
        var rendered = ""
        var errors: [String] = []
        for ref in inv.args {
            do {
                let (kind, raw) = try fetch(ref)
                if let template, let typedTemplate {
                    let v: JSONValue
                    do { v = try JSON.parse(raw) } catch { throw CLIError("unable to read inspect data: \(error)") }
                    if let schema = typedSchema(kind), let out = try? typedTemplate.execute(.object(GoStruct(schema, v))) {
                        rendered += out + "\n"
                        continue
                    }
                    do { rendered += try template.execute(TValue.from(v)) + "\n" } catch {
                        throw CLIError("template parsing error: \(error)")
                    }
                } else {
                    raws.append(raw.trimmedJSON)
                }
            } catch {
                errors.append("\(error)")
            }
        }
        if template != nil {
            inv.ctx.out.put(rendered.isEmpty ? "\n" : rendered)
        } else if raws.isEmpty {
            inv.ctx.out.put("[]\n")
        } else {
            let array = [UInt8(ascii: "[")] + Array(raws.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "]")]
            let text = format == "json" ? JSONText.compact(array) : JSONText.indent(array)
            try inv.ctx.out.write(text + [10])
        }
        if !errors.isEmpty { throw StatusError(errors.joined(separator: "\n"), status: 1) }
        return 0
    }
}

extension Array where Element == UInt8 {
    /// Without the newline Go's encoder ends a document with.
    var trimmedJSON: [UInt8] {
        var s = self[...]
        while let l = s.last, l == 10 || l == 13 || l == 32 { s.removeLast() }
        return Array(s)
    }
}
