import Glibc

/// One container's cgroup, managed through cgroupfs (runc's fs/fs2 drivers).
/// Codable so the runtime can keep it in its state file and act on it in later commands.
public struct CgroupManager: Codable, Sendable {
    public let mode: CgroupMode
    /// v1: controller name ("memory", "cpu", "name=systemd") -> directory of the container's
    /// cgroup; co-mounted controllers share a directory. The cgroup2 directory is under "".
    public var paths: [String: String]
    /// Same keys as `paths`: the mount point of each hierarchy ("/sys/fs/cgroup/cpu,cpuacct",
    /// "/sys/fs/cgroup/unified"), which tells `create` where its ancestors start.
    public private(set) var mountPoints: [String: String]

    public static func detectMode() throws -> CgroupMode {
        try detectMode(mountInfo: CgroupMountTable.visibleOnly(CgroupFS.read(path: "/proc/self/mountinfo")))
    }

    static func detectMode(mountInfo: String) throws -> CgroupMode {
        guard let mode = CgroupMountTable(mountInfo: mountInfo).mode else {
            throw CgroupError("no cgroup filesystem is mounted (checked /proc/self/mountinfo)")
        }
        return mode
    }

    public init(cgroupsPath: String?, containerID: String) throws {
        try self.init(
            cgroupsPath: cgroupsPath, containerID: containerID,
            mountInfo: CgroupMountTable.visibleOnly(CgroupFS.read(path: "/proc/self/mountinfo")),
            selfCgroup: CgroupFS.read(path: "/proc/self/cgroup"))
    }

    /// Takes the texts of /proc/self/mountinfo and /proc/self/cgroup, so tests can point
    /// the manager at a fake tree by naming their own mount points.
    init(cgroupsPath: String?, containerID: String, mountInfo: String, selfCgroup: String) throws {
        let table = CgroupMountTable(mountInfo: mountInfo)
        guard let mode = table.mode else {
            throw CgroupError("no cgroup filesystem is mounted (checked /proc/self/mountinfo)")
        }
        let location = try CgroupLocation(cgroupsPath: cgroupsPath, containerID: containerID)
        let own = parseSelfCgroup(selfCgroup)

        func directory(_ h: CgroupHierarchy, ownKey: String?) throws -> String {
            var base = h.mountPoint
            if location.relative {
                guard let key = ownKey, let mine = own[key] else {
                    let name = h.isV2 ? "cgroup2" : h.controllers.joined(separator: ",")
                    throw CgroupError("cannot resolve relative cgroups path \"\(location.path.dropFirst())\": "
                        + "no \(name) entry in /proc/self/cgroup")
                }
                base += Self.strip(root: h.root, from: mine)
            }
            return CgroupLocation.clean(base + location.path)
        }

        var paths: [String: String] = [:]
        var mounts: [String: String] = [:]
        if mode != .unified {
            for h in table.v1 {
                let dir = try directory(h, ownKey: h.controllers.first { own[$0] != nil })
                for c in h.controllers {
                    paths[c] = dir
                    mounts[c] = h.mountPoint
                }
            }
        }
        if let u = table.unified, mode != .legacy {
            paths[""] = try directory(u, ownKey: "")
            mounts[""] = u.mountPoint
        }
        self.mode = mode
        self.paths = paths
        self.mountPoints = mounts
    }

    /// "/docker/abc/x" seen through a mount whose root is "/docker/abc" is "/x".
    static func strip(root: String, from path: String) -> String {
        guard root != "/", path == root || path.hasPrefix(root + "/") else { return path }
        let rest = String(path.dropFirst(root.count))
        return rest.isEmpty ? "/" : rest
    }

    /// The directory of the cgroup2 hierarchy, where a device-filter eBPF program attaches.
    public var unifiedPath: String? { paths[""] }

    /// On cgroup v2 there is no devices controller: `apply` enforces device rules with a
    /// BPF_CGROUP_DEVICE program attached to `unifiedPath` (DeviceFilterV2).
    public var needsDeviceBPF: Bool { mode != .legacy && paths["devices"] == nil }

    /// Each directory once (co-mounted v1 controllers share one), in a stable order.
    var directories: [(dir: String, mountPoint: String, key: String)] {
        var seen = Set<String>()
        var out: [(String, String, String)] = []
        for key in paths.keys.sorted() {
            guard let dir = paths[key], !seen.contains(dir) else { continue }
            seen.insert(dir)
            out.append((dir, mountPoints[key] ?? "/", key))
        }
        return out
    }

    // MARK: create

    public func create() throws {
        var created: [String] = []
        do {
            for (dir, mountPoint, _) in directories {
                let isV2 = dir == paths[""]
                let isCpuset = !isV2 && dir == paths["cpuset"]
                var current = CgroupLocation.clean(mountPoint)
                let below = dir.hasPrefix(current) ? String(dir.dropFirst(current.count)) : dir
                for component in below.split(separator: "/") {
                    let parent = current
                    current = CgroupFS.join(current, String(component))
                    if isV2 { Self.enableControllers(in: parent) }
                    if !CgroupFS.isDirectory(current) {
                        try CgroupFS.mkdir(current)
                        created.append(current)
                    }
                    if isCpuset { try Self.inheritCpuset(parent: parent, child: current) }
                }
            }
        } catch {
            for dir in created.reversed() { _ = Glibc.rmdir(dir) }
            throw error
        }
    }

    /// Turns on every controller the parent offers for its children. Failures are ignored
    /// (a controller may be unavailable when nested or rootless); they surface in `apply`
    /// as a missing file, which names the controller.
    static func enableControllers(in parent: String) {
        guard let available = CgroupFS.readIfPresent(parent, "cgroup.controllers") else { return }
        // String + String: `String + Substring` is generic and looks up conformances at run time.
        let wanted = CgroupFS.fields(Substring(available)).map { "+" + String($0) }
        guard !wanted.isEmpty else { return }
        let enabled = Set(CgroupFS.fields(Substring(CgroupFS.readIfPresent(parent, "cgroup.subtree_control") ?? "")))
        let missing = wanted.filter { !enabled.contains($0.dropFirst()) }
        guard !missing.isEmpty else { return }
        if (try? CgroupFS.write(parent, "cgroup.subtree_control", missing.joined(separator: " "))) == nil {
            for c in missing { try? CgroupFS.write(parent, "cgroup.subtree_control", c) }
        }
    }

    /// A new v1 cpuset starts with empty cpus/mems, and no task can join it until both are set.
    static func inheritCpuset(parent: String, child: String) throws {
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let mine = CgroupFS.readIfPresent(child, file) ?? ""
            guard mine.isEmpty else { continue }
            let theirs = CgroupFS.readIfPresent(parent, file) ?? ""
            guard !theirs.isEmpty else { continue }
            try CgroupFS.write(child, file, theirs)
        }
    }

    // MARK: processes

    public func addProcess(_ pid: Int32) throws {
        for (dir, _, _) in directories {
            try CgroupFS.write(dir, "cgroup.procs", String(pid))
        }
    }

    /// The directory whose cgroup.procs best lists the container's processes.
    var processDirectory: String? {
        if mode == .unified { return paths[""] }
        for key in ["freezer", "pids", "devices", "memory", "cpu"] {
            if let p = paths[key] { return p }
        }
        return paths.keys.sorted().compactMap { paths[$0] }.first
    }

    public func pids() throws -> [Int32] {
        guard let dir = processDirectory else { throw CgroupError("no cgroup hierarchy to list processes from") }
        var out: [Int32] = []
        try Self.collectPids(dir, into: &out)
        return out
    }

    private static func collectPids(_ dir: String, into out: inout [Int32]) throws {
        let text = try CgroupFS.read(dir, "cgroup.procs")
        for line in CgroupFS.lines(text) {
            if let pid = Int32(CgroupFS.trim(String(line))) { out.append(pid) }
        }
        for child in CgroupFS.subdirectories(dir) {
            try collectPids(CgroupFS.join(dir, child), into: &out)
        }
    }

    public func killAll(signal: Int32) throws {
        if signal == SIGKILL, mode == .unified, let dir = paths[""],
           CgroupFS.exists(CgroupFS.join(dir, "cgroup.kill")) {
            try CgroupFS.write(dir, "cgroup.kill", "1")
            return
        }
        // Frozen, nothing can fork between listing the pids and signalling them. A freezer
        // failure is not fatal: signalling unfrozen processes is still better than nothing.
        let froze = (try? freeze()) != nil
        defer { if froze { try? thaw() } }
        var firstError: CgroupError?
        for pid in try pids() where Glibc.kill(pid, signal) != 0 {
            let e = errno
            if e != ESRCH, firstError == nil {
                firstError = CgroupError("kill \(pid) with signal \(signal): \(errnoText(e))", errno: e)
            }
        }
        if let firstError { throw firstError }
    }

    // MARK: destroy

    public func destroy() throws {
        var firstError: Error?
        for (dir, _, _) in directories.sorted(by: { $0.dir.count > $1.dir.count }) {
            do { try Self.removeTree(dir) } catch { if firstError == nil { firstError = error } }
        }
        if let firstError { throw firstError }
    }

    /// cgroupfs rmdir only removes empty cgroups, so children go first.
    static func removeTree(_ dir: String) throws {
        for child in CgroupFS.subdirectories(dir) {
            try removeTree(CgroupFS.join(dir, child))
        }
        try CgroupFS.rmdir(dir)
    }

    public func oomKillCount() -> UInt64 {
        if mode != .unified, let dir = paths["memory"] {
            return CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "memory.oom_control") ?? "")["oom_kill"] ?? 0
        }
        if let dir = paths[""] {
            return CgroupFS.keyValues(CgroupFS.readIfPresent(dir, "memory.events") ?? "")["oom_kill"] ?? 0
        }
        return 0
    }
}
