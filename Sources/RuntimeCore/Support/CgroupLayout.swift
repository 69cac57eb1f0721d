import Cgroups

extension CgroupManager {
    /// The names of the v1 hierarchies as mounted under the cgroup root
    /// ("memory", or "cpu,cpuacct" when co-mounted), each once.
    func v1MountNames() -> [String] {
        var seen: [String] = []
        for (k, dir) in paths.sorted(by: { $0.key < $1.key }) where !k.isEmpty {
            if let name = Self.mountName(of: dir), !seen.contains(name) { seen.append(name) }
        }
        return seen
    }

    func v1Directory(forMount name: String) -> String? {
        paths.first { !$0.key.isEmpty && Self.mountName(of: $0.value) == name }?.value
    }

    private static func mountName(of dir: String) -> String? {
        let root = "/sys/fs/cgroup/"
        guard dir.hasPrefix(root) else { return nil }
        return dir.dropFirst(root.count).split(separator: "/").first.map(String.init)
    }
}
