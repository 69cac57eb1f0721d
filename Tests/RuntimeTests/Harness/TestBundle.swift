import Foundation

typealias JSONObject = [String: Any]

/// An OCI bundle made from the pristine one, whose config.json a test edits as plain JSON
/// (dictionaries and arrays) so the suite does not depend on the project's own spec types.
final class TestBundle: @unchecked Sendable {
    /// How the bundle gets its rootfs.
    enum Rootfs {
        /// A copy of the directory tree whose files are hard links to the pristine rootfs: cheap,
        /// and the runtime may create mount points in it. Files must not be modified in place.
        case hardLinked
        /// A real copy, chowned to `uid:gid` (for user namespaces, whose root is an unprivileged host uid).
        case copied(ownerUID: Int, ownerGID: Int)
    }

    let dir: URL
    var config: JSONObject

    var path: String { dir.path }
    var rootfs: URL { dir.appendingPathComponent("rootfs") }
    var configURL: URL { dir.appendingPathComponent("config.json") }

    init(environment: TestEnvironment, args: [String], rootfs: Rootfs = .hardLinked) throws {
        dir = try environment.makeDirectory("bundle")
        config = environment.pristineConfig
        let source = environment.pristineBundle.appendingPathComponent("rootfs").path
        switch rootfs {
        case .hardLinked:
            try environment.host("/bin/cp", ["-a", "--link", source, self.rootfs.path])
        case let .copied(uid, gid):
            try environment.host("/bin/cp", ["-a", source, self.rootfs.path])
            try environment.host("/bin/chown", ["-R", "-h", "\(uid):\(gid)", self.rootfs.path])
        }
        self.args = args
        try save()
    }

    var args: [String] {
        get { self["process.args"] as? [String] ?? [] }
        set { self["process.args"] = newValue }
    }

    /// Reads or writes a value by dotted path ("process.user.uid"); writing creates the objects
    /// on the way and writing nil removes the key.
    subscript(keyPath: String) -> Any? {
        get {
            var node: Any? = config
            for key in keyPath.split(separator: ".") {
                node = (node as? JSONObject)?[String(key)]
            }
            return node
        }
        set {
            let keys = keyPath.split(separator: ".").map(String.init)
            config = Self.setting(config, keys[...], to: newValue)
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

    /// Replaces the namespace entry of `type` (or adds it).
    func setNamespace(_ type: String, path: String? = nil) {
        var namespaces = (self["linux.namespaces"] as? [JSONObject] ?? []).filter { $0["type"] as? String != type }
        var entry: JSONObject = ["type": type]
        if let path { entry["path"] = path }
        namespaces.append(entry)
        self["linux.namespaces"] = namespaces
    }

    func addMount(destination: String, type: String, source: String, options: [String]) {
        append("mounts", ["destination": destination, "type": type, "source": source, "options": options] as JSONObject)
    }

    func save() throws {
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: configURL, options: .atomic)
    }

    /// Writes config.json verbatim (for malformed input).
    func saveRaw(_ text: String) throws {
        try Data(text.utf8).write(to: configURL, options: .atomic)
    }
}
