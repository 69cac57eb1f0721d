import Cgroups

extension CgroupManager {
    /// The v1 hierarchies by the name of their mount directory ("memory", or
    /// "cpu,cpuacct" when co-mounted), each once, with the container's directory.
    func v1Mounts() -> [(name: String, dir: String)] {
        var seen: [(String, String)] = []
        for (k, dir) in paths.sorted(by: { $0.key < $1.key }) where !k.isEmpty {
            guard let mp = mountPoints[k] else { continue }
            let name = FileIOName.base(mp)
            if !seen.contains(where: { $0.0 == name }) { seen.append((name, dir)) }
        }
        return seen
    }
}

enum FileIOName {
    static func base(_ p: String) -> String {
        p.split(separator: "/").last.map(String.init) ?? p
    }
}
