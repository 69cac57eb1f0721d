import JSON

/// A daemon object as the Go struct the docker CLI decodes it into before it runs a
/// template: fields answer to their Go names (`.APIVersion` for the key `ApiVersion`,
/// `.Status` for `status`), a field the daemon left out reads as Go's zero value (a nil
/// slice prints `[]`, a nil pointer `<nil>`), `{{.}}` prints `{v1 v2 ...}` in field order,
/// and `{{json .}}` writes the fields in declaration order, `omitempty` ones only when set.
struct GoStruct: TemplateObject {
    enum Kind {
        case string, number, bool
        case slice, map
        /// A pointer (`*Health`): nil prints `<nil>`; a known struct behind it is typed too.
        case pointer(Schema?)
        case structure(Schema)
        /// An anonymous (embedded) struct: its fields answer at this level and its JSON is
        /// inlined; it prints as a nested `{...}`. Its `key` is unused.
        case embedded(Schema)
        /// A time.Time: prints as Go's Time.String, JSON as sent.
        case time
        /// A map whose values are (pointers to) a modelled struct: `Networks`.
        case mapOf(Schema)
        /// A scalar or array with its own zero value (`ConsoleSize` is `[0,0]`).
        case value(JSONValue)
        /// A value kept as the daemon sent it (a struct not modelled here).
        case raw
    }

    struct Field {
        let name: String
        let key: String
        let kind: Kind
        let omitEmpty: Bool

        init(_ name: String, key: String? = nil, _ kind: Kind = .string, omitEmpty: Bool = false) {
            self.name = name
            self.key = key ?? name
            self.kind = kind
            self.omitEmpty = omitEmpty
        }
    }

    final class Schema: Sendable {
        let typeName: String
        let fields: [Field]
        init(_ typeName: String, _ fields: [Field]) { self.typeName = typeName; self.fields = fields }
    }

    let schema: Schema
    let raw: JSONObject

    init(_ schema: Schema, _ value: JSONValue) {
        self.schema = schema
        if case .object(let o) = value { raw = o } else { raw = JSONObject() }
    }

    var typeName: String { schema.typeName }
    var jsonIsOrdered: Bool { true }

    /// The daemon's value, or nil where Go holds a zero value.
    private func present(_ f: Field) -> JSONValue? {
        guard let v = raw[f.key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        guard args.isEmpty else { return nil }
        guard let f = schema.fields.first(where: { $0.name == name }) else {
            // Promoted fields of embedded structs.
            for case .embedded(let inner) in schema.fields.map(\.kind) {
                if let v = try GoStruct(inner, .object(raw)).field(name, args: args) { return v }
            }
            return nil
        }
        let v = present(f)
        switch f.kind {
        case .string: return .from(v ?? .string(""))
        case .number: return .from(v ?? .number(JSONNumber(0)))
        case .bool: return .from(v ?? .bool(false))
        case .slice: return v.map(TValue.from) ?? .list([])
        case .map: return .from(v ?? .object(JSONObject()))
        case .pointer(let schema):
            guard let v else { return .null }
            return schema.map { .object(GoStruct($0, v)) } ?? .from(v)
        case .structure(let schema): return .object(GoStruct(schema, v ?? .object(JSONObject())))
        case .embedded(let schema): return .object(GoStruct(schema, .object(raw)))
        case .time: return .object(GoTime(text: v?.string ?? "0001-01-01T00:00:00Z"))
        case .mapOf(let schema): return .object(GoMap(schema: schema, raw: v?.object ?? JSONObject()))
        case .value(let zero): return .from(v ?? zero)
        case .raw: return v.map(TValue.from) ?? .null
        }
    }

    /// fmt's `%v` of the struct.
    var goText: String? {
        "{" + schema.fields.map { f -> String in
            let v = present(f)
            switch f.kind {
            case .slice: return v.map { goPrint(.from($0)) } ?? "[]"
            case .map: return v.map { goPrint(.from($0)) } ?? "map[]"
            case .mapOf(let s): return GoMap(schema: s, raw: v?.object ?? JSONObject()).goText ?? ""
            case .pointer(let s):
                guard let v else { return "<nil>" }
                return s.map { GoStruct($0, v).goText ?? "" }.map { "&" + $0 } ?? goPrint(.from(v))
            case .structure(let s): return GoStruct(s, v ?? .object(JSONObject())).goText ?? ""
            case .embedded(let s): return GoStruct(s, .object(raw)).goText ?? ""
            default: return (try? field(f.name, args: []) ?? .missing).map(goPrint) ?? ""
            }
        }.joined(separator: " ") + "}"
    }

    var jsonValue: JSONValue {
        var out = JSONObject()
        for f in schema.fields {
            var v = present(f) ?? .null
            switch f.kind {
            case .string: if case .null = v { v = .string("") }
            case .number: if case .null = v { v = .number(JSONNumber(0)) }
            case .bool: if case .null = v { v = .bool(false) }
            case .map:
                // A Go map: json.Marshal writes its keys sorted.
                if case .object(let m) = v { v = .object(JSONObject(m.keys.sorted(by: goLess).map { ($0, m[$0] ?? .null) })) }
            case .pointer(let s?): if case .object = v { v = GoStruct(s, v).jsonValue }
            case .structure(let s): v = GoStruct(s, v).jsonValue
            case .time: if case .null = v { v = .string("0001-01-01T00:00:00Z") }
            case .value(let zero): if case .null = v { v = zero }
            case .mapOf(let s): if case .object(let m) = v { v = GoMap(schema: s, raw: m).jsonValue }
            case .embedded(let s):
                if case .object(let inner) = GoStruct(s, .object(raw)).jsonValue {
                    for (k, iv) in inner where out[k] == nil { out[k] = iv }
                }
                continue
            default: break
            }
            if f.omitEmpty && Self.isEmpty(v) { continue }
            out[f.key] = v
        }
        return .object(out)
    }

    /// encoding/json's isEmptyValue.
    static func isEmpty(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .number(let n): return n.doubleValue == 0
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        }
    }
}

/// A time.Time field: `{{.Metadata.LastTagTime}}` prints as Go's Time.String does
/// (`2024-05-01 10:20:30.5 +0000 UTC`); json gives the RFC 3339 text the daemon sent.
struct GoTime: TemplateObject {
    let text: String

    var typeName: String { "time.Time" }
    var jsonIsOrdered: Bool { true }
    var jsonValue: JSONValue { .string(text) }
    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? { nil }

    var goText: String? {
        // 2006-01-02T15:04:05.999999999Z07:00 -> 2006-01-02 15:04:05.999999999 -0700 MST
        guard text.count >= 20, let t = text.firstIndex(of: "T") else { return text }
        var rest = text[text.index(after: t)...]
        var zone = "+0000 UTC"
        if rest.hasSuffix("Z") {
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let offset = String(rest[sign...].filter { $0 != ":" })
            zone = "\(offset) \(offset)"
            rest = rest[..<sign]
        }
        var clock = String(rest)
        if let dot = clock.firstIndex(of: ".") {
            let fraction = clock[clock.index(after: dot)...].reversed().drop { $0 == "0" }.reversed()
            clock = String(clock[..<dot]) + (fraction.isEmpty ? "" : "." + String(fraction))
        }
        return "\(text[..<t]) \(clock) \(zone)"
    }
}

/// A Go map of structs (`map[string]*network.EndpointSettings`): range, index and field
/// access by key; JSON with sorted keys; each value typed.
struct GoMap: TemplateObject {
    let schema: GoStruct.Schema
    let raw: JSONObject

    var typeName: String { "map[string]" + schema.typeName }
    var jsonIsOrdered: Bool { true }
    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? { nil }

    private var sortedKeys: [String] { raw.keys.sorted(by: goLess) }

    var mapEntries: [(String, TValue)]? {
        sortedKeys.map { k in
            guard let v = raw[k], v != .null else { return (k, TValue.null) }
            return (k, .object(GoStruct(schema, v)))
        }
    }

    var jsonValue: JSONValue {
        .object(JSONObject(sortedKeys.map { k in
            guard let v = raw[k], v != .null else { return (k, JSONValue.null) }
            return (k, GoStruct(schema, v).jsonValue)
        }))
    }

    /// Go prints the pointers' addresses, which no one can match; the structs stand in.
    var goText: String? {
        "map[" + sortedKeys.map { k in "\(k):" + (raw[k].map { GoStruct(schema, $0).goText ?? "" } ?? "<nil>") }.joined(separator: " ") + "]"
    }
}
