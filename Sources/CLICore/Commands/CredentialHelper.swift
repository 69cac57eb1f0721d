import CLinux
import Glibc
import JSON
import LinuxSys

/// Docker's credential helper protocol: `docker-credential-<name> get|store|erase`, found on
/// PATH, reads the server (or a JSON {ServerURL, Username, Secret}) on stdin and answers on
/// stdout; a failing `get` prints why (e.g. "credentials not found in native keychain").
struct CredentialHelper {
    let name: String
    var program: String { "docker-credential-" + name }

    /// The stored credentials, nil when the helper has none for `server`.
    func get(_ server: String) throws -> (username: String, password: String)? {
        let (status, out) = try run("get", Array(server.utf8))
        guard status == 0 else {
            if String(decoding: out, as: UTF8.self).contains("credentials not found") { return nil }
            throw CLIError("error getting credentials - err: exit status \(status), out: `\(text(out))`")
        }
        guard case .object(let o)? = try? JSON.parse(out), case .string(let user)? = o["Username"],
              case .string(let secret)? = o["Secret"] else {
            throw CLIError("error getting credentials - \(program) answered invalid JSON: `\(text(out))`")
        }
        return (user, secret)
    }

    func store(_ server: String, username: String, password: String) throws {
        let body = JSONValue.object(JSONObject([("ServerURL", .string(server)), ("Username", .string(username)),
                                                ("Secret", .string(password))]))
        let (status, out) = try run("store", JSON.serialize(body))
        guard status == 0 else { throw CLIError("error storing credentials - err: exit status \(status), out: `\(text(out))`") }
    }

    func erase(_ server: String) throws {
        let (status, out) = try run("erase", Array(server.utf8))
        guard status == 0 else { throw CLIError("error erasing credentials - err: exit status \(status), out: `\(text(out))`") }
    }

    private func text(_ out: [UInt8]) -> String {
        var s = String(decoding: out, as: UTF8.self)
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }

    /// Runs the helper with `input` on stdin; stderr goes to ours. The input is a few hundred
    /// bytes, far below a pipe's buffer, so writing it all before reading cannot deadlock.
    private func run(_ action: String, _ input: [UInt8]) throws -> (Int32, [UInt8]) {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1]
        try sys("pipe2", "for \(program) stdin") { berth_pipe_cloexec(&inPipe) }
        defer { inPipe.forEach { if $0 >= 0 { close($0) } } }
        try sys("pipe2", "for \(program) stdout") { berth_pipe_cloexec(&outPipe) }
        defer { outPipe.forEach { if $0 >= 0 { close($0) } } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(program), strdup(action), nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, nil, argv, environ)
        guard rc == 0 else {
            throw CLIError("error getting credentials - err: exec: \"\(program)\": \(String(cString: strerror(rc))); "
                           + "install it on PATH or remove it from config.json")
        }
        close(inPipe[0]); inPipe[0] = -1
        close(outPipe[1]); outPipe[1] = -1
        // A helper that exits without reading its input is answered by its exit status.
        let old = signal(SIGPIPE, SIG_IGN)
        try? FileIO.writeAll(fd: inPipe[1], input)
        signal(SIGPIPE, old)
        close(inPipe[1]); inPipe[1] = -1
        let out = (try? FileIO.readAll(fd: outPipe[0])) ?? []
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        return (shellStatus(raw), out)
    }
}
