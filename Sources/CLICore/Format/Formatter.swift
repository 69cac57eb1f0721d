import JSON

/// A `--format` value as the docker CLI reads it: `table`, `table TEMPLATE`, `json`, or a template.
struct OutputFormat {
    let raw: String

    init(_ raw: String) { self.raw = raw }

    var isTable: Bool { raw.hasPrefix("table") }
    var isJSON: Bool { raw == "json" }

    /// formatter.Format.templateString: `table` prefix and surrounding spaces removed,
    /// `\t` and `\n` written literally turned into real tabs and newlines.
    var templateString: String {
        if raw == "table" { return "" }
        if raw == "json" { return "{{json .}}" }
        var s = raw
        if s.hasPrefix("table") { s = String(s.dropFirst(5)) }
        while s.hasPrefix(" ") { s.removeFirst() }
        while s.hasSuffix(" ") { s.removeLast() }
        return s.replacingAll("\\t", "\t").replacingAll("\\n", "\n")
    }
}

/// The header row of a table: docker's SubHeaderContext, a map of field name to
/// column title, whose `.Label "a.b-c"` method gives `b c`.
struct HeaderContext: TemplateObject {
    let headers: [String: String]

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        if name == "Label", args.count == 1, case .string(let key) = args[0].normalized {
            let last = key.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? key
            return .string(last.replacingAll("-", " ").replacingAll("_", " "))
        }
        return nil
    }
    var jsonValue: JSONValue { .object(JSONObject(headers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })) }
    var typeName: String { "formatter.SubHeaderContext" }
    var mapEntries: [(String, TValue)]? { headers.map { ($0.key, TValue.string($0.value)) } }
}

/// formatter.Context.Write: each row through the template, one per line; for tables the
/// header first and everything aligned by the tabwriter.
enum Formatter {
    static func render(_ format: OutputFormat, rows: [TValue], headers: [String: String]) throws -> String {
        let tmpl: Template
        do { tmpl = try Template(format.templateString) } catch {
            throw CLIError("template parsing error: \(error)")
        }
        var body = ""
        for row in rows {
            do { body += try tmpl.execute(row) } catch {
                throw CLIError("template parsing error: \(error)")
            }
            body += "\n"
        }
        guard format.isTable else { return body }
        var headerTemplate = tmpl
        headerTemplate.headerMode = true
        // A header that fails to render leaves what it rendered, as Go's Execute does.
        let header = (try? headerTemplate.execute(.object(HeaderContext(headers: headers)))) ?? ""
        let tw = TabWriter()
        tw.write(header)
        tw.write("\n")
        tw.write(body)
        return tw.flush()
    }

    /// A single value through a template (inspect -f, version -f, info -f): the output and a newline.
    static func renderOne(_ template: String, _ value: TValue) throws -> String {
        do {
            let t = try Template(template)
            return try t.execute(value) + "\n"
        } catch {
            throw CLIError("template parsing error: \(error)")
        }
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
