import Glibc
import CLinux
import LinuxSys
import Wire

/// A failed runtime command, with the runtime's own message (from its JSON log).
public struct RuntimeFailure: Error, CustomStringConvertible, Sendable {
    public let verb: String
    public let message: String
    public var description: String { "OCI runtime \(verb) failed: \(message)" }
    /// "does not exist" in runc, crun and berth-runtime wording.
    public var isNotExist: Bool {
        let m = Array(message.lowercased().utf8)
        return m.contains(bytes: "does not exist") || m.contains(bytes: "not found") || m.contains(bytes: "no such")
    }
}

extension Array where Element == UInt8 {
    /// A plain byte search: String.contains(String) comes from _StringProcessing, which would
    /// link the regex engine into the shim's binary.
    func contains(bytes needle: StaticString) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard !n.isEmpty, n.count <= count else { return n.isEmpty }
        for start in 0...(count - n.count) where self[start] == n[0] {
            var i = 1
            while i < n.count && self[start + i] == n[i] { i += 1 }
            if i == n.count { return true }
        }
        return false
    }
}

/// Runs the OCI runtime's runc-compatible command line:
/// `<runtime> [--root R] --log <state>/runtime.log --log-format json <verb> ...`.
/// Errors come from the JSON log (what containerd reads back from runc), because during
/// create and exec the runtime's stdout and stderr belong to the container.
public struct RuntimeRunner: Sendable {
    public let path: String
    public let root: String?
    public let logPath: String
    let reaper: Reaper

    public init(path: String, root: String?, logPath: String, reaper: Reaper) {
        self.path = path; self.root = root; self.logPath = logPath; self.reaper = reaper
    }

    /// Finds the runtime: a path is taken as it is; a name is looked up next to the shim's own
    /// binary (where berth-runtime is installed beside it), then on PATH.
    public static func resolve(_ name: String) throws -> String {
        if name.isEmpty { throw WireError.invalid("params.runtime: empty runtime name") }
        if name.utf8.contains(UInt8(ascii: "/")) {
            guard access(name, X_OK) == 0 else {
                throw WireError.invalid("runtime \(name): \(Errno.describe(errno))")
            }
            return name
        }
        var dirs: [String] = []
        if let exe = try? readLink("/proc/self/exe") { dirs.append(FileIO.parent(of: exe)) }
        let pathVar = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        dirs += pathVar.split(separator: ":").map(String.init)
        for dir in dirs where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        throw WireError.invalid("runtime \"\(name)\" not found next to the shim or on PATH (\(pathVar))")
    }

    static func readLink(_ path: String) throws -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try sys("readlink", path) { readlink(path, &buf, buf.count - 1) }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func argv(_ args: [String]) -> [String] {
        var out = [path]
        if let root { out += ["--root", root] }
        out += ["--log", logPath, "--log-format", "json"]
        return out + args
    }

    /// Runs `args`; `stdio` for create and exec (the container's), else the output is captured.
    /// `input` goes to stdin (update -r -). Returns captured stdout.
    @discardableResult
    public func run(_ args: [String], stdio: Reaper.Stdio? = nil, input: [UInt8]? = nil) throws -> [UInt8] {
        let verb = args.first ?? "?"
        let logStart = Self.size(of: logPath)
        var own: [Int32] = []
        defer { own.forEach { close($0) } }
        var io: Reaper.Stdio
        var captured: Int32 = -1
        if let stdio {
            io = stdio
        } else {
            // memfds, not pipes: nothing can block, and a process the runtime leaves behind
            // holding the descriptor cannot make us wait for an end of file.
            let out = try sys("memfd_create", "runtime output") { berth_memfd_create("runtime-out", 1 /* MFD_CLOEXEC */) }
            own.append(out)
            captured = out
            var inFd: Int32
            if let input {
                inFd = try sys("memfd_create", "runtime input") { berth_memfd_create("runtime-in", 1 /* MFD_CLOEXEC */) }
                own.append(inFd)
                try FileIO.writeAll(fd: inFd, input)
                lseek(inFd, 0, SEEK_SET)
            } else {
                inFd = try sys("open", "/dev/null") { open("/dev/null", O_RDONLY | O_CLOEXEC) }
                own.append(inFd)
            }
            io = Reaper.Stdio(stdin: inFd, stdout: out, stderr: out)
        }
        let pid = try reaper.spawn(path, argv(args), stdio: io)
        let exit = reaper.wait(pid)
        var output: [UInt8] = []
        if captured >= 0 {
            lseek(captured, 0, SEEK_SET)
            output = (try? FileIO.readAll(fd: captured)) ?? []
        }
        guard exit.exitStatus == 0 else {
            var message = Self.lastError(in: logPath, from: logStart)
            if message == nil, !output.isEmpty {
                message = String(decoding: output, as: UTF8.self).split(separator: "\n").last.map(String.init)
            }
            throw RuntimeFailure(verb: verb, message: message ?? "\(FileIO.base(of: path)) exited with status \(exit.exitStatus)")
        }
        return output
    }

    static func size(of path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    private struct LogLine: Decodable {
        var level: String?
        var msg: String?
    }

    /// The last error-level message the runtime logged after `offset`.
    static func lastError(in path: String, from offset: Int) -> String? {
        guard let bytes = try? FileIO.read(path: path), bytes.count > offset else { return nil }
        var last: String?
        var lastAny: String?
        for line in bytes[offset...].split(separator: 0x0a) where !line.isEmpty {
            guard let entry = try? ShimJSON.decode(LogLine.self, line), let msg = entry.msg else {
                // Not JSON: a runtime that ignores --log-format; keep its text.
                lastAny = String(decoding: line, as: UTF8.self)
                continue
            }
            lastAny = msg
            if entry.level == "error" || entry.level == "fatal" { last = msg }
        }
        return last ?? lastAny
    }
}
