import Foundation

typealias JSONObject = [String: Any]

/// An OCI bundle copied from the sandbox's pristine one (made by Tests/fixtures/make-bundle.sh),
/// whose config.json a test edits as plain JSON by dotted key paths, so the suites do not depend
/// on the project's own spec types. The rootfs is a tree of hard links to the pristine rootfs:
/// cheap, and the runtime may create mount points in it; files must not be modified in place.
final class TestBundle: @unchecked Sendable {
    let path: String
    var config: JSONObject

    var rootfs: String { path + "/rootfs" }
    var configPath: String { path + "/config.json" }

    init(sandbox: Sandbox, args: [String]) throws {
        path = try sandbox.makeDirectory("bundle")
        config = sandbox.pristineConfig
        try sandbox.host("/bin/cp", ["-a", "--link", sandbox.pristineBundle + "/rootfs", rootfs])
        self.args = args
        try save()
    }

    var args: [String] {
        get { self["process.args"] as? [String] ?? [] }
        set { self["process.args"] = newValue }
    }

    var terminal: Bool {
        get { self["process.terminal"] as? Bool ?? false }
        set { self["process.terminal"] = newValue }
    }

    /// Reads or writes a value by dotted path ("process.user.uid"); writing creates the objects
    /// on the way and writing nil removes the key.
    subscript(keyPath: String) -> Any? {
        get {
            var node: Any? = config
            for key in keyPath.split(separator: ".") { node = (node as? JSONObject)?[String(key)] }
            return node
        }
        set {
            config = Self.setting(config, keyPath.split(separator: ".").map(String.init)[...], to: newValue)
        }
    }

    private static func setting(_ object: JSONObject, _ keys: ArraySlice<String>, to value: Any?) -> JSONObject {
        var object = object
        guard let key = keys.first else { return object }
        if keys.count == 1 {
            object[key] = value
        } else {
            object[key] = setting(object[key] as? JSONObject ?? [:], keys.dropFirst(), to: value)
        }
        return object
    }

    /// Appends to the array at `keyPath` (created when missing).
    func append(_ keyPath: String, _ value: Any) {
        var array = self[keyPath] as? [Any] ?? []
        array.append(value)
        self[keyPath] = array
    }

    /// Drops the namespace entry of `type` ("pid", "network"...).
    func removeNamespace(_ type: String) {
        self["linux.namespaces"] = (self["linux.namespaces"] as? [JSONObject] ?? []).filter { $0["type"] as? String != type }
    }

    /// Ties the bundle to container `id`: its own cgroup (`/berth-test/<id>`, so leftovers can be
    /// found whatever the runtime) and `BERTH_TEST_ID=<id>` in its environment (so leftover
    /// processes can be found). Then writes config.json.
    func prepare(for id: String) throws {
        self["linux.cgroupsPath"] = "/\(Sandbox.cgroupParent)/\(id)"
        var env = (self["process.env"] as? [String] ?? []).filter { !$0.hasPrefix("BERTH_TEST_ID=") }
        env.append("BERTH_TEST_ID=\(id)")
        self["process.env"] = env
        try save()
    }

    func save() throws {
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: configPath), options: .atomic)
    }

    /// The process object of the config (for an exec that looks like the init), with `args`.
    func process(args: [String], terminal: Bool = false) -> JSONObject {
        var p = self["process"] as? JSONObject ?? [:]
        p["args"] = args
        p["terminal"] = terminal
        return p
    }
}
