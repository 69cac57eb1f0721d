import Foundation
import XCTest

/// Terminals that are not the create-time console socket (ConfigTests+Terminal covers that one):
/// exec with a pty handed over a console socket, and the runtime relaying a pty to its own
/// terminal when it stays in the foreground (`run`, `exec -t`), driven from a real terminal by
/// Tests/fixtures/pty-run.py.
final class TerminalTests: RuntimeTestCase {
    /// Reads a line typed at the terminal, so the relay is checked in both directions.
    static let interactive = "echo ready; read line; echo got:$line; tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-ttys; exit 3"

    private func runningContainer(_ hint: String) throws -> String {
        let id = newID(hint)
        try createAndStart(id, try makeBundle(["sleep", "1000"]))
        return id
    }

    /// runc only takes a console socket when it detaches, so the exec is --detach.
    func testExecWithTTYThroughConsoleSocket() throws {
        let id = try runningContainer("exectty")
        let receiver = try ConsoleReceiver(env: env)
        let exec = runtime(["exec", "--tty", "--detach", "--console-socket", receiver.socket.path, id,
                            "/bin/sh", "-c", "tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys"])
        XCTAssertEqual(exec.status, 0, exec.description)
        let session = receiver.finish()
        XCTAssertEqual(session.result.status, 0, "console receiver: \(session)")
        XCTAssertEqual(session.lines.count, 2, session.description)
        XCTAssertTrue(session.lines.first?.hasPrefix("/dev/pts/") ?? false, "the exec'd process has a pty: \(session)")
        XCTAssertEqual(session.lines.last, "all-ttys", "stdin, stdout and stderr are the terminal: \(session)")
        XCTAssertEqual(status(id), "running")
    }

    func testExecWithTTYAndDetachNeedsConsoleSocket() throws {
        let id = try runningContainer("exectty-nosock")
        let result = runtime(["exec", "--tty", "--detach", id, "/bin/true"])
        XCTAssertNotEqual(result.status, 0, "exec -t -d without --console-socket has nowhere to put the pty: \(result)")
        XCTAssertFalse(result.stderr.isEmpty)
        if isBerth || isRunc { XCTAssertTrue(result.stderr.contains("console socket"), result.stderr) }
        XCTAssertEqual(status(id), "running")
    }

    /// process.terminal without --console-socket in the foreground: the runtime makes the pty,
    /// puts its own terminal in raw mode and relays both ways; the container's terminal takes the
    /// size of the runtime's (24x80, set by pty-run.py).
    func testForegroundRunRelaysTerminal() throws {
        let id = newID("ttyrun")
        let bundle = try makeBundle(["sh", "-c", Self.interactive])
        bundle["process.terminal"] = true
        try prepare(bundle, for: id)
        let session = try runtimeOnTerminal(["run", "--bundle", bundle.path, id], send: ("ready", "hello\\n"))
        XCTAssertEqual(session.result.status, 3, "run passes the exit code through: \(session)")
        XCTAssertTrue(session.lines.contains("got:hello"), "typed input reached the container: \(session)")
        XCTAssertTrue(session.lines.contains { $0.hasPrefix("/dev/pts/") }, "the container has a pty: \(session)")
        // crun 1.8.1 leaves the size unset ("stty: standard input: No child processes").
        if !isCrun { XCTAssertTrue(session.lines.contains("24 80"), "the container's terminal has the runtime's size: \(session)") }
        XCTAssertTrue(session.lines.contains("all-ttys"), session.description)
        XCTAssertNotEqual(runtime(["state", id]).status, 0, "foreground run deletes the container afterwards")
        assertNothingLeft(id: id, bundle: bundle, context: "after a terminal run")
    }

    func testForegroundExecRelaysTerminal() throws {
        let id = try runningContainer("ttyexec")
        let session = try runtimeOnTerminal(["exec", "-t", id, "/bin/sh", "-c", Self.interactive], send: ("ready", "hi there\\n"))
        XCTAssertEqual(session.result.status, 3, "exec passes the exit code through: \(session)")
        XCTAssertTrue(session.lines.contains("got:hi there"), "typed input reached the process: \(session)")
        XCTAssertTrue(session.lines.contains { $0.hasPrefix("/dev/pts/") }, session.description)
        XCTAssertTrue(session.lines.contains("24 80"), session.description)
        XCTAssertTrue(session.lines.contains("all-ttys"), session.description)
        XCTAssertEqual(status(id), "running", "the exec ending leaves the container running")
    }

    /// Without process.terminal the runtime's terminal is passed through as it is: the container
    /// writes straight to it, and no pty of the container's own is made.
    func testForegroundRunWithoutTerminalUsesCallerStdio() throws {
        let id = newID("notty")
        let bundle = try makeBundle(["sh", "-c", "echo plain; exit 5"])
        try prepare(bundle, for: id)
        let session = try runtimeOnTerminal(["run", "--bundle", bundle.path, id])
        XCTAssertEqual(session.result.status, 5, session.description)
        XCTAssertEqual(session.lines, ["plain"], session.description)
    }
}
