import DockerAPI
import JSON

/// Docker's `filters` query parameter: `{"label":{"a=b":true}}` (the map form) or
/// `{"label":["a=b"]}` (the older list form).
public struct Filters: Sendable {
    public var values: [String: [String]] = [:]

    public init() {}

    public init(json: String?) throws {
        guard let json, !json.isEmpty else { return }
        let v: JSONValue
        do { v = try JSON.parse(Array(json.utf8)) } catch {
            throw EngineError.invalid("invalid filter: \(error)")
        }
        guard case .object(let o) = v else { throw EngineError.invalid("invalid filter: not a JSON object") }
        for (k, val) in o {
            switch val {
            case .object(let m): values[k] = m.map(\.key)
            case .array(let a): values[k] = a.compactMap(\.text)
            default: throw EngineError.invalid("invalid filter '\(k)'")
            }
        }
    }

    public subscript(_ key: String) -> [String] { values[key] ?? [] }
    public func has(_ key: String) -> Bool { !(values[key] ?? []).isEmpty }

    public func validate(_ allowed: Set<String>) throws {
        for k in values.keys where !allowed.contains(k) { throw EngineError.invalid("invalid filter '\(k)'") }
    }
}

enum ContainerFilters {
    /// `label=key` or `label=key=value`, every one must match.
    static func labelsMatch(_ labels: [String: String], _ filters: [String]) -> Bool {
        filters.allSatisfy { f in
            let kv = f.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let value = labels[String(kv[0])] else { return false }
            return kv.count == 1 || value == kv[1]
        }
    }
}
