import Glibc
import LinuxSys
import Wire
import ShimAPI

/// Starts shims and talks to them: `berth-shim start` / `delete` as programs,
/// everything else over the shim's socket with short-lived clients.
public struct ShimLauncher: Sendable {
    public let binary: String
    public let socketDir: String
    public let debug: Bool
    public let trace: Bool
    let log: Logger

    public init(binary: String, socketDir: String, debug: Bool, trace: Bool, log: Logger) {
        self.binary = binary; self.socketDir = socketDir; self.debug = debug; self.trace = trace; self.log = log
    }

    /// Where the shim of `id` listens, before it is even started.
    public func socketPath(_ id: String) -> String { "\(socketDir)/\(id).sock" }

    /// The shim's own log, kept only with --debug or --trace (a shim's stdio is /dev/null).
    public func logPath(_ id: String) -> String? { debug || trace ? "\(socketDir)/\(id).log" : nil }

    /// Runs `berth-shim start`; returns the socket path it printed once it serves.
    public func start(id: String) throws -> String {
        var args = ["start", "--id", id, "--socket-dir", socketDir]
        if debug { args.append("--debug") }
        if trace { args.append("--trace") }
        if let log = logPath(id) { args += ["--log", log] }
        let out: ChildProcess.Output
        do {
            out = try ChildProcess.run(binary, args, timeout: 30)
        } catch {
            throw WireError.internal("start shim for task \"\(id)\": \(error)")
        }
        let printed = out.stdout.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
        guard out.status == 0 else {
            throw WireError.internal("\(binary) start --id \(id): exit status \(out.status): \(Self.message(out))")
        }
        let address = printed.trimming(" \t")
        guard address.hasPrefix("unix://"), address.count > "unix://".count else {
            throw WireError.internal("\(binary) start --id \(id) printed \"\(address)\", not a unix:// address")
        }
        log.debug("task \(id): shim serves \(address)")
        return String(address.dropFirst("unix://".count))
    }

    /// `berth-shim delete`: cleans up after a shim that can no longer be reached
    /// (kills and deletes the container, removes the shim's state). Returns the exit
    /// it reports, nil when it could not tell.
    @discardableResult
    public func delete(id: String) -> ExitResult? {
        var args = ["delete", "--id", id, "--socket-dir", socketDir]
        if debug { args.append("--debug") }
        do {
            let out = try ChildProcess.run(binary, args, timeout: 60)
            guard out.status == 0 else {
                log.warn("task \(id): \(binary) delete: exit status \(out.status): \(Self.message(out))")
                return nil
            }
            let json = out.stdout.trimming(" \t\n\r")
            guard !json.isEmpty else { return nil }
            return try WireJSON.decode(ExitResult.self, from: Array(json.utf8))
        } catch {
            log.warn("task \(id): \(binary) delete: \(error)")
            return nil
        }
    }

    /// A fresh connection to the shim of `id` at `path`; the caller closes it.
    public func connect(id: String, path: String) throws -> RPCClient {
        do {
            return try RPCClient(path: path, protocolName: ShimProtocol.name, version: ShimProtocol.version,
                                 clientName: "berth-supervisor", trace: traceSink(id))
        } catch let e as WireError {
            throw WireError(e.code == .failedPrecondition ? .failedPrecondition : .unavailable,
                            "task \"\(id)\": shim unreachable: \(e.message)")
        } catch {
            throw WireError.unavailable("task \"\(id)\": shim unreachable: \(error)")
        }
    }

    /// One call on its own connection.
    public func call<P: Encodable, R: Decodable>(id: String, path: String, _ method: String, _ params: P,
                                                 _ type: R.Type) throws -> R {
        let client = try connect(id: id, path: path)
        defer { client.close() }
        return try client.call(method, params, type)
    }

    func traceSink(_ id: String) -> (@Sendable (String) -> Void)? {
        guard trace else { return nil }
        let log = self.log
        return { line in log.line("shim[\(id)] \(line)") }
    }

    /// The pid on the other end of a connected Unix socket: the shim daemon itself
    /// (it called listen), whatever chain of processes started it.
    public static func peerPid(_ client: RPCClient) -> Int32 {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: Glibc hides it without _GNU_SOURCE.
        var cred: [Int32] = [0, 0, 0]
        var len = socklen_t(3 * MemoryLayout<Int32>.size)
        guard getsockopt(client.frames.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 else { return 0 }
        return cred[0]
    }

    private static func message(_ out: ChildProcess.Output) -> String {
        let err = out.stderr.trimming(" \t\n\r")
        if !err.isEmpty { return String(err.split(separator: "\n").suffix(3).joined(separator: "; ")) }
        let o = out.stdout.trimming(" \t\n\r")
        return o.isEmpty ? "no output" : o
    }
}

extension String {
    func trimming(_ set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
