import DockerAPI
import OCISpec

extension ProcessResolver {
    /// The process of a `docker exec`, as dockerd derives it from the container's own
    /// process: the command, the container's environment with the exec's on top, the
    /// exec's user and working directory when given, all capabilities with `--privileged`.
    /// `container` is the stored (merged) config; `containerProcess` the spec's process.
    public static func exec(containerProcess: Process, container: ContainerConfig, cmd: [String], env: [String] = [],
                            user: String = "", workingDir: String = "", tty: Bool = false, privileged: Bool = false,
                            rootfs: String, groupAdd: [String] = [], host: HostFacts) throws -> Process {
        guard !cmd.isEmpty else { throw ContainerSpecError.invalid("No exec command specified") }
        var p = containerProcess
        p.args = cmd
        p.terminal = tty
        p.consoleSize = nil
        var base = container
        base.Tty = tty
        var environment = replaceOrAppend(self.env(config: base, image: ContainerConfig()), env)
        var home = containerProcess.env?.last { $0.hasPrefix("HOME=") }.map { String($0.dropFirst(5)) } ?? "/"
        if !user.isEmpty {
            let resolved = try self.user(user, rootfs: rootfs, groupAdd: groupAdd)
            p.user = User(uid: resolved.uid, gid: resolved.gid, additionalGids: resolved.additionalGids)
            home = resolved.home.isEmpty ? "/" : resolved.home
        }
        if !environment.contains(where: { $0.hasPrefix("HOME=") }) { environment.append("HOME=" + home) }
        p.env = environment
        let dir = workingDir.isEmpty ? container.WorkingDir ?? "" : workingDir
        p.cwd = dir.isEmpty ? "/" : dir
        if privileged {
            p.capabilities = LinuxCapabilities(bounding: host.capabilities, effective: host.capabilities, permitted: host.capabilities)
        }
        return p
    }
}
