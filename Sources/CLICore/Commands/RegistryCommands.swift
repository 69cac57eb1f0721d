import APIClient
import JSON
import LinuxSys

/// `berth pull`, `push`, `login`, `logout`: credentials come from Docker's config.json and
/// go to berthd as X-Registry-Auth, as the docker CLI sends them.
enum RegistryCommands {
    static var pull: Command {
        Command("pull", usage: "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", args: .exact(1),
                flags: [Flag("all-tags", "a", .bool, "Download all tagged images in the repository"),
                        Flag("quiet", "q", .bool, "Suppress verbose output"),
                        Flag("platform", nil, .string, "Set platform if server is multi-platform capable")]) { inv in
            guard Images.isValidReference(inv.args[0]) else { throw CLIError("invalid reference format") }
            let ref = ImageReference(inv.args[0])
            let allTags = inv.flags.bool("all-tags")
            // ImageReference fills in `latest`: only a tag written out conflicts with -a.
            if allTags && (ref.digest != nil || inv.args[0].hasSuffix(":" + (ref.tag ?? ""))) { throw CLIError("tag can't be used with --all-tags/-a") }
            var q = Query()
            q.add("fromImage", ref.name)
            // No tag at all asks berthd (as dockerd) for every tag.
            q.add("tag", allTags ? "" : ref.apiTag)
            q.addIfNotEmpty("platform", inv.flags.string("platform"))
            let auth = try DockerConfig.load(inv.ctx.environment).registryAuthHeader(ref.domain)
            let stream = try inv.ctx.client().stream("POST", "/images/create", query: q, headers: [("X-Registry-Auth", auth)])
            let quiet = inv.flags.bool("quiet")
            try Progress.display(stream, to: quiet ? nil : inv.ctx.out)
            inv.ctx.out.print(allTags ? ref.name : ref.name + (ref.digest.map { "@" + $0 } ?? ":" + (ref.tag ?? "latest")))
            return 0
        }
    }

    static var push: Command {
        Command("push", usage: "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", args: .exact(1),
                flags: [Flag("quiet", "q", .bool, "Suppress verbose output")]) { inv in
            guard Images.isValidReference(inv.args[0]) else { throw CLIError("invalid reference format") }
            let ref = ImageReference(inv.args[0])
            var q = Query()
            q.add("tag", ref.tag ?? "latest")
            let auth = try DockerConfig.load(inv.ctx.environment).registryAuthHeader(ref.domain)
            let stream = try inv.ctx.client().stream("POST", "/images/" + Query.pathEscape(ref.name) + "/push", query: q,
                                                     headers: [("X-Registry-Auth", auth)])
            let quiet = inv.flags.bool("quiet")
            try Progress.display(stream, to: quiet ? nil : inv.ctx.out)
            if quiet { inv.ctx.out.print(ref.name + ":" + (ref.tag ?? "latest")) }
            return 0
        }
    }

    /// The registry a login names: docker.io when none.
    static func domain(_ args: [String]) -> String {
        guard var s = args.first, !s.isEmpty else { return "docker.io" }
        for scheme in ["https://", "http://"] where s.hasPrefix(scheme) { s = String(s.dropFirst(scheme.count)) }
        if let slash = s.firstIndex(of: "/") { s = String(s[..<slash]) }
        return ["index.docker.io", "registry-1.docker.io", "docker.io"].contains(s) ? "docker.io" : s
    }

    static var login: Command {
        Command("login", usage: "[OPTIONS] [SERVER]", "Authenticate to a registry", args: .range(0, 1),
                flags: [Flag("username", "u", .string, "Username"), Flag("password", "p", .string, "Password"),
                        Flag("password-stdin", nil, .bool, "Take the password from stdin")]) { inv in
            let domain = domain(inv.args)
            var password = inv.flags.string("password")
            if inv.flags.bool("password-stdin") {
                if password != nil { throw CLIError("--password and --password-stdin are mutually exclusive") }
                guard inv.flags.string("username").map({ !$0.isEmpty }) ?? false else {
                    throw CLIError("Must provide --username with --password-stdin")
                }
                var text = String(decoding: (try? FileIO.readAll(fd: 0)) ?? [], as: UTF8.self)
                while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
                password = text
            } else if password != nil {
                inv.ctx.err.print("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
            }
            var config = try DockerConfig.load(inv.ctx.environment)
            let stored = try config.credentials(domain)
            guard let username = inv.flags.string("username") ?? stored?.username, !username.isEmpty,
                  let pass = password ?? (inv.flags.string("username") == nil ? stored?.password : nil), !pass.isEmpty else {
                throw CLIError("Error: Cannot perform an interactive login from a non TTY device; give -u and -p or --password-stdin")
            }
            let body = JSONValue.object(JSONObject([("username", .string(username)), ("password", .string(pass)),
                                                    ("serveraddress", .string(DockerConfig.key(domain)))]))
            try inv.ctx.client().request("POST", "/auth", json: body)
            try config.set(domain, username: username, password: pass)
            try config.save()
            inv.ctx.out.print("Login Succeeded")
            return 0
        }
    }

    static var logout: Command {
        Command("logout", usage: "[SERVER]", "Log out from a registry", args: .range(0, 1)) { inv in
            let domain = domain(inv.args)
            var config = try DockerConfig.load(inv.ctx.environment)
            guard (try? config.credentials(domain)) != nil else {
                inv.ctx.out.print("Not logged in to \(DockerConfig.key(domain))")
                return 0
            }
            inv.ctx.out.print("Removing login credentials for \(DockerConfig.key(domain))")
            try config.set(domain, username: nil, password: nil)
            try config.save()
            return 0
        }
    }
}
