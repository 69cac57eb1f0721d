import Glibc
import APIClient
import JSON
import LinuxSys

/// `berth create`, and the create step of `berth run` (with the pull when the image is missing).
enum Create {
    static var command: Command {
        Command("create", usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container", args: .atLeast(1),
                flags: ContainerFlags.shared, interspersed: false) { inv in
            let spec: ContainerSpec
            do { spec = try ContainerSpec.parse(inv.flags, inv.args, environment: inv.ctx.environment) } catch {
                throw StatusError("berth: \(error)\n\nRun '\(inv.path) --help' for more information", status: 125)
            }
            let id = try createContainer(inv, spec)
            inv.ctx.out.print(id)
            return 0
        }
    }

    /// Creates the container (pulling the image first when `--pull` says so or it is
    /// missing), prints the daemon's warnings, writes `--cidfile`; returns the id.
    static func createContainer(_ inv: Invocation, _ spec: ContainerSpec) throws -> String {
        let client = try inv.ctx.client()
        let pull = inv.flags.string("pull") ?? "missing"
        guard ["always", "missing", "never"].contains(pull) else {
            throw CLIError("invalid pull option: '\(pull)': must be one of \"always\", \"missing\" or \"never\"")
        }
        var cidFile: CIDFile?
        if let path = inv.flags.string("cidfile"), !path.isEmpty { cidFile = try CIDFile(path) }
        defer { cidFile?.abandon() }
        let ref = ImageReference(spec.image)
        if pull == "always" {
            try pullImage(inv, ref, platform: spec.platform, quiet: inv.flags.bool("quiet"))
        }
        var q = Query()
        q.addIfNotEmpty("name", spec.name)
        q.addIfNotEmpty("platform", spec.platform)
        var response: Response
        do {
            response = try client.request("POST", "/containers/create", query: q, json: spec.body)
        } catch let e as APIError where e.isNotFound && pull == "missing" && isImageMissing(e) {
            inv.ctx.err.print("Unable to find image '\(ref.familiarString)' locally")
            try pullImage(inv, ref, platform: spec.platform, quiet: inv.flags.bool("quiet"))
            response = try client.request("POST", "/containers/create", query: q, json: spec.body)
        }
        let v = (try? JSON.parse(response.body)) ?? .null
        for w in v["Warnings"].strings { inv.ctx.err.print("WARNING: \(w)") }
        let id = v["Id"].stringValue
        try cidFile?.write(id)
        return id
    }

    /// A 404 from create that is about the image, not the container (docker checks errdefs.IsNotFound on the image).
    private static func isImageMissing(_ e: APIError) -> Bool {
        guard case .daemon(_, let m) = e else { return false }
        return m.lowercased().contains("image")
    }

    /// `POST /images/create?fromImage=&tag=`, progress shown as the docker CLI shows it without a TTY.
    static func pullImage(_ inv: Invocation, _ ref: ImageReference, platform: String?, quiet: Bool) throws {
        var q = Query()
        q.add("fromImage", ref.name)
        q.add("tag", ref.apiTag)
        q.addIfNotEmpty("platform", platform)
        let stream = try inv.ctx.client().stream("POST", "/images/create", query: q, 
                                                         headers: [("X-Registry-Auth", try DockerConfig.load(inv.ctx.environment).registryAuthHeader(ref.domain))])
        try Progress.display(stream, to: quiet ? nil : inv.ctx.err)
    }
}

/// `--cidfile`: refused when it exists, removed again if the create fails.
final class CIDFile {
    let path: String
    private var written = false

    init(_ path: String) throws {
        if FileIO.exists(path) { throw CLIError("container ID file found, make sure the other container isn't running or delete \(path)") }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw CLIError("failed to create the container ID file: open \(path): \(Errno.describe(errno))") }
        close(fd)
        self.path = path
    }

    func write(_ id: String) throws {
        do { try FileIO.writeAtomic(path, Array(id.utf8), mode: 0o644, durable: false) } catch {
            throw CLIError("failed to write the container ID to the file: \(error)")
        }
        written = true
    }

    func abandon() { if !written { unlink(path) } }
}
