import DockerAPI

/// Everything `SpecBuilder.build` needs to turn one Docker container into an OCI spec.
/// Paths are host paths; the closures are berthd's answers to questions about volumes
/// and other containers, so the builder holds no daemon state of its own.
public struct SpecInput {
    /// The full 64-hex container id (its first 12 characters are the default hostname).
    public var id: String
    /// The container's configuration as created (merging with `imageConfig` again is harmless).
    public var config: ContainerConfig
    public var hostConfig: HostConfig
    public var imageConfig: ContainerConfig
    /// The mounted root filesystem (the overlay's merged directory).
    public var rootfsPath: String
    /// Files berthd wrote, bind-mounted at /etc/hostname, /etc/hosts and /etc/resolv.conf;
    /// "" or a missing file leaves that mount out, as dockerd does.
    public var hostnamePath: String
    public var hostsPath: String
    public var resolvConfPath: String
    /// cgroupfs path, e.g. "/berth/<id>" (HostConfig.CgroupParent is berthd's to apply).
    public var cgroupsPath: String
    /// A network namespace berthd prepared (a bind-mounted nsfs file); nil lets the runtime
    /// make a new, empty one. Ignored for "host" and "container:" network modes.
    public var networkNamespacePath: String?
    /// Host path of a static init (Debian's /usr/bin/tini-static) for `HostConfig.Init`.
    public var initBinary: String?
    /// The daemon's `init` setting, used when HostConfig.Init is not set.
    public var initByDefault: Bool
    /// The daemon's `no-new-privileges` setting.
    public var noNewPrivilegesByDefault: Bool
    /// The daemon's default ulimits, added for the names the container does not set.
    public var defaultUlimits: [Ulimit]
    /// Named volume → its host directory (berthd creates the volume when missing).
    public var volumePath: (String) throws -> String
    /// Anonymous volume (`-v /data`, `VOLUME` in the image) at a destination → its host
    /// directory. berthd names it and keeps the name with the container.
    public var anonymousVolumePath: (String) throws -> String
    /// The mounts of the `--volumes-from` containers, as their records list them, with the
    /// read-only override already applied; berthd resolves them at create.
    public var inheritedMounts: [DockerAPI.MountPoint] = []
    /// (volume directory, destination): fills a new, empty volume with what the image has at
    /// the destination (moby's CopyImagePathContent), for volumes without `nocopy`.
    public var populateVolume: (String, String) throws -> Void = { _, _ in }
    /// "container:<name|id>" modes: the other container's init pid, nil when it is not running.
    public var containerPID: (String) throws -> Int32?
    /// The daemon's default seccomp profile (deploy/seccomp-default.json); nil runs
    /// containers unconfined unless they ask for a profile.
    public var seccompProfile: SeccompProfile?
    public var host: HostFacts

    public init(id: String, config: ContainerConfig, hostConfig: HostConfig, imageConfig: ContainerConfig = ContainerConfig(),
                rootfsPath: String, hostnamePath: String = "", hostsPath: String = "", resolvConfPath: String = "",
                cgroupsPath: String, networkNamespacePath: String? = nil, initBinary: String? = nil,
                initByDefault: Bool = false, noNewPrivilegesByDefault: Bool = false, defaultUlimits: [Ulimit] = [],
                volumePath: @escaping (String) throws -> String = SpecInput.noVolumes,
                anonymousVolumePath: @escaping (String) throws -> String = SpecInput.noAnonymousVolumes,
                containerPID: @escaping (String) throws -> Int32? = { _ in nil },
                seccompProfile: SeccompProfile? = nil, host: HostFacts = .detect()) {
        self.id = id
        self.config = config
        self.hostConfig = hostConfig
        self.imageConfig = imageConfig
        self.rootfsPath = rootfsPath
        self.hostnamePath = hostnamePath
        self.hostsPath = hostsPath
        self.resolvConfPath = resolvConfPath
        self.cgroupsPath = cgroupsPath
        self.networkNamespacePath = networkNamespacePath
        self.initBinary = initBinary
        self.initByDefault = initByDefault
        self.noNewPrivilegesByDefault = noNewPrivilegesByDefault
        self.defaultUlimits = defaultUlimits
        self.volumePath = volumePath
        self.anonymousVolumePath = anonymousVolumePath
        self.containerPID = containerPID
        self.seccompProfile = seccompProfile
        self.host = host
    }

    public static func noVolumes(_ name: String) throws -> String {
        throw ContainerSpecError(.notFound, "get \(name): no such volume")
    }

    public static func noAnonymousVolumes(_ destination: String) throws -> String {
        throw ContainerSpecError(.system, "no anonymous volume was created for \(destination)")
    }
}
