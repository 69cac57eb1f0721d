import Foundation

/// What a finished program left behind. `status` is the exit code, or 128+signal when the
/// program was killed by a signal (the shell convention, also what runc reports).
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    var description: String {
        let how = timedOut ? "timed out, killed" : "exit \(status)"
        return "[\(how)] stdout: \(stdout.debugDescription) stderr: \(stderr.debugDescription)"
    }

    /// stdout without surrounding whitespace and with pty line endings normalised.
    var out: String { stdout.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// A child program whose stdout and stderr go to files rather than pipes: a container started by
/// `create` or `run --detach` inherits the runtime's stdio, so a pipe would not reach EOF until the
/// container itself exits.
///
/// Not Foundation's `Process`: it learns of the child's exit through a socket the child inherits,
/// so a runtime whose container process keeps that socket until it execs (crun's `create` does)
/// looks alive until the container starts. Here the child is spawned with every fd above 2
/// closed, and a thread blocks in waitpid for exactly this pid; a semaphore wakes the waiter
/// (`waitUntilExit` would poll the run loop).
final class Command: @unchecked Sendable {
    let executable: String
    let arguments: [String]
    let stdoutURL: URL
    let stderrURL: URL
    private let stdinURL: URL
    /// Files opened read-only at fds 3, 4, ... of the child (for --preserve-fds and leak checks).
    var extraFiles: [String] = []
    private(set) var pid: pid_t = 0
    private let exited = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var rawStatus: Int32?
    private var finished: CommandResult?

    init(_ executable: String, _ arguments: [String], stdin: String? = nil, outputDir: URL) throws {
        self.executable = executable
        self.arguments = arguments
        let tag = UUID().uuidString.prefix(8)
        stdoutURL = outputDir.appendingPathComponent("cmd-\(tag).out")
        stderrURL = outputDir.appendingPathComponent("cmd-\(tag).err")
        if let stdin {
            stdinURL = outputDir.appendingPathComponent("cmd-\(tag).in")
            try Data(stdin.utf8).write(to: stdinURL)
        } else {
            stdinURL = URL(fileURLWithPath: "/dev/null")
        }
    }

    func start() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinURL.path, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        closeInheritedDescriptors(&actions)
        for (index, path) in extraFiles.enumerated() {
            posix_spawn_file_actions_addopen(&actions, Int32(3 + index), path, O_RDONLY, 0)
        }

        // The test process may block or ignore signals; the runtime must start from defaults.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else {
            throw HarnessError("posix_spawn \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        let waited = child
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(waited, &status, 0) < 0 && errno == EINTR {}
            lock.lock()
            rawStatus = status
            lock.unlock()
            exited.signal()
        }
        thread.start()
    }

    /// Output written so far (the program may still be running).
    var currentStdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    /// Waits for the program; past the timeout it is killed with SIGKILL and reported as timed out.
    @discardableResult
    func wait(timeout: TimeInterval) -> CommandResult {
        lock.lock()
        if let finished { lock.unlock(); return finished }
        lock.unlock()
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(pid, SIGKILL)
            exited.wait()
        }
        lock.lock()
        defer { lock.unlock() }
        let raw = rawStatus ?? 0
        // WIFSIGNALED/WEXITSTATUS are macros Swift cannot import.
        let signal = raw & 0x7f
        let status: Int32 = signal != 0 ? 128 + signal : (raw >> 8) & 0xff
        let result = CommandResult(
            status: status,
            stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "",
            timedOut: timedOut)
        finished = result
        return result
    }

    /// Sends SIGKILL if still running and waits for it; used by teardown.
    func terminate() {
        lock.lock()
        let running = rawStatus == nil && pid > 0
        lock.unlock()
        if running { kill(pid, SIGKILL) }
        if pid > 0 { wait(timeout: 10) }
    }

    /// Runs a program to completion.
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    outputDir: URL, timeout: TimeInterval = 30) -> CommandResult {
        do {
            let command = try Command(executable, arguments, stdin: stdin, outputDir: outputDir)
            try command.start()
            return command.wait(timeout: timeout)
        } catch {
            return CommandResult(status: -1, stdout: "", stderr: "\(error)", timedOut: false)
        }
    }
}

/// No descriptor of the test process may reach the runtime (nor, through it, a container).
/// glibc's posix_spawn_file_actions_addclosefrom_np is hidden behind _GNU_SOURCE, so it is looked
/// up at run time; without it every descriptor open now is closed one by one.
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

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms until it holds or the timeout passes.
func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if condition() { return true }
        if Date() > deadline { return false }
        usleep(20_000)
    }
}
