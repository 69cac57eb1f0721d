import DockerAPI
import Glibc
import LinuxSys

/// A mount on its way into the spec (moby's container.Mount): a bind of `source`, or a
/// tmpfs when `tmpfsData` is set.
struct PlannedMount: Equatable {
    var source: String
    var destination: String
    var writable: Bool
    /// "" writes no propagation option (volumes); binds carry "rprivate" unless told otherwise.
    var propagation: String
    var nonRecursive = false
    var readOnlyNonRecursive = false
    var readOnlyForceRecursive = false
    var tmpfsData: String?
}

/// Binds, Mounts, Tmpfs, image volumes, the IPC mount and the network files, resolved to
/// host paths in the order dockerd hands them to its spec builder (daemon/volumes.go
/// registerMountPoints, volumes_unix.go setupMounts, container_operations_unix.go).
public struct MountPlanner {
    let input: SpecInput
    let config: ContainerConfig

    /// The mount points as dockerd registers them (moby's registerMountPoints): binds, then
    /// `--mount`s, then the mounts `inherited` from `--volumes-from` containers where nothing
    /// else is mounted, then the VOLUMEs of the image and the request that nothing else
    /// mounts, as anonymous volumes (source ""), in that order. berthd names the volumes
    /// from this at create, before any rootfs exists; plan() resolves the same list at start.
    public static func mountPoints(hostConfig h: HostConfig, config: ContainerConfig,
                                   inherited: [DockerAPI.MountPoint] = []) throws -> [MountPoint] {
        let tmpfsTable = h.Tmpfs ?? [:]
        var points: [String: MountPoint] = [:]
        var order: [String] = []
        func record(_ point: MountPoint) {
            if points[point.destination] == nil { order.append(point.destination) }
            points[point.destination] = point
        }
        var fromBinds: Set<String> = []
        for raw in h.Binds ?? [] {
            let point = try MountParser.parseBind(raw)
            if fromBinds.contains(point.destination) || tmpfsTable[point.destination] != nil {
                throw ContainerSpecError.invalid("Duplicate mount point: \(point.destination)")
            }
            fromBinds.insert(point.destination)
            record(point)
        }
        var seen = fromBinds
        for mount in h.Mounts ?? [] {
            let point = try MountParser.parseMount(mount)
            if seen.contains(point.destination) {
                throw ContainerSpecError.invalid("Duplicate mount point: \(mount.Target ?? "")")
            }
            seen.insert(point.destination)
            record(point)
        }
        for m in inherited where m.Type == "bind" || m.Type == "volume" {
            let destination = PathText.clean(m.Destination)
            if points[destination] != nil || tmpfsTable[destination] != nil { continue }
            let volume = m.Type == "volume"
            let source = volume ? m.Name ?? "" : m.Source
            record(MountPoint(type: volume ? .volume : .bind, source: source, destination: destination, readWrite: m.RW,
                              mode: "", propagation: volume ? "" : m.Propagation, copyData: false, createSource: false,
                              spec: DockerAPI.Mount(Type: m.Type, Source: source, Target: destination, ReadOnly: !m.RW)))
        }
        for dest in (config.Volumes ?? [:]).keys.sorted() {
            let destination = PathText.clean(dest)
            if points[destination] != nil || tmpfsTable[destination] != nil { continue }
            record(MountPoint(type: .volume, source: "", destination: destination, readWrite: true, mode: "",
                              propagation: "", copyData: true, createSource: false,
                              spec: DockerAPI.Mount(Type: "volume", Source: nil, Target: destination)))
        }
        return order.compactMap { points[$0] }
    }

    func plan() throws -> [PlannedMount] {
        let h = input.hostConfig
        let tmpfsTable = h.Tmpfs ?? [:]
        let all = try Self.mountPoints(hostConfig: h, config: config, inherited: input.inheritedMounts)
        let points = Dictionary(all.map { ($0.destination, $0) }, uniquingKeysWith: { a, _ in a })
        let order = all.map(\.destination)
        // A VOLUME over a file of the image cannot be mounted (moby checks it at create).
        let imageVolumes = Set((config.Volumes ?? [:]).keys.map(PathText.clean))
        for point in all where point.type == .volume && point.source.isEmpty && imageVolumes.contains(point.destination) {
            if try ScopedPath.isNonDirectory(root: input.rootfsPath, point.destination) {
                throw ContainerSpecError.invalid(
                    "cannot mount volume over existing file, file exists \(input.rootfsPath + point.destination)")
            }
        }

        var tmpfs: [PlannedMount] = tmpfsTable.keys.sorted().map {
            PlannedMount(source: "tmpfs", destination: $0, writable: true, propagation: "", tmpfsData: tmpfsTable[$0] ?? "")
        }
        for destination in order {
            guard let point = points[destination], point.type == .tmpfs else { continue }
            let data = try MountParser.tmpfsData(point.spec.TmpfsOptions, readOnly: point.spec.ReadOnly == true)
            tmpfs.append(PlannedMount(source: "tmpfs", destination: destination, writable: true, propagation: "", tmpfsData: data))
        }
        let tmpfsDestinations = Set(tmpfs.map(\.destination))

        var network = networkFiles()
        var mounts: [PlannedMount] = []
        for destination in order {
            guard let point = points[destination], point.type != .tmpfs, !tmpfsDestinations.contains(destination) else { continue }
            let planned = try setUp(point)
            // A user mount over a network file replaces the daemon's file (TrySetNetworkMount).
            if let i = network.firstIndex(where: { $0.destination == destination }) {
                network[i].source = planned.source
                network[i].writable = planned.writable
                continue
            }
            mounts.append(planned)
        }
        let ipc = try ipcMounts(hasShm: points["/dev/shm"] != nil || tmpfsDestinations.contains("/dev/shm"))
        return ipc + tmpfs + Self.sortedByDepth(mounts) + network
    }

    /// The host directory behind one mount point (moby's MountPoint.Setup).
    func setUp(_ point: MountPoint) throws -> PlannedMount {
        var planned = PlannedMount(source: point.source, destination: point.destination, writable: point.readWrite,
                                   propagation: point.propagation)
        switch point.type {
        case .volume:
            var path = point.source.isEmpty ? try input.anonymousVolumePath(point.destination)
                                            : try input.volumePath(point.source)
            if let sub = point.spec.VolumeOptions?.Subpath, !sub.isEmpty {
                path = try Self.subpath(sub, in: path)
            } else if point.copyData {
                try input.populateVolume(path, point.destination)
            }
            planned.source = path
        case .bind:
            if let options = point.spec.BindOptions {
                let readOnly = point.spec.ReadOnly == true
                if !readOnly && options.ReadOnlyNonRecursive == true {
                    throw ContainerSpecError.invalid("mount options conflict: !ReadOnly && BindOptions.ReadOnlyNonRecursive")
                }
                if !readOnly && options.ReadOnlyForceRecursive == true {
                    throw ContainerSpecError.invalid("mount options conflict: !ReadOnly && BindOptions.ReadOnlyForceRecursive")
                }
                if options.ReadOnlyNonRecursive == true && options.ReadOnlyForceRecursive == true {
                    throw ContainerSpecError.invalid("mount options conflict: ReadOnlyNonRecursive && BindOptions.ReadOnlyForceRecursive")
                }
                planned.nonRecursive = options.NonRecursive == true
                planned.readOnlyNonRecursive = options.ReadOnlyNonRecursive == true
                planned.readOnlyForceRecursive = options.ReadOnlyForceRecursive == true
            }
            // Like `docker run -v`, a missing host directory is created (a --mount bind only
            // with CreateMountpoint); an existing file is left for the runtime to bind.
            if point.createSource && !HostFiles.exists(point.source) {
                do { try FileIO.mkdirAll(point.source) } catch let e as SyscallError where e.errno != ENOTDIR {
                    throw ContainerSpecError.system("error while creating mount source path '\(point.source)': \(e)")
                }
            }
        case .tmpfs:
            break
        }
        return planned
    }

    /// /etc/resolv.conf, /etc/hostname and /etc/hosts from berthd's files, writable unless
    /// the root filesystem is read-only.
    func networkFiles() -> [PlannedMount] {
        let writable = input.hostConfig.ReadonlyRootfs != true
        return [("/etc/resolv.conf", input.resolvConfPath), ("/etc/hostname", input.hostnamePath), ("/etc/hosts", input.hostsPath)]
            .filter { !$0.1.isEmpty && HostFiles.exists($0.1) }
            .map { PlannedMount(source: $0.1, destination: $0.0, writable: writable, propagation: MountParser.defaultPropagation) }
    }

    /// /dev/shm for IPC modes that share one: the host's, or a running container's (reached
    /// through its root so the donor needs no shm directory on the host).
    func ipcMounts(hasShm: Bool) throws -> [PlannedMount] {
        let mode = input.hostConfig.IpcMode ?? ""
        guard !hasShm else { return [] }
        let source: String
        if mode == "host" {
            guard HostFiles.exists("/dev/shm") else {
                throw ContainerSpecError.system("/dev/shm is not mounted, but must be for --ipc=host")
            }
            source = "/dev/shm"
        } else if let other = NamespaceMode.container(mode) {
            guard let pid = try input.containerPID(other) else {
                throw ContainerSpecError(.conflict, "failed to join IPC namespace: container \(other) is not running")
            }
            source = "/proc/\(pid)/root/dev/shm"
        } else {
            return []
        }
        return [PlannedMount(source: source, destination: "/dev/shm", writable: true, propagation: MountParser.defaultPropagation)]
    }

    /// `VolumeOptions.Subpath` inside a volume, refusing anything that resolves outside it.
    static func subpath(_ sub: String, in volume: String) throws -> String {
        guard let base = HostFiles.realPath(volume) else {
            throw ContainerSpecError.system("volume path \(volume) does not exist")
        }
        guard let full = HostFiles.realPath(volume + "/" + sub) else {
            throw ContainerSpecError.invalid("cannot access path \(volume)/\(sub): no such file or directory")
        }
        guard full == base || full.hasPrefix(base + "/") else {
            throw ContainerSpecError.invalid("subpath \"\(sub)\" resolves outside of the volume")
        }
        return full
    }

    /// moby's sortMounts: fewer path components first, so parents mount before children.
    static func sortedByDepth(_ mounts: [PlannedMount]) -> [PlannedMount] {
        mounts.enumerated().sorted {
            let (a, b) = (PathText.depth($0.element.destination), PathText.depth($1.element.destination))
            return a != b ? a < b : $0.offset < $1.offset
        }.map(\.element)
    }
}
