/// How the host lays out its cgroup hierarchies.
public enum CgroupMode: String, Codable, Sendable {
    /// cgroup v1 controllers only.
    case legacy
    /// cgroup v1 controllers plus a cgroup2 hierarchy (usually /sys/fs/cgroup/unified)
    /// that may carry the controllers not mounted on v1.
    case hybrid
    /// Pure cgroup v2.
    case unified
}

/// One mounted cgroup hierarchy, from a line of /proc/self/mountinfo.
struct CgroupHierarchy: Sendable, Equatable {
    /// v1: the controllers of this hierarchy ("cpu", "cpuacct", "name=systemd"); v2: empty.
    var controllers: [String]
    var mountPoint: String
    /// The part of the hierarchy visible at the mount point (not "/" inside some containers).
    var root: String
    var isV2: Bool
}

/// The cgroup hierarchies mounted in this mount namespace.
struct CgroupMountTable: Sendable {
    var v1: [CgroupHierarchy] = []
    var unified: CgroupHierarchy?

    static let knownV1Controllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
        "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc",
    ]

    init(mountInfo: String) {
        for line in CgroupFS.lines(mountInfo) {
            let fields = CgroupFS.split(line, 0x20)
            // Optional fields end with a lone "-"; fstype, source and super options follow it.
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 4 else { continue }
            let fsType = fields[dash + 1]
            guard fsType == "cgroup" || fsType == "cgroup2" else { continue }
            let hierarchy = CgroupHierarchy(
                controllers: fsType == "cgroup" ? Self.controllers(in: fields[dash + 3]) : [],
                mountPoint: Self.unescape(fields[4]),
                root: Self.unescape(fields[3]),
                isV2: fsType == "cgroup2")
            add(hierarchy)
        }
    }

    /// Keeps one mount per hierarchy; a bind mount elsewhere must not hide /sys/fs/cgroup.
    private mutating func add(_ h: CgroupHierarchy) {
        let preferred = h.mountPoint.hasPrefix("/sys/fs/cgroup")
        if h.isV2 {
            if let cur = unified, cur.mountPoint.hasPrefix("/sys/fs/cgroup") || !preferred { return }
            unified = h
            return
        }
        guard !h.controllers.isEmpty else { return }
        if let i = v1.firstIndex(where: { Set($0.controllers) == Set(h.controllers) }) {
            if !v1[i].mountPoint.hasPrefix("/sys/fs/cgroup") && preferred { v1[i] = h }
            return
        }
        v1.append(h)
    }

    var mode: CgroupMode? {
        let hasV1Controllers = v1.contains { h in h.controllers.contains { !$0.hasPrefix("name=") } }
        if hasV1Controllers { return unified == nil ? .legacy : .hybrid }
        if unified != nil { return .unified }
        return v1.isEmpty ? nil : .legacy
    }

    private static func controllers(in superOptions: Substring) -> [String] {
        CgroupFS.split(superOptions, 0x2c).compactMap { opt in
            let o = String(opt)
            return knownV1Controllers.contains(o) || o.hasPrefix("name=") ? o : nil
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ s: Substring) -> String {
        guard s.utf8.contains(0x5c) else { return String(s) }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count {
                let digits = b[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= 48 && $0 <= 55 }) {
                    let v = digits.reduce(0) { $0 * 8 + Int($1 - 48) }
                    if v < 256 { out.append(UInt8(v)); i += 4; continue }
                }
            }
            out.append(b[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// /proc/self/cgroup: "hierarchy-id:controllers:path", "0::path" for v2 (key "").
func parseSelfCgroup(_ text: String) -> [String: String] {
    var map: [String: String] = [:]
    for line in CgroupFS.lines(text) {
        let parts = CgroupFS.split(line, 0x3a, maxSplits: 2, omittingEmpty: false)
        guard parts.count == 3 else { continue }
        if parts[1].isEmpty {
            map[""] = String(parts[2])
        } else {
            for c in CgroupFS.split(parts[1], 0x2c) { map[String(c)] = String(parts[2]) }
        }
    }
    return map
}

/// Where the container's cgroup goes, before it is placed under each hierarchy.
struct CgroupLocation: Equatable {
    /// Always starts with "/", cleaned, never escapes its base.
    var path: String
    /// True when the path is below this process's own cgroup rather than the hierarchy root.
    var relative: Bool

    init(cgroupsPath: String?, containerID: String) throws {
        guard let raw = cgroupsPath, !raw.isEmpty else {
            guard !containerID.isEmpty, !containerID.contains("/"), containerID != "..", containerID != "." else {
                throw CgroupError("invalid container id \"\(containerID)\" for a cgroup path")
            }
            self.path = "/berth/" + containerID
            self.relative = false
            return
        }
        if !raw.hasPrefix("/"), raw.split(separator: ":", omittingEmptySubsequences: false).count == 3 {
            self.path = try Self.systemdToCgroupfs(raw)
            self.relative = false
            return
        }
        self.relative = !raw.hasPrefix("/")
        self.path = Self.clean(raw)
        // The hierarchy root (or our own cgroup) would make destroy() sweep up every empty
        // sibling cgroup below it.
        guard path != "/" else {
            throw CgroupError("invalid cgroupsPath \"\(raw)\": it names the cgroup root, not a cgroup of its own")
        }
    }

    /// Lexical clean rooted at "/": "..", "." and repeated slashes cannot climb above the base.
    static func clean(_ p: String) -> String {
        var parts: [Substring] = []
        for c in p.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { _ = parts.popLast(); continue }
            parts.append(c)
        }
        // Not parts.joined(separator:): see visibleOnly on generic string helpers.
        var out = ""
        for part in parts {
            out.append("/")
            out.append(contentsOf: part)
        }
        return out.isEmpty ? "/" : out
    }

    /// "slice:prefix:name" is what the systemd driver takes; with only cgroupfs we put the
    /// cgroup where systemd would have: /<expanded slice>/<prefix>-<name>.scope.
    static func systemdToCgroupfs(_ spec: String) throws -> String {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[2].isEmpty else {
            throw CgroupError("invalid systemd cgroups path \"\(spec)\": expected \"slice:prefix:name\"")
        }
        let (slice, prefix, name) = (parts[0], parts[1], parts[2])
        guard !name.contains("/"), !prefix.contains("/"), name != "..", name != "." else {
            throw CgroupError("invalid systemd cgroups path \"\(spec)\": unit name must not contain \"/\"")
        }
        let unit: String
        if name.hasSuffix(".slice") {
            unit = name
        } else if prefix.isEmpty {
            unit = name + ".scope"
        } else {
            unit = prefix + "-" + name + ".scope"
        }
        let parent = try expandSlice(slice.isEmpty ? "system.slice" : slice)
        return clean(parent + "/" + unit)
    }

    /// systemd nests slices by dashes: "user-1000.slice" is /user.slice/user-1000.slice.
    static func expandSlice(_ slice: String) throws -> String {
        let suffix = ".slice"
        guard slice.hasSuffix(suffix), !slice.contains("/") else {
            throw CgroupError("invalid slice name \"\(slice)\": must end in .slice and contain no \"/\"")
        }
        let base = slice.dropLast(suffix.count)
        if base == "-" { return "/" }
        var path = ""
        var prefix = ""
        for component in base.split(separator: "-", omittingEmptySubsequences: false) {
            guard !component.isEmpty else {
                throw CgroupError("invalid slice name \"\(slice)\": empty component between dashes")
            }
            path += "/" + prefix + component + suffix
            prefix += component + "-"
        }
        return path
    }
}

import Glibc

extension CgroupMountTable {
    /// Drops mountinfo lines for mounts that something later was mounted over
    /// (a private /sys/fs/cgroup showing only v1, as crun's wrapper makes):
    /// the kernel still lists them, but their paths lead elsewhere.
    static func visibleOnly(_ mountInfo: String) -> String {
        var out = ""
        for line in CgroupFS.lines(mountInfo) {
            let f = CgroupFS.split(line, 0x20)
            if f.count > 4, f.contains("cgroup") || f.contains("cgroup2") {
                let dev = CgroupFS.split(f[2], 0x3a)
                var st = stat()
                guard dev.count == 2, let ma = UInt32(dev[0]), let mi = UInt32(dev[1]),
                      stat(unescape(f[4]), &st) == 0,
                      UInt32(truncatingIfNeeded: (st.st_dev >> 8) & 0xfff) | UInt32(truncatingIfNeeded: (st.st_dev >> 32) & ~0xfff) == ma,
                      UInt32(truncatingIfNeeded: st.st_dev & 0xff) | UInt32(truncatingIfNeeded: (st.st_dev >> 12) & ~0xff) == mi
                else { continue }
            }
            // String's own append(contentsOf: Substring): the generic `+` looks up protocol
            // conformances at run time, which costs start-up time in the runtime.
            out.append(contentsOf: line)
            out.append("\n")
        }
        return out
    }
}
