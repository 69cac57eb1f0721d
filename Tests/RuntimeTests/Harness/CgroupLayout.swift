import Foundation

/// Every container of the suite gets `linux.cgroupsPath = "/berth-test/<id>"`, so its cgroup
/// directories can be found (and must be gone after delete) whatever the runtime.
let cgroupParent = "berth-test"

/// How the host mounts cgroups: unified (v2 only) or v1 hierarchies, possibly with a v2 tree at
/// /sys/fs/cgroup/unified beside them (the "hybrid" layout of this machine).
struct CgroupLayout: Sendable {
    let isUnified: Bool
    /// Mounted hierarchy roots: ["/sys/fs/cgroup"] on v2, every /sys/fs/cgroup/<name> on v1.
    let hierarchies: [String]

    static func detect() -> CgroupLayout {
        let fm = FileManager.default
        if fm.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") {
            return CgroupLayout(isUnified: true, hierarchies: ["/sys/fs/cgroup"])
        }
        let mountPoints = Set(MountInfo.current().map(\.mountPoint))
        let names = (try? fm.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        let roots = names.sorted().map { "/sys/fs/cgroup/\($0)" }.filter { mountPoints.contains($0) }
        return CgroupLayout(isUnified: false, hierarchies: roots)
    }

    /// The host directory of `id` for one controller ("memory", "pids", "cpu").
    func directory(of id: String, controller: String) -> String {
        isUnified ? "/sys/fs/cgroup/\(cgroupParent)/\(id)" : "/sys/fs/cgroup/\(controller)/\(cgroupParent)/\(id)"
    }

    /// Cgroup directories of `id` that still exist in any hierarchy.
    func leftovers(of id: String) -> [String] {
        hierarchies.map { "\($0)/\(cgroupParent)/\(id)" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Removes what containers of this run left under /sys/fs/cgroup/*/berth-test. Best effort:
    /// a cgroup that still holds a process cannot be removed, and a concurrent run may own some.
    func removeTestParents(prefix: String) {
        let fm = FileManager.default
        for root in hierarchies {
            let parent = "\(root)/\(cgroupParent)"
            for child in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where child.hasPrefix(prefix) {
                removeTree("\(parent)/\(child)")
            }
            rmdir(parent)
        }
    }

    /// cgroupfs directories are removed with rmdir alone (their files are not real), children first.
    private func removeTree(_ path: String) {
        var isDir: ObjCBool = false
        for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            let sub = "\(path)/\(child)"
            if FileManager.default.fileExists(atPath: sub, isDirectory: &isDir), isDir.boolValue { removeTree(sub) }
        }
        rmdir(path)
    }
}

/// One line of /proc/<pid>/mountinfo.
struct MountInfo {
    let mountPoint: String
    /// Per-mount options (field 6): ro/rw, nosuid, nodev, noexec, relatime...
    let options: Set<String>
    let fsType: String
    let source: String
    /// Superblock options (last field): size=, mode= for tmpfs...
    let superOptions: Set<String>

    init?(line: Substring) {
        let halves = line.components(separatedBy: " - ")
        guard halves.count == 2 else { return nil }
        let left = halves[0].split(separator: " ")
        let right = halves[1].split(separator: " ")
        guard left.count >= 6, right.count >= 3 else { return nil }
        mountPoint = MountInfo.unescape(String(left[4]))
        options = Set(left[5].split(separator: ",").map(String.init))
        fsType = String(right[0])
        source = String(right[1])
        superOptions = Set(right[2].split(separator: ",").map(String.init))
    }

    static func parse(_ text: String) -> [MountInfo] {
        text.split(separator: "\n").compactMap { MountInfo(line: $0) }
    }

    static func current() -> [MountInfo] {
        parse((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    private static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var chars = Array(s)[...]
        while let c = chars.popFirst() {
            if c == "\\", chars.count >= 3, let code = UInt8(String(chars.prefix(3)), radix: 8) {
                out.append(Character(UnicodeScalar(code)))
                chars = chars.dropFirst(3)
            } else {
                out.append(c)
            }
        }
        return out
    }
}
