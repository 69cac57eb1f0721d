import DockerAPI

/// A container mount as dockerd records it (moby volume/mounts.MountPoint), before the
/// daemon resolves volumes to host directories.
public struct MountPoint: Sendable, Equatable {
    public enum Kind: String, Sendable { case bind, volume, tmpfs }

    public var type: Kind
    /// Host path for a bind; the volume's name for a volume ("" for an anonymous one).
    public var source: String
    public var destination: String
    public var readWrite: Bool
    /// The mode part of a `-v` string ("ro,z"), "" otherwise.
    public var mode: String
    /// For binds: "rprivate" unless set; "" for volumes (no propagation option is written).
    public var propagation: String
    /// Copy the image's content at the destination into a new, empty volume.
    public var copyData: Bool
    /// A `--mount` bind whose source must exist (no CreateMountpoint); `-v` binds are created.
    public var createSource: Bool
    /// The `--mount` form this came from (the `-v` form converted), for options such as
    /// BindOptions.NonRecursive, VolumeOptions.Subpath or TmpfsOptions.
    public var spec: DockerAPI.Mount
}

/// `-v` strings and `--mount` objects parsed and validated as moby's linuxParser does, with its errors.
public enum MountParser {
    static let rwModes: Set<String> = ["rw", "ro"]
    static let labelModes: Set<String> = ["z", "Z"]
    static let propagationModes: Set<String> = ["private", "rprivate", "slave", "rslave", "shared", "rshared"]
    static let consistencyModes: Set<String> = ["consistent", "cached", "delegated"]
    static let defaultPropagation = "rprivate"

    /// One `HostConfig.Binds` entry: "dst", "src:dst" or "src:dst:mode". A relative
    /// source is a volume name. The bind source is not checked here: dockerd creates it.
    public static func parseBind(_ raw: String) throws -> MountPoint {
        let parts = splitN(raw, ":", 4)
        guard !parts[0].isEmpty else { throw invalidSpec(raw) }
        var spec = DockerAPI.Mount(Type: nil, Source: nil, Target: nil)
        var mode = ""
        switch parts.count {
        case 1:
            spec.Target = parts[0]
        case 2:
            if isValidMode(parts[1]) { throw invalidSpec(raw) }
            spec.Source = parts[0]
            spec.Target = parts[1]
        case 3:
            spec.Source = parts[0]
            spec.Target = parts[1]
            mode = parts[2]
        default:
            throw invalidSpec(raw)
        }
        guard isValidMode(mode) else { throw ContainerSpecError.invalid("invalid mode: \(mode)") }
        let options = mode.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        spec.Type = PathText.isAbsolute(spec.Source ?? "") ? "bind" : "volume"
        spec.ReadOnly = options.contains("ro")
        do {
            // dockerd turns these into BindOptions / VolumeOptions, which the other type refuses.
            let type = spec.Type ?? ""
            if type == "volume" && options.contains(where: propagationModes.contains) {
                throw ContainerSpecError.invalid("invalid mount config for type \"volume\": field BindOptions must not be specified")
            }
            if type == "bind" && options.contains("nocopy") {
                throw ContainerSpecError.invalid("invalid mount config for type \"bind\": field VolumeOptions must not be specified")
            }
            var point = try parse(spec, checkSourceExists: false)
            point.mode = mode
            point.createSource = true
            if options.contains("nocopy") { point.copyData = false }
            if let propagation = options.first(where: propagationModes.contains) { point.propagation = propagation }
            return point
        } catch let error as ContainerSpecError {
            throw ContainerSpecError.invalid("\(invalidSpec(raw).message): \(error.message)")
        }
    }

    /// One `HostConfig.Mounts` entry. A bind source must exist unless
    /// BindOptions.CreateMountpoint is set (checked on this host: berthd runs here).
    public static func parseMount(_ mount: DockerAPI.Mount) throws -> MountPoint {
        try parse(mount, checkSourceExists: true)
    }

    static func parse(_ mount: DockerAPI.Mount, checkSourceExists: Bool) throws -> MountPoint {
        try validate(mount, checkSourceExists: checkSourceExists)
        let type = MountPoint.Kind(rawValue: mount.Type ?? "") ?? .bind
        var point = MountPoint(type: type, source: "", destination: PathText.clean(mount.Target ?? ""),
                               readWrite: mount.ReadOnly != true, mode: "", propagation: "", copyData: false,
                               createSource: mount.BindOptions?.CreateMountpoint == true, spec: mount)
        switch type {
        case .volume:
            point.source = mount.Source ?? ""
            point.copyData = mount.VolumeOptions?.NoCopy != true
        case .bind:
            point.source = PathText.clean(mount.Source ?? "")
            let propagation = mount.BindOptions?.Propagation ?? ""
            point.propagation = propagation.isEmpty ? defaultPropagation : propagation
        case .tmpfs:
            point.source = "tmpfs"
        }
        return point
    }

    /// moby's validateMountConfigImpl.
    static func validate(_ mount: DockerAPI.Mount, checkSourceExists: Bool) throws {
        let type = mount.Type ?? ""
        func fail(_ reason: String) -> ContainerSpecError {
            ContainerSpecError.invalid("invalid mount config for type \"\(type)\": \(reason)")
        }
        if type != "bind" && mount.BindOptions != nil { throw fail("field BindOptions must not be specified") }
        if type != "volume" && mount.VolumeOptions != nil { throw fail("field VolumeOptions must not be specified") }
        if type != "tmpfs" && mount.TmpfsOptions != nil { throw fail("field TmpfsOptions must not be specified") }
        let target = mount.Target ?? ""
        if target.isEmpty { throw fail("field Target must not be empty") }
        if let reason = destinationProblem(target) { throw fail(reason) }
        switch type {
        case "bind":
            let source = mount.Source ?? ""
            if source.isEmpty { throw fail("field Source must not be empty") }
            if let propagation = mount.BindOptions?.Propagation, !propagation.isEmpty, !propagationModes.contains(propagation) {
                throw fail("invalid propagation mode: \(propagation)")
            }
            if !PathText.isAbsolute(source) { throw fail("invalid mount path: '\(source)' mount path must be absolute") }
            if checkSourceExists && mount.BindOptions?.CreateMountpoint != true && !HostFiles.exists(source) {
                throw fail("bind source path does not exist: \(source)")
            }
        case "volume":
            if let sub = mount.VolumeOptions?.Subpath, !sub.isEmpty {
                if (mount.Source ?? "").isEmpty { throw fail("must not set Subpath when using anonymous volumes") }
                if !isLocal(sub) { throw fail("subpath must be a relative path within the volume") }
            }
        case "tmpfs":
            if !(mount.Source ?? "").isEmpty { throw fail("field Source must not be specified") }
            do { _ = try tmpfsData(mount.TmpfsOptions, readOnly: mount.ReadOnly == true) } catch let e as ContainerSpecError {
                throw fail(e.message)
            }
        case "image":
            throw fail("image mounts are not supported")
        default:
            throw fail("mount type unknown")
        }
    }

    /// nil when `path` may be a mount destination; the reason otherwise.
    static func destinationProblem(_ path: String) -> String? {
        if PathText.clean(path) == "/" { return "invalid specification: destination can't be '/'" }
        if !PathText.isAbsolute(path) { return "invalid mount path: '\(path)' mount path must be absolute" }
        return nil
    }

    /// A `HostConfig.Tmpfs` key, checked as dockerd does at create.
    public static func validateTmpfsDestination(_ path: String) throws {
        if let reason = destinationProblem(path) { throw ContainerSpecError.invalid(reason) }
    }

    /// TmpfsOptions as the comma-separated data dockerd passes on ("ro,mode=1777,size=64m").
    public static func tmpfsData(_ options: DockerAPI.Mount.TmpfsOptions?, readOnly: Bool) throws -> String {
        var raw: [String] = readOnly ? ["ro"] : []
        if let mode = options?.Mode, mode != 0 { raw.append("mode=" + String(mode, radix: 8)) }
        if let size = options?.SizeBytes, size != 0 {
            var text = String(size)
            for (suffix, divisor) in [("g", Int64(1) << 30), ("m", 1 << 20), ("k", 1 << 10)] where size % divisor == 0 {
                text = String(size / divisor) + suffix
                break
            }
            raw.append("size=" + text)
        }
        for option in options?.Options ?? [] {
            guard option.count == 1 || option.count == 2 else {
                throw ContainerSpecError.invalid("invalid option array length")
            }
            guard option[0] == "exec" || option[0] == "noexec" else {
                throw ContainerSpecError.invalid("invalid option: " + option[0])
            }
            raw.append(option.count == 1 ? option[0] : option[0] + "=" + option[1])
        }
        return raw.joined(separator: ",")
    }

    /// moby/sys/mount MergeTmpfsOptions: later options win, one per flag and per key.
    public static func mergeTmpfsOptions(_ options: [String]) throws -> [String] {
        var seenFlags: Set<String> = []
        var seenKeys: Set<String> = []
        var out: [String] = []
        for option in options.reversed() where option != "defaults" {
            if let group = MountFlags.group(of: option) {
                if seenFlags.insert(group).inserted { out.insert(option, at: 0) }
                continue
            }
            let key = option.firstIndex(of: "=").map { String(option[..<$0]) }
            guard let key, MountFlags.tmpfsDataKeys.contains(key) else {
                throw ContainerSpecError.invalid("invalid tmpfs option \"\(key ?? option)\"")
            }
            if seenKeys.insert(key).inserted { out.insert(option, at: 0) }
        }
        return out
    }

    static func isValidMode(_ mode: String) -> Bool {
        if mode.isEmpty { return true }
        var counts = [0, 0, 0, 0, 0]
        for option in mode.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if rwModes.contains(option) { counts[0] += 1 }
            else if labelModes.contains(option) { counts[1] += 1 }
            else if propagationModes.contains(option) { counts[2] += 1 }
            else if option == "nocopy" { counts[3] += 1 }
            else if consistencyModes.contains(option) { counts[4] += 1 }
            else { return false }
        }
        return counts.allSatisfy { $0 <= 1 }
    }

    /// Go's filepath.IsLocal: relative, not empty, never climbing above its start.
    static func isLocal(_ path: String) -> Bool {
        guard !path.isEmpty, !PathText.isAbsolute(path) else { return false }
        let cleaned = PathText.clean(path)
        return cleaned != ".." && !cleaned.hasPrefix("../")
    }

    static func invalidSpec(_ raw: String) -> ContainerSpecError {
        ContainerSpecError.invalid("invalid volume specification: '\(raw)'")
    }

    /// Go's strings.SplitN.
    static func splitN(_ s: String, _ separator: Character, _ n: Int) -> [String] {
        s.split(separator: separator, maxSplits: n - 1, omittingEmptySubsequences: false).map(String.init)
    }
}

/// mount(8) flag names grouped by the kernel flag they set or clear: of "ro" and "rw" only
/// the last one counts, and all propagation modes share one group.
enum MountFlags {
    static let tmpfsDataKeys: Set<String> = ["", "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"]

    static func group(of option: String) -> String? {
        switch option {
        case "ro", "rw": return "rdonly"
        case "suid", "nosuid": return "nosuid"
        case "dev", "nodev": return "nodev"
        case "exec", "noexec": return "noexec"
        case "sync", "async": return "sync"
        case "dirsync": return "dirsync"
        case "remount": return "remount"
        case "mand", "nomand": return "mand"
        case "atime", "noatime": return "noatime"
        case "diratime", "nodiratime": return "nodiratime"
        case "relatime", "norelatime": return "relatime"
        case "strictatime", "nostrictatime": return "strictatime"
        case "bind", "rbind", "unbindable", "runbindable", "private", "rprivate", "shared", "rshared", "slave", "rslave":
            return "propagation"
        default: return nil
        }
    }
}
