import Glibc
import LinuxSys

/// `berth-shim start|serve|delete --id ID --socket-dir DIR [--debug] [--trace] [--log FILE]`.
public struct ShimOptions: Sendable {
    public enum Command: String, Sendable { case start, serve, delete }
    public var command: Command
    public var id: String
    public var socketDir: String
    public var debug = false
    public var trace = false
    public var logFile: String?
    /// serve only: the descriptor `start` waits on; "ok" or an error is written to it.
    public var readyFd: Int32?

    public static let usage = """
        usage: berth-shim start  --id ID --socket-dir DIR [--debug] [--trace] [--log FILE]
               berth-shim serve  --id ID --socket-dir DIR [--debug] [--trace] [--log FILE]
               berth-shim delete --id ID --socket-dir DIR

          start   fork the shim daemon for container ID, print its address once it serves
          serve   run the shim daemon in the foreground
          delete  clean up after a shim that can no longer be reached; print the exit as JSON

        The daemon listens on DIR/ID.sock and keeps its state in DIR/ID/.
        """

    public init(arguments: [String]) throws {
        guard let first = arguments.first else { throw RuntimeError("no command given\n" + Self.usage) }
        guard let command = Command(rawValue: first) else { throw RuntimeError("unknown command \"\(first)\"\n" + Self.usage) }
        var values: [String: String] = [:]
        var i = 1
        while i < arguments.count {
            let arg = arguments[i]
            // --flag=value as well as --flag value.
            var flag = arg
            var value: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                value = String(arg[arg.index(after: eq)...])
            }
            switch flag {
            case "--debug", "--trace":
                values[flag] = value ?? "true"
            case "--id", "--socket-dir", "--log", "--ready-fd":
                if value == nil {
                    i += 1
                    guard i < arguments.count else { throw RuntimeError("\(flag) needs a value") }
                    value = arguments[i]
                }
                values[flag] = value
            default:
                throw RuntimeError("unknown flag \"\(arg)\"\n" + Self.usage)
            }
            i += 1
        }
        guard let id = values["--id"] else { throw RuntimeError("--id is required") }
        guard let dir = values["--socket-dir"], !dir.isEmpty else { throw RuntimeError("--socket-dir is required") }
        try Self.validate(id: id)
        if let fd = values["--ready-fd"] {
            guard let n = Int32(fd), n > 2 else { throw RuntimeError("--ready-fd: \"\(fd)\" is not a descriptor above 2") }
            readyFd = n
        }
        self.command = command
        self.id = id
        socketDir = Self.absolute(dir)
        logFile = values["--log"].map(Self.absolute)
        debug = values["--debug"].map { $0 != "false" } ?? false
        trace = values["--trace"].map { $0 != "false" } ?? false
        let socket = "\(socketDir)/\(id).sock"
        guard socket.utf8.count < 108 else {
            throw RuntimeError("socket path \(socket) is \(socket.utf8.count) bytes; a Unix socket path must be under 108")
        }
    }

    /// Ids name files and sockets: letters, digits, `_ . -`, not starting with a dot.
    public static func validate(id: String) throws {
        let ok = !id.isEmpty && id.utf8.count <= 128 && id.first != "." && id.first != "-"
            && id.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x5f || c == 0x2e || c == 0x2d
            }
        guard ok else {
            throw RuntimeError("invalid id \"\(id)\": use 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")
        }
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        guard buf.withUnsafeMutableBufferPointer({ getcwd(UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count) }) != nil else { return path }
        let cwd = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        return cwd == "/" ? "/" + path : cwd + "/" + path
    }

    public var paths: ShimPaths { ShimPaths(socketDir: socketDir, id: id) }
    public var socketPath: String { paths.socket }
}

/// Every file of one shim: `<dir>/<id>.sock` and the state directory `<dir>/<id>/`.
public struct ShimPaths: Sendable {
    public let socketDir: String
    public let id: String
    public var socket: String { "\(socketDir)/\(id).sock" }
    public var address: String { "unix://\(socket)" }
    public var stateDir: String { "\(socketDir)/\(id)" }
    /// The create params, written before the runtime is called (read by `berth-shim delete`).
    public var taskFile: String { "\(stateDir)/task.json" }
    public var shimPidFile: String { "\(stateDir)/shim.pid" }
    public var initPidFile: String { "\(stateDir)/init.pid" }
    public var initExitFile: String { "\(stateDir)/exit.json" }
    public var runtimeLog: String { "\(stateDir)/runtime.log" }
    public func execSpec(_ execID: String) -> String { "\(stateDir)/exec-\(execID).json" }
    public func execPidFile(_ execID: String) -> String { "\(stateDir)/exec-\(execID).pid" }
    public func execExitFile(_ execID: String) -> String { "\(stateDir)/exec-\(execID).exit.json" }
    /// Short names: a Unix socket path is limited to 107 bytes. When the state directory is
    /// too deep for that (a long --exec-root), the socket goes next to the shim sockets under
    /// a name derived from the task ID; it lives only until the runtime has sent the master.
    public func consoleSocket(_ n: Int) -> String {
        let natural = "\(stateDir)/pty\(n).sock"
        if natural.utf8.count <= 107 { return natural }
        // FNV-1a: short, and distinct for IDs that share a long prefix.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return "\(socketDir)/\(String(repeating: "0", count: 16 - hex.count) + hex)-pty\(n).sock"
    }
}
