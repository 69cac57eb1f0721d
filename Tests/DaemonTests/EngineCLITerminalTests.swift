import Foundation
import XCTest

/// `run -it` and `exec -it` from a real terminal (Tests/fixtures/pty-run.py), through the
/// `berth` CLI and the docker CLI: input reaches the shell, its output and exit status come
/// back, and the terminal's size (at start and after a resize) reaches the container.
final class EngineCLITerminalTests: EngineTestCase {
    /// The berth CLI on a terminal.
    private func berthOnTerminal(_ args: [String], size: String = "24x80", steps: [String]) throws -> (ChildResult, String) {
        onTerminal(try EngineHarness.binary("berth"), args, environment: ["BERTH_HOST": engine.host], size: size, steps: steps)
    }

    /// The docker CLI on a terminal.
    private func dockerOnTerminal(_ args: [String], size: String = "24x80", steps: [String]) -> (ChildResult, String) {
        onTerminal("/usr/local/bin/docker", args, environment: ["DOCKER_HOST": engine.host, "DOCKER_CONFIG": engine.root + "/docker-config"],
                   size: size, steps: steps)
    }

    /// Typed once the shell's prompt is up; `6*7` is computed inside, so 42 in the output
    /// cannot be the terminal's echo of the input.
    private let answer = ["--send-after", "# ", "echo $((6*7)); exit 3\\n"]

    func testBerthRunInteractive() throws {
        let (r, transcript) = try berthOnTerminal(["run", "-it", "--rm", "busybox", "sh"], steps: answer)
        XCTAssertEqual(r.status, 3, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n42\n"), transcript.debugDescription)
        XCTAssertEqual(try berthOK(["ps", "-aq"]), "", "--rm left the container")
    }

    func testDockerRunInteractive() throws {
        let (r, transcript) = dockerOnTerminal(["run", "-it", "--rm", "busybox", "sh"], steps: answer)
        XCTAssertEqual(r.status, 3, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n42\n"), transcript.debugDescription)
        XCTAssertEqual(try berthOK(["ps", "-aq"]), "", "--rm left the container")
    }

    func testBerthExecInteractive() throws {
        try berthOK(["run", "-d", "--name", "shell", "busybox", "sleep", "1000"])
        let (r, transcript) = try berthOnTerminal(["exec", "-it", "shell", "sh"], steps: answer)
        XCTAssertEqual(r.status, 3, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n42\n"), transcript.debugDescription)
        XCTAssertEqual(field("{{.State.Running}}", "shell"), "true")
        // The docker CLI's exec -it against berthd, the same way.
        let (d, dTranscript) = dockerOnTerminal(["exec", "-it", "shell", "sh"], steps: answer)
        XCTAssertEqual(d.status, 3, "\(d)\ntranscript: \(dTranscript.debugDescription)")
        XCTAssertTrue(dTranscript.contains("\n42\n"), dTranscript.debugDescription)
    }

    /// The size the terminal has when the container starts, then a resize while it runs
    /// (SIGWINCH to the CLI, which tells berthd, which resizes the container's terminal).
    /// The loop waits for the new size without naming it, so the echo of what was typed
    /// cannot be mistaken for the answer. The pause before the resize is for the docker CLI,
    /// which starts watching SIGWINCH only after the start returns (a shell this quick can
    /// answer before that; until then it forwards the signal as a kill, not a resize).
    private let resize = [
        "--send-after", "# ", "stty size; sleep 0.3; echo $((20+3))ready\\n",
        "--resize-after", "23ready", "40x100",
        "--send-after", "# ", "for i in $(seq 50); do [ \"$(stty size)\" = \"$((39+1)) $((99+1))\" ] && break; sleep 0.1; done; stty size; exit\\n",
    ]

    func testBerthRunResize() throws {
        let (r, transcript) = try berthOnTerminal(["run", "-it", "--rm", "busybox", "sh"], size: "33x111", steps: resize)
        XCTAssertEqual(r.status, 0, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n33 111\n"), "initial size not passed: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n40 100\n"), "resize not passed: \(transcript.debugDescription)")
    }

    func testBerthExecResize() throws {
        try berthOK(["run", "-d", "--name", "sized", "busybox", "sleep", "1000"])
        let (r, transcript) = try berthOnTerminal(["exec", "-it", "sized", "sh"], size: "33x111", steps: resize)
        XCTAssertEqual(r.status, 0, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n33 111\n"), "initial size not passed: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n40 100\n"), "resize not passed: \(transcript.debugDescription)")
    }

    func testDockerRunResize() throws {
        let (r, transcript) = dockerOnTerminal(["run", "-it", "--rm", "busybox", "sh"], size: "33x111", steps: resize)
        XCTAssertEqual(r.status, 0, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n33 111\n"), "initial size not passed: \(transcript.debugDescription)")
        XCTAssertTrue(transcript.contains("\n40 100\n"), "resize not passed: \(transcript.debugDescription)")
    }

    /// ctrl-p ctrl-q leaves the container running and `attach` picks its terminal up again;
    /// `-it` without a terminal is refused.
    func testDetachAttachAndNoTerminal() throws {
        let detach = ["--send-after", "# ", "\\x10\\x11"]
        let (r, transcript) = try berthOnTerminal(["run", "-it", "--name", "detach", "busybox", "sh"], steps: detach)
        XCTAssertEqual(r.status, 0, "\(r)\ntranscript: \(transcript.debugDescription)")
        XCTAssertEqual(field("{{.State.Running}}", "detach"), "true", "the shell did not survive the detach")
        let (d, dTranscript) = dockerOnTerminal(["run", "-it", "--name", "detach2", "busybox", "sh"], steps: detach)
        XCTAssertEqual(d.status, 0, "\(d)\ntranscript: \(dTranscript.debugDescription)")
        XCTAssertEqual(field("{{.State.Running}}", "detach2"), "true", "the shell did not survive the docker CLI's detach")
        // Typed before anything is shown: attach prints nothing until the shell answers.
        let (a, aTranscript) = try berthOnTerminal(["attach", "detach"], steps: ["--send-after", "", "echo $((6*7)); exit 4\\n"])
        XCTAssertEqual(a.status, 4, "\(a)\ntranscript: \(aTranscript.debugDescription)")
        XCTAssertTrue(aTranscript.contains("\n42\n"), aTranscript.debugDescription)
        XCTAssertEqual(field("{{.State.Status}} {{.State.ExitCode}}", "detach"), "exited 4")
        let notTTY = try berthExpect(1, ["run", "-it", "--rm", "busybox", "true"])
        XCTAssertTrue(notTTY.stderr.contains("the input device is not a TTY"), notTTY.stderr)
        try sameAsDocker(["run", "-it", "--rm", "busybox", "true"], stderr: true)
    }
}
