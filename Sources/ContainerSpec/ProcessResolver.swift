import DockerAPI
import JSON

/// What the container's first process is: the `process` of the spec before capabilities,
/// rlimits and the rest are added. berthd can use it for `docker exec` defaults too.
public struct ResolvedProcess: Sendable, Equatable {
    public var args: [String]
    public var env: [String]
    public var cwd: String
    public var user: ResolvedUser
    public var terminal: Bool

    public init(args: [String], env: [String], cwd: String, user: ResolvedUser, terminal: Bool) {
        self.args = args
        self.env = env
        self.cwd = cwd
        self.user = user
        self.terminal = terminal
    }
}

/// Entrypoint, Cmd, Env, WorkingDir and User the way dockerd combines the request with
/// the image (daemon/commit.go merge, container.CreateDaemonEnvironment, moby/sys/user).
public enum ProcessResolver {
    public static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The request completed with the image's defaults, as dockerd stores it at create (what
    /// `docker inspect` shows as Config). Merging an already merged config changes nothing.
    public static func merge(_ config: ContainerConfig, image: ContainerConfig) -> ContainerConfig {
        var out = config
        if (out.User ?? "").isEmpty { out.User = image.User }
        if (out.ExposedPorts ?? [:]).isEmpty {
            out.ExposedPorts = image.ExposedPorts
        } else if let ports = image.ExposedPorts {
            for (port, value) in ports where out.ExposedPorts?[port] == nil { out.ExposedPorts?[port] = value }
        }
        if (out.Env ?? []).isEmpty {
            out.Env = image.Env
        } else {
            let keys = Set((out.Env ?? []).map(envKey))
            out.Env = (out.Env ?? []) + (image.Env ?? []).filter { !keys.contains(envKey($0)) }
        }
        var labels = out.Labels ?? [:]
        for (key, value) in image.Labels ?? [:] where labels[key] == nil { labels[key] = value }
        out.Labels = labels
        // An empty (not absent) Entrypoint is `--entrypoint ""`: it drops the image's
        // entrypoint but still takes the image's Cmd when the request has none.
        if (out.Entrypoint ?? []).isEmpty {
            if (out.Cmd ?? []).isEmpty { out.Cmd = image.Cmd }
            if out.Entrypoint == nil { out.Entrypoint = image.Entrypoint }
        }
        if let health = image.Healthcheck {
            if var mine = out.Healthcheck {
                if (mine.Test ?? []).isEmpty { mine.Test = health.Test }
                if (mine.Interval ?? 0) == 0 { mine.Interval = health.Interval }
                if (mine.Timeout ?? 0) == 0 { mine.Timeout = health.Timeout }
                if (mine.StartPeriod ?? 0) == 0 { mine.StartPeriod = health.StartPeriod }
                if (mine.StartInterval ?? 0) == 0 { mine.StartInterval = health.StartInterval }
                if (mine.Retries ?? 0) == 0 { mine.Retries = health.Retries }
                out.Healthcheck = mine
            } else {
                out.Healthcheck = health
            }
        }
        if (out.WorkingDir ?? "").isEmpty { out.WorkingDir = image.WorkingDir }
        if (out.Volumes ?? [:]).isEmpty {
            out.Volumes = image.Volumes
        } else {
            for (path, value) in image.Volumes ?? [:] { out.Volumes?[path] = value }
        }
        if (out.StopSignal ?? "").isEmpty { out.StopSignal = image.StopSignal }
        return out
    }

    /// Entrypoint followed by Cmd, after merging with the image.
    public static func command(config: ContainerConfig, image: ContainerConfig) throws -> [String] {
        let merged = merge(config, image: image)
        let args = (merged.Entrypoint ?? []) + (merged.Cmd ?? [])
        guard !args.isEmpty else { throw ContainerSpecError.invalid("no command specified") }
        return args
    }

    /// PATH, HOSTNAME and (with a TTY) TERM=xterm, then the merged Env replacing by key;
    /// an entry without "=" removes the variable. `config.Hostname` must already be the
    /// container's hostname (SpecBuilder fills the default).
    public static func env(config: ContainerConfig, image: ContainerConfig) -> [String] {
        let merged = merge(config, image: image)
        var env = [defaultPath, "HOSTNAME=" + (merged.Hostname ?? "")]
        if merged.Tty == true { env.append("TERM=xterm") }
        return replaceOrAppend(env, merged.Env ?? [])
    }

    /// moby's ReplaceOrAppendEnvValues.
    public static func replaceOrAppend(_ defaults: [String], _ overrides: [String]) -> [String] {
        var out: [String?] = defaults
        var index: [String: Int] = [:]
        for (i, entry) in defaults.enumerated() { index[envKey(entry)] = i }
        for entry in overrides {
            guard entry.contains("=") else {
                if let i = index[entry] { out[i] = nil }
                continue
            }
            if let i = index[envKey(entry)] {
                out[i] = entry
            } else {
                // Only the defaults are indexed, as in moby: a key given twice is appended twice.
                out.append(entry)
            }
        }
        return out.compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Resolves `User` against the rootfs's /etc/passwd and /etc/group (never following
    /// a link out of `rootfs`), with dockerd's errors.
    public static func user(_ spec: String, rootfs: String, groupAdd: [String]) throws -> ResolvedUser {
        try UserResolver.resolve(spec, rootfs: rootfs, groupAdd: groupAdd)
    }

    /// "/" when unset; an error for a relative path, as dockerd's create does; otherwise cleaned.
    public static func workingDir(_ dir: String?) throws -> String {
        guard let dir, !dir.isEmpty else { return "/" }
        guard dir.hasPrefix("/") else {
            throw ContainerSpecError.invalid("the working directory '\(dir)' is invalid, it needs to be an absolute path")
        }
        return PathText.clean(dir)
    }

    static func envKey(_ entry: String) -> String {
        entry.firstIndex(of: "=").map { String(entry[..<$0]) } ?? entry
    }
}
