import Foundation

/// How a finished program ended and what it printed. `status` is the exit code, or 128+N when
/// signal N killed it (the shell's convention, and what the daemons report).
public struct ChildResult: CustomStringConvertible, Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool

    public var description: String {
        let how = timedOut ? "timed out, killed" : "exit \(status)"
        return "[\(how)] stdout: \(stdout.debugDescription) stderr: \(stderr.debugDescription)"
    }

    /// stdout without surrounding whitespace.
    public var out: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// A program the test starts with posix_spawn and waits for with waitpid.
///
/// Not Foundation's `Process`: it learns of the exit through a descriptor the child inherits,
/// so when a daemon (a shim forked by `berth-shim start`, a container) keeps that descriptor,
/// `waitUntilExit` never returns. Here every descriptor above 2 is closed in the child, stdout
/// and stderr go to files (a pipe would not reach EOF while a daemon holds it), and one thread
/// blocks in waitpid for exactly this pid.
public final class ChildProcess: @unchecked Sendable {
    public let executable: String
    public let arguments: [String]
    public let stdoutPath: String
    public let stderrPath: String
    private let stdinPath: String
    /// Extra environment (added to, or replacing, the test process's).
    public var environment: [String: String] = [:]
    /// Start the child in a new session (setsid), detached from the test's terminal and group.
    public var newSession = false
    public private(set) var pid: pid_t = 0
    private let cond = NSCondition()
    private var rawStatus: Int32?

    /// `outputDir` receives the stdout/stderr files; `stdin` (if any) is fed from a file.
    public init(_ executable: String, _ arguments: [String], stdin: String? = nil, outputDir: String) throws {
        self.executable = executable
        self.arguments = arguments
        let tag = "\(getpid())-\(UUID().uuidString.prefix(8))"
        stdoutPath = "\(outputDir)/child-\(tag).out"
        stderrPath = "\(outputDir)/child-\(tag).err"
        if let stdin {
            stdinPath = "\(outputDir)/child-\(tag).in"
            try Data(stdin.utf8).write(to: URL(fileURLWithPath: stdinPath))
        } else {
            stdinPath = "/dev/null"
        }
    }

    public func start() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        closeInheritedDescriptors(&actions)

        // XCTest may block or ignore signals; a daemon must start from the defaults.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession { flags |= 0x80 }   // POSIX_SPAWN_SETSID, a GNU extension Swift does not import
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw HarnessError("posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        pid = child
        let waited = child
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(waited, &status, 0) < 0 && errno == EINTR {}
            cond.lock()
            rawStatus = status
            cond.broadcast()
            cond.unlock()
        }
        thread.start()
    }

    public var hasExited: Bool {
        cond.lock(); defer { cond.unlock() }
        return rawStatus != nil
    }

    public var currentStdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var currentStderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the program; past the timeout it is killed with SIGKILL and reported as timed out.
    @discardableResult
    public func wait(timeout: TimeInterval) -> ChildResult {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        cond.lock()
        while rawStatus == nil {
            if !cond.wait(until: deadline) && rawStatus == nil {
                timedOut = true
                kill(pid, SIGKILL)
                while rawStatus == nil { cond.wait() }
            }
        }
        let raw = rawStatus ?? 0
        cond.unlock()
        // WIFSIGNALED/WEXITSTATUS are macros Swift cannot import.
        let signal = raw & 0x7f
        let status: Int32 = signal != 0 ? 128 + signal : (raw >> 8) & 0xff
        return ChildResult(status: status, stdout: currentStdout, stderr: currentStderr, timedOut: timedOut)
    }

    /// SIGKILL if still running, then reap.
    public func terminate() {
        if pid > 0 && !hasExited { kill(pid, SIGKILL) }
        if pid > 0 { wait(timeout: 10) }
    }

    /// Runs a program to completion; a spawn failure is reported as status -1.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                           environment: [String: String] = [:], outputDir: String,
                           timeout: TimeInterval = 30) -> ChildResult {
        do {
            let child = try ChildProcess(executable, arguments, stdin: stdin, outputDir: outputDir)
            child.environment = environment
            try child.start()
            let result = child.wait(timeout: timeout)
            unlink(child.stdoutPath)
            unlink(child.stderrPath)
            return result
        } catch {
            return ChildResult(status: -1, stdout: "", stderr: "\(error)", timedOut: false)
        }
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np is declared only under _GNU_SOURCE, so it is
/// looked up at run time; without it every descriptor open now is closed one by one.
private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
private let addCloseFrom: AddCloseFrom? = {
    guard let handle = dlopen(nil, RTLD_NOW),
          let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: AddCloseFrom.self)
}()

private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap(Int32.init) where fd > 2 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds or the timeout passes.
public func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if condition() { return true }
        if Date() > deadline { return false }
        usleep(20_000)
    }
}
