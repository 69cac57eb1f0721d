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
/// container itself exits. Waiting uses the termination handler and a semaphore, because
/// `waitUntilExit` spins the run loop and costs tens of milliseconds per call.
final class Command: @unchecked Sendable {
    let executable: String
    let arguments: [String]
    let stdoutURL: URL
    let stderrURL: URL
    private let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private var finished: CommandResult?

    init(_ executable: String, _ arguments: [String], stdin: String? = nil, outputDir: URL) throws {
        self.executable = executable
        self.arguments = arguments
        let tag = UUID().uuidString.prefix(8)
        stdoutURL = outputDir.appendingPathComponent("cmd-\(tag).out")
        stderrURL = outputDir.appendingPathComponent("cmd-\(tag).err")
        let fm = FileManager.default
        guard fm.createFile(atPath: stdoutURL.path, contents: nil),
              fm.createFile(atPath: stderrURL.path, contents: nil) else {
            throw HarnessError("cannot create output files in \(outputDir.path)")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdin {
            let inURL = outputDir.appendingPathComponent("cmd-\(tag).in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let semaphore = exited
        process.terminationHandler = { _ in semaphore.signal() }
    }

    var pid: Int32 { process.processIdentifier }

    func start() throws {
        do {
            try process.run()
        } catch {
            throw HarnessError("cannot start \(executable): \(error)")
        }
    }

    /// Output written so far (the program may still be running).
    var currentStdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    /// Waits for the program; past the timeout it is killed with SIGKILL and reported as timed out.
    @discardableResult
    func wait(timeout: TimeInterval) -> CommandResult {
        if let finished { return finished }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        let status: Int32 = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
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
        if finished == nil && process.isRunning { kill(process.processIdentifier, SIGKILL) }
        wait(timeout: 10)
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
