import Glibc
import CLinux
import LinuxSys
import JSON
import DockerAPI

/// Named and anonymous volumes of the "local" driver, laid out as dockerd lays them out:
/// `<data-root>/volumes/NAME/_data` is what containers mount, and `volume.json` next to it
/// keeps what `docker volume inspect` shows. A volume directory without `volume.json` (made
/// by an older berthd, or by hand) is still a volume, dated by its directory.
public final class VolumeStore: @unchecked Sendable {
    /// Docker marks the volumes it creates for a container's VOLUME or `-v /path` with this
    /// label; `docker rm -v` and a plain `volume prune` remove only those.
    public static let anonymousLabel = "com.docker.volume.anonymous"

    struct Metadata: Codable {
        var CreatedAt: String
        var Labels: [String: String]
        var Options: [String: String]?
    }

    public let root: String
    private let lock = Lock()

    public init(root: String) throws {
        self.root = root
        try FileIO.mkdirAll(root, mode: 0o701)
        for name in (try? FileIO.listDirectory(root)) ?? [] where name.hasPrefix(".removing-") {
            FileIO.removeAll("\(root)/\(name)")
        }
    }

    public func dataPath(_ name: String) -> String { "\(root)/\(name)/_data" }

    /// Docker's rule for local volume names, with its wording.
    public static func validate(_ name: String) throws {
        let bytes = Array(name.utf8)
        func ok(_ b: UInt8, first: Bool) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (!first && (b == 95 || b == 46 || b == 45))
        }
        guard bytes.count >= 2 else {
            throw EngineError.invalid("volume name is too short, names should be at least two alphanumeric characters")
        }
        guard ok(bytes[0], first: true), bytes.dropFirst().allSatisfy({ ok($0, first: false) }) else {
            throw EngineError.invalid("\"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")
        }
    }

    /// Creates the volume, or returns the existing one of that name (as Docker, whose
    /// `volume create` of an existing name succeeds and changes nothing). `created` says which.
    public func create(name: String, driver: String?, options: [String: String]?, labels: [String: String]?) throws -> (Volume, created: Bool) {
        try Self.validate(name)
        if let driver, !driver.isEmpty, driver != "local" {
            throw EngineError.notFound("error looking up volume plugin \(driver): plugin \"\(driver)\" not found")
        }
        for key in (options ?? [:]).keys.sorted() where !Self.optionKeys.contains(key) {
            throw EngineError.invalid("invalid option key: \"\(key)\"")
        }
        return try lock.with {
            if let existing = try? inspectLocked(name) { return (existing, false) }
            let opts = (options ?? [:]).isEmpty ? nil : options
            let meta = Metadata(CreatedAt: WallTime.now().rfc3339(.none), Labels: labels ?? [:], Options: opts)
            let dir = "\(root)/\(name)"
            try FileIO.mkdirAll(dir + "/_data", mode: 0o755)
            try FileIO.writeAtomic(dir + "/volume.json", try JSON.encode(meta), mode: 0o600, durable: true)
            return (volume(name, meta), true)
        }
    }

    /// The local driver's options: mount `device` of filesystem `type` with the options `o`
    /// on the volume's directory while a container uses it (`type=tmpfs device=tmpfs
    /// o=size=64m`, `type=none device=/srv/data o=bind`).
    static let optionKeys: Set<String> = ["type", "device", "o"]

    /// The directory a starting container mounts: a volume with options gets its
    /// filesystem mounted there first, if it is not mounted already.
    public func activate(_ name: String) throws -> String {
        try lock.with {
            let v = try inspectLocked(name)
            guard let o = v.Options, !o.isEmpty, !Overlay.isMounted(v.Mountpoint) else { return v.Mountpoint }
            let type = o["type"] ?? "", device = o["device"] ?? ""
            let (flags, data) = MountFlags.parse(o["o"] ?? "")
            let fail = { (e: SyscallError) in
                EngineError.internal("error while mounting volume '\(v.Mountpoint)': failed to mount local volume: mount \(device):\(v.Mountpoint), flags: 0x\(String(flags, radix: 16)), data: \(data): \(e)")
            }
            do {
                try sys("mount", v.Mountpoint) { berth_mount(device, v.Mountpoint, type, flags, data) }
                // A bind ignores MS_RDONLY until remounted (moby/sys/mount does the same).
                let bindRO = UInt(MS_BIND) | UInt(MS_RDONLY)
                if flags & bindRO == bindRO {
                    try sys("mount", v.Mountpoint) { berth_mount(nil, v.Mountpoint, nil, UInt(MS_REMOUNT) | bindRO, nil) }
                }
            } catch let e as SyscallError {
                throw fail(e)
            }
            return v.Mountpoint
        }
    }

    /// Unmounts what activate() mounted (the last container using it stopped).
    public func deactivate(_ name: String) {
        lock.with {
            guard let v = try? inspectLocked(name), !(v.Options ?? [:]).isEmpty else { return }
            while berth_umount2(v.Mountpoint, Int32(MNT_DETACH)) == 0 {}
        }
    }

    public func inspect(_ name: String) throws -> Volume {
        try lock.with { try inspectLocked(name) }
    }

    private func inspectLocked(_ name: String) throws -> Volume {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), FileIO.exists(dataPath(name)) else {
            throw EngineError.notFound("get \(name): no such volume")
        }
        return volume(name, metadata(name))
    }

    public func list() -> [Volume] {
        lock.with {
            ((try? FileIO.listDirectory(root)) ?? []).sorted().compactMap { name in
                name.hasPrefix(".") ? nil : try? inspectLocked(name)
            }
        }
    }

    /// Removes the volume's directory (callers have checked that no container uses it);
    /// the size it freed.
    @discardableResult
    public func remove(_ name: String) throws -> Int64 {
        try lock.with {
            let v = try inspectLocked(name)
            if !(v.Options ?? [:]).isEmpty { while berth_umount2(v.Mountpoint, Int32(MNT_DETACH)) == 0 {} }
            let dir = "\(root)/\(name)"
            let size = DiskUsage.bytes(dir + "/_data")
            let trash = "\(root)/.removing-\(name)"
            guard Glibc.rename(dir, trash) == 0 else {
                throw EngineError.internal("remove \(name): \(SyscallError("rename", dir))")
            }
            FileIO.removeAll(trash)
            return size
        }
    }

    public func isAnonymous(_ v: Volume) -> Bool { v.Labels[Self.anonymousLabel] != nil }

    private func metadata(_ name: String) -> Metadata {
        let dir = "\(root)/\(name)"
        if let bytes = try? FileIO.read(path: dir + "/volume.json"), let m = try? JSON.decode(Metadata.self, from: bytes) {
            return m
        }
        var st = stat()
        let when = stat(dir, &st) == 0 ? WallTime(seconds: Int64(st.st_mtim.tv_sec)) : WallTime.now()
        return Metadata(CreatedAt: when.rfc3339(.none), Labels: [:], Options: nil)
    }

    private func volume(_ name: String, _ m: Metadata) -> Volume {
        Volume(Name: name, Driver: "local", Mountpoint: dataPath(name), CreatedAt: m.CreatedAt, Labels: m.Labels,
               Options: m.Options)
    }
}
