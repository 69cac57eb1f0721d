import Foundation
import XCTest

/// What a program wrote to the terminal it ran on, and how it exited.
struct TerminalSession: CustomStringConvertible {
    let result: CommandResult
    /// Everything written to the terminal, with pty line endings ("\r\n") made "\n".
    let transcript: String

    var lines: [String] { transcript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }

    var description: String { "\(result) terminal: \(transcript.debugDescription)" }
}

/// The receiving end of a --console-socket (Tests/fixtures/console-receiver.py), started before
/// the runtime connects to it.
final class ConsoleReceiver {
    let socket: URL
    let transcriptURL: URL
    private let command: Command

    init(env: TestEnvironment, timeout: Int = 20) throws {
        let dir = try env.makeDirectory("console")
        socket = dir.appendingPathComponent("console.sock")
        transcriptURL = dir.appendingPathComponent("transcript")
        let script = RuntimeUnderTest.fixtures.appendingPathComponent("console-receiver.py").path
        command = try Command("/usr/bin/env", ["python3", script, socket.path, transcriptURL.path, String(timeout)],
                              outputDir: env.ioDir)
        try command.start()
        guard eventually(timeout: 10, { FileManager.default.fileExists(atPath: socket.path) }) else {
            command.terminate()
            throw HarnessError("console-receiver.py did not listen on \(socket.path): \(command.wait(timeout: 1))")
        }
    }

    /// Waits until the terminal's last writer is gone, then returns what was written to it.
    func finish(timeout: TimeInterval = 20) -> TerminalSession {
        let result = command.wait(timeout: timeout)
        let raw = (try? String(contentsOf: transcriptURL, encoding: .utf8)) ?? ""
        return TerminalSession(result: result, transcript: raw.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    deinit { command.terminate() }
}

extension RuntimeTestCase {
    /// `<runtime> --root <root> args...` with stdin, stdout and stderr on a fresh terminal (24x80),
    /// through Tests/fixtures/pty-run.py: the runtime sees a user at a terminal. With `send`,
    /// `text` is typed once `marker` has appeared on the terminal.
    func runtimeOnTerminal(_ args: [String], send: (marker: String, text: String)? = nil,
                           timeout: TimeInterval = 20) throws -> TerminalSession {
        let transcript = try env.makeDirectory("pty").appendingPathComponent("transcript")
        let script = RuntimeUnderTest.fixtures.appendingPathComponent("pty-run.py").path
        var ptyArgs = [script, "--timeout", String(Int(timeout))]
        if let send { ptyArgs += ["--send-after", send.marker, send.text] }
        ptyArgs += [transcript.path, runtimeBinary.path, "--root", env.stateRoot] + args
        let result = Command.run("/usr/bin/env", ["python3"] + ptyArgs, outputDir: env.ioDir, timeout: timeout + 10)
        let raw = (try? String(contentsOf: transcript, encoding: .utf8)) ?? ""
        return TerminalSession(result: result, transcript: raw.replacingOccurrences(of: "\r\n", with: "\n"))
    }
}
