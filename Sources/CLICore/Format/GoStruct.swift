import JSON

/// A daemon object as the Go struct the docker CLI decodes it into before it runs a
/// template: fields answer to their Go names (`.APIVersion` for the key `ApiVersion`,
/// `.Status` for `status`), a field the daemon left out reads as Go's zero value, and
/// `{{json .}}` writes the struct's fields in declaration order, `omitempty` ones only when
/// set — whatever order or omissions the daemon's JSON has.
struct GoStruct: TemplateObject {
    struct Field {
        let name: String
        let key: String
        let zero: JSONValue
        let omitEmpty: Bool
        let nested: Schema?

        init(_ name: String, key: String? = nil, _ zero: JSONValue = .string(""), omitEmpty: Bool = false, nested: Schema? = nil) {
            self.name = name
            self.key = key ?? name
            self.zero = zero
            self.omitEmpty = omitEmpty
            self.nested = nested
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

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        guard args.isEmpty, let f = schema.fields.first(where: { $0.name == name }) else { return nil }
        let v = raw[f.key] ?? f.zero
        if let nested = f.nested, case .object = v { return .object(GoStruct(nested, v)) }
        return .from(v)
    }

    var jsonValue: JSONValue {
        var out = JSONObject()
        for f in schema.fields {
            var v = raw[f.key] ?? f.zero
            if let nested = f.nested, case .object = v {
                v = GoStruct(nested, v).jsonValue
            } else if case .object = f.zero, case .object(let m) = v {
                // A Go map: json.Marshal writes its keys sorted.
                v = .object(JSONObject(m.keys.sorted(by: goLess).map { ($0, m[$0] ?? .null) }))
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

extension GoStruct.Schema {
    private typealias F = GoStruct.Field

    /// events.Message.
    static let eventMessage = GoStruct.Schema("*events.Message", [
        F("Status", key: "status", omitEmpty: true), F("ID", key: "id", omitEmpty: true), F("From", key: "from", omitEmpty: true),
        F("Type"), F("Action"),
        F("Actor", .object(JSONObject()), nested: GoStruct.Schema("events.Actor", [F("ID"), F("Attributes", .object(JSONObject()))])),
        F("Scope", key: "scope", omitEmpty: true), F("Time", key: "time", .number(JSONNumber(0)), omitEmpty: true),
        F("TimeNano", key: "timeNano", .number(JSONNumber(0)), omitEmpty: true),
    ])

    /// types.Version, the daemon's half of `docker version`.
    static let serverVersion = GoStruct.Schema("*types.Version", [
        F("Platform", .object(JSONObject()), nested: GoStruct.Schema("struct { Name string }", [F("Name")])),
        F("Components", .null), F("Version"), F("APIVersion", key: "ApiVersion"), F("MinAPIVersion", omitEmpty: true),
        F("GitCommit"), F("GoVersion"), F("Os"), F("Arch"), F("KernelVersion", omitEmpty: true),
        F("Experimental", .bool(false), omitEmpty: true), F("BuildTime", omitEmpty: true),
    ])

    /// The CLI's own half of `docker version`.
    static let clientVersion = GoStruct.Schema("*command.clientVersion", [
        F("Platform", .null, omitEmpty: true, nested: GoStruct.Schema("struct { Name string }", [F("Name")])),
        F("Version"), F("APIVersion", key: "ApiVersion"), F("DefaultAPIVersion", omitEmpty: true), F("GitCommit"), F("GoVersion"),
        F("Os"), F("Arch"), F("BuildTime", omitEmpty: true), F("Context"),
    ])

    /// `docker version`'s template context: `.Client` and `.Server`.
    static let versionInfo = GoStruct.Schema("command.versionInfo", [
        F("Client", .null, nested: clientVersion), F("Server", .null, nested: serverVersion),
    ])
}
