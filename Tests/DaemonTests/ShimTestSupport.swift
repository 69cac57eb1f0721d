import Foundation
import XCTest
import Wire
import ShimAPI

/// One shim daemon started by a test through `berth-shim start`.
struct ShimHandle {
    let id: String
    let socket: String
    let stateDir: String
    let logPath: String
    /// The daemon's pid (from its shim.pid file).
    let pid: Int32
}

/// Base of the shim suites: starts shims in the sandbox's socket directory and drives them
/// through RPCClient.
class ShimTestCase: DaemonTestCase {
    private(set) var shimBinary: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        shimBinary = try Self.require(Binaries.shim)
    }

    /// `berth-shim start --id ID --socket-dir <sandbox>/shims --debug --log <sandbox>/shim-ID.log`,
    /// which must print the socket address and exit 0.
    @discardableResult
    func startShim(_ id: String, flags: [String] = ["--debug"]) throws -> ShimHandle {
        let log = "\(sandbox.root)/shim-\(id).log"
        let started = run(shimBinary, ["start", "--id", id, "--socket-dir", sandbox.shimDir, "--log", log] + flags)
        let socket = "\(sandbox.shimDir)/\(id).sock"
        guard started.status == 0, started.out == "unix://\(socket)" else {
            throw HarnessError("berth-shim start \(id): \(started); log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        let pidText = (try? String(contentsOfFile: "\(sandbox.shimDir)/\(id)/shim.pid", encoding: .utf8)) ?? ""
        guard let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("no shim.pid for \(id)")
        }
        return ShimHandle(id: id, socket: socket, stateDir: "\(sandbox.shimDir)/\(id)", logPath: log, pid: pid)
    }

    func connect(_ shim: ShimHandle) throws -> RPCClient {
        try connect(shim.socket, protocolName: ShimProtocol.name, version: ShimProtocol.version)
    }

    func createParams(_ id: String, _ bundle: TestBundle, terminal: Bool? = nil, stdin: Bool? = nil,
                      log: LogConfig? = nil) -> ShimCreateParams {
        ShimCreateParams(id: id, bundle: bundle.path, runtime: runtime.path, runtimeRoot: sandbox.runtimeRoot,
                         terminal: terminal, stdin: stdin, log: log)
    }

    /// A shim serving a created (not started) container running `args`.
    func createdTask(_ hint: String, _ args: [String], terminal: Bool = false, stdin: Bool? = nil, log: Bool = true,
                     _ edit: (TestBundle) throws -> Void = { _ in })
        throws -> (id: String, shim: ShimHandle, client: RPCClient, bundle: TestBundle, logPath: String) {
        let id = newID(hint)
        let bundle = try makeBundle(args, for: id) { b in
            b.terminal = terminal
            try edit(b)
        }
        let shim = try startShim(id)
        let client = try connect(shim)
        let logPath = "\(sandbox.root)/\(id)-json.log"
        _ = try client.call(ShimMethod.create,
                            createParams(id, bundle, terminal: terminal, stdin: stdin, log: log ? LogConfig(path: logPath) : nil),
                            PidResult.self)
        return (id, shim, client, bundle, logPath)
    }

    /// Kill (if needed), wait, delete, shut down; then nothing of `id` may remain.
    func finish(_ id: String, _ shim: ShimHandle, _ client: RPCClient, bundle: TestBundle? = nil,
                file: StaticString = #filePath, line: UInt = #line) throws {
        let state = try client.call(ShimMethod.state, ProcessRef(), ProcessState.self)
        if state.status != "stopped" {
            _ = try? client.call(ShimMethod.kill, KillParams(signal: SIGKILL, all: true), Empty.self)
            _ = try client.call(ShimMethod.wait, ProcessRef(), ExitResult.self)
        }
        _ = try client.call(ShimMethod.delete, ProcessRef(), ExitResult.self)
        _ = try client.call(ShimMethod.shutdown, Empty(), Empty.self)
        XCTAssertTrue(eventually(timeout: 5) { !ProcessTable.isAlive(shim.pid) }, "the shim did not exit after Shutdown",
                      file: file, line: line)
        assertNothingLeft(id, bundle: bundle, context: "after delete and shutdown", file: file, line: line)
    }

    /// The WireError a call throws, failing if it succeeds or throws something else.
    func wireError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> WireError? {
        do {
            try body()
            XCTFail("expected an error", file: file, line: line)
        } catch let e as WireError {
            return e
        } catch {
            XCTFail("expected a WireError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func assertCode(_ code: ErrorCode, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        if let e = wireError(body, file: file, line: line) {
            XCTAssertEqual(e.code, code, "message: \(e.message)", file: file, line: line)
        }
    }

    // MARK: events

    /// The next event named one of `names` (others are skipped), or nil after `timeout`.
    func nextEvent(_ client: RPCClient, _ names: Set<String>, timeout: TimeInterval = 10) -> (name: String, params: JSONObject)? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let left = max(0.05, deadline.timeIntervalSinceNow)
            var tv = timeval(tv_sec: Int(left), tv_usec: Int((left - left.rounded(.down)) * 1e6))
            setsockopt(client.frames.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let next = try? client.nextEvent()
            // Back to blocking reads, or a later long call (Task.Wait) would time out.
            var zero = timeval()
            setsockopt(client.frames.fd, SOL_SOCKET, SO_RCVTIMEO, &zero, socklen_t(MemoryLayout<timeval>.size))
            guard let (name, frame) = next else { return nil }
            guard names.contains(name) else { continue }
            let object = (try? JSONSerialization.jsonObject(with: Data(frame))) as? JSONObject
            return (name, object?["params"] as? JSONObject ?? [:])
        }
        return nil
    }

    /// Collects IO.Output bytes per stream until IO.Closed has come for every stream in `until`.
    func collectOutput(_ client: RPCClient, until: Set<String>, timeout: TimeInterval = 15) -> [String: String] {
        var out: [String: Data] = [:]
        var open = until
        let deadline = Date().addingTimeInterval(timeout)
        while !open.isEmpty, Date() < deadline {
            guard let (name, params) = nextEvent(client, [ShimEvent.output, ShimEvent.closed],
                                                 timeout: deadline.timeIntervalSinceNow) else { break }
            let stream = params["stream"] as? String ?? "?"
            if name == ShimEvent.closed {
                open.remove(stream)
            } else if let b64 = params["data"] as? String, let data = Data(base64Encoded: b64) {
                out[stream, default: Data()].append(data)
            }
        }
        return out.mapValues { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: json-file logs

    /// The entries of a json-file log, each a parsed object.
    func logEntries(_ path: String) -> [JSONObject] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? JSONObject
        }
    }

    func base64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
}
