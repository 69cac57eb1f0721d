import Glibc
import LinuxSys
import OCISpec

/// The spec's `mounts`: moby's withMounts over the default mounts and the planned ones.
struct MountAssembler {
    var privileged: Bool
    var readonlyRootfs: Bool
    var writableCgroups: Bool
    var ipcNone: Bool
    var shmSize: Int64
    var recursiveReadOnly: Bool

    /// The OCI mounts, and the rootfs propagation that shared or slave binds need.
    func assemble(defaults: [Mount], planned: [PlannedMount]) throws -> (mounts: [Mount], rootfsPropagation: String?) {
        let user = MountPlanner.sortedByDepth(planned)
        let userDestinations = Set(user.map(\.destination))
        let devIsMounted = userDestinations.contains("/dev")

        var out: [Mount] = []
        for var mount in defaults {
            if userDestinations.contains(mount.destination) { continue }
            if devIsMounted && mount.destination.hasPrefix("/dev/") { continue }
            if mount.destination == "/dev/shm" {
                if ipcNone { continue }
                mount.options = (mount.options ?? []) + ["size=\(shmSize)"]
            }
            out.append(mount)
        }

        var rootfsPropagation: String?
        for m in user {
            if let data = m.tmpfsData {
                let options = ["noexec", "nosuid", "nodev", MountParser.defaultPropagation]
                    + (data.isEmpty ? [] : data.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
                out.append(Mount(destination: m.destination, type: "tmpfs", source: m.source,
                                 options: try MountParser.mergeTmpfsOptions(options)))
                continue
            }
            switch m.propagation {
            case "shared", "rshared":
                try HostMounts.ensure(m.source, shared: true)
                if rootfsPropagation != "shared" && rootfsPropagation != "rshared" { rootfsPropagation = "shared" }
            case "slave", "rslave":
                try HostMounts.ensure(m.source, shared: false)
                if rootfsPropagation == nil { rootfsPropagation = "rslave" }
            default:
                break
            }
            var options = [m.nonRecursive ? "bind" : "rbind"]
            if !m.writable {
                var rro = !m.readOnlyNonRecursive
                if m.readOnlyNonRecursive && m.readOnlyForceRecursive {
                    throw ContainerSpecError.invalid("mount options conflict: ReadOnlyNonRecursive && ReadOnlyForceRecursive")
                }
                if !recursiveReadOnly {
                    rro = false
                    if m.readOnlyForceRecursive {
                        throw ContainerSpecError.invalid("rro is not supported: kernel or runtime too old (kernel is older than 5.12?)")
                    }
                }
                options.append(rro ? "rro" : "ro")
            }
            if !m.propagation.isEmpty { options.append(m.propagation) }
            out.append(Mount(destination: m.destination, type: "bind", source: m.source, options: options))
        }

        if readonlyRootfs {
            for i in out.indices where !["/proc", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev"].contains(out[i].destination)
                && !userDestinations.contains(out[i].destination) && !(out[i].options ?? []).contains("ro") {
                out[i].options = (out[i].options ?? []) + ["ro"]
            }
        }
        if privileged {
            for i in out.indices where out[i].destination == "/sys" { out[i].options = Self.clearingReadOnly(out[i].options) }
        }
        if writableCgroups {
            for i in out.indices where out[i].type == "cgroup" { out[i].options = Self.clearingReadOnly(out[i].options) }
        }
        return (out, rootfsPropagation)
    }

    static func clearingReadOnly(_ options: [String]?) -> [String]? {
        let kept = (options ?? []).filter { $0 != "ro" }
        return kept.isEmpty ? nil : kept
    }
}

/// The host's mount table, for the propagation checks of shared and slave binds.
enum HostMounts {
    /// The mount holding `path` must be shared (or, with `shared: false`, shared or a slave).
    static func ensure(_ path: String, shared: Bool) throws {
        guard let real = HostFiles.realPath(path) else {
            throw ContainerSpecError.invalid("lstat \(path): no such file or directory")
        }
        let table = FileIO.readStringIfPresent("/proc/self/mountinfo") ?? ""
        var best: (point: String, optional: [Substring])?
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 6 else { continue }
            let point = unescape(fields[4])
            guard real == point || point == "/" || real.hasPrefix(point + "/") else { continue }
            let optional = fields[6...].prefix { $0 != "-" }
            if point.count >= (best?.point.count ?? 0) { best = (point, Array(optional)) }
        }
        guard let best else { throw ContainerSpecError.system("Can't find mount point of \(path)") }
        let isShared = best.optional.contains { $0.hasPrefix("shared:") }
        let isSlave = best.optional.contains { $0.hasPrefix("master:") }
        if shared && !isShared {
            throw ContainerSpecError.invalid("path \(path) is mounted on \(best.point) but it is not a shared mount")
        }
        if !shared && !isShared && !isSlave {
            throw ContainerSpecError.invalid("path \(path) is mounted on \(best.point) but it is not a shared or slave mount")
        }
    }

    /// mountinfo writes space, tab, newline and backslash as \ooo.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var it = Array(field.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "\\"), it.count >= 3, let v = UInt8(String(decoding: it.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(v)
                it = it.dropFirst(3)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
