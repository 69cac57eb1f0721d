import Glibc
import JSON
import Wire
import ShimAPI
import SupervisorAPI
import OCISpec

/// How berth-ctl reaches the daemons: one new connection per concurrent call,
/// each traced to stderr with --trace.
struct Endpoint: Sendable {
    let path: String
    let protocolName: String
    let version: Int
    let trace: Bool

    static func supervisor(_ address: String, trace: Bool) -> Endpoint {
        Endpoint(path: stripUnix(address), protocolName: SupervisorProtocol.name, version: SupervisorProtocol.version, trace: trace)
    }

    static func shim(_ address: String, trace: Bool) -> Endpoint {
        Endpoint(path: stripUnix(address), protocolName: ShimProtocol.name, version: ShimProtocol.version, trace: trace)
    }

    /// "berth-ctl #12.3 > {...}" as "> {...}".
    static func withoutPrefix(_ line: String) -> String {
        let u = Array(line.utf8)
        guard let brace = u.firstIndex(of: UInt8(ascii: "{")), brace >= 2,
              u[brace - 1] == UInt8(ascii: " "), u[brace - 2] == UInt8(ascii: ">") || u[brace - 2] == UInt8(ascii: "<") else { return line }
        return String(decoding: u[(brace - 2)...], as: UTF8.self)
    }

    static func stripUnix(_ a: String) -> String { a.hasPrefix("unix://") ? String(a.dropFirst(7)) : a }

    func connect() throws -> RPCClient {
        // `> {...}` for what we send, `< {...}` for what we receive.
        var sink: (@Sendable (String) -> Void)?
        if trace {
            sink = { line in
                Out.err(Endpoint.withoutPrefix(line))
            }
        }
        return try RPCClient(path: path, protocolName: protocolName, version: version, clientName: "berth-ctl", trace: sink)
    }
}

/// The process operations of one task, through the supervisor (`berth-ctl VERB`) or
/// straight through its shim (`berth-ctl shim --socket S VERB`): the params differ,
/// the flow of run/exec/attach does not.
struct TaskTarget: Sendable {
    let id: String
    let control: Endpoint
    let viaShim: Bool

    private func ref(_ execID: String?) -> any Encodable & Sendable {
        viaShim ? ProcessRef(execID: execID) as any Encodable & Sendable : TaskRef(id: id, execID: execID)
    }

    func start(_ c: RPCClient, execID: String?) throws -> Int32 {
        try c.call(viaShim ? ShimMethod.start : SupervisorMethod.start, AnyParams(ref(execID)), PidResult.self).pid
    }

    func wait(_ c: RPCClient, execID: String?) throws -> ExitResult {
        try c.call(viaShim ? ShimMethod.wait : SupervisorMethod.wait, AnyParams(ref(execID)), ExitResult.self)
    }

    func delete(_ c: RPCClient, execID: String?) throws -> ExitResult {
        try c.call(viaShim ? ShimMethod.delete : SupervisorMethod.delete, AnyParams(ref(execID)), ExitResult.self)
    }

    func kill(_ c: RPCClient, execID: String?, signal: Int32, all: Bool) throws {
        if viaShim {
            _ = try c.call(ShimMethod.kill, KillParams(execID: execID, signal: signal, all: all ? true : nil), Empty.self)
        } else {
            _ = try c.call(SupervisorMethod.kill, TaskKillParams(id: id, execID: execID, signal: signal, all: all ? true : nil), Empty.self)
        }
    }

    func resize(_ c: RPCClient, execID: String?, width: UInt16, height: UInt16) throws {
        if viaShim {
            _ = try c.call(ShimMethod.resizePty, ResizeParams(execID: execID, width: width, height: height), Empty.self)
        } else {
            _ = try c.call(SupervisorMethod.resizePty, TaskResizeParams(id: id, execID: execID, width: width, height: height), Empty.self)
        }
    }

    func exec(_ c: RPCClient, execID: String, process: Process, stdin: Bool) throws {
        if viaShim {
            _ = try c.call(ShimMethod.exec, ExecParams(execID: execID, process: process, stdin: stdin), Empty.self)
        } else {
            _ = try c.call(SupervisorMethod.exec, TaskExecParams(id: id, execID: execID, process: process, stdin: stdin), Empty.self)
        }
    }

    /// The bundle of the task, for exec's process template.
    func bundle(_ c: RPCClient) throws -> String {
        if viaShim { return try c.call(ShimMethod.state, ProcessRef(), ProcessState.self).bundle }
        return try c.call(SupervisorMethod.get, TaskRef(id: id), TaskInfo.self).bundle
    }
}

/// Encodes an existential params value as itself.
struct AnyParams: Encodable, Sendable {
    let value: any Encodable & Sendable
    init(_ v: any Encodable & Sendable) { value = v }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

enum JSONOut {
    /// Sorted JSON, two-space indented, `"key": value`, empty containers as {} and [],
    /// as `get`, `state` and `stats` print it.
    static func print<T: Encodable>(_ v: T) throws {
        Out.write(1, try JSON.encode(v, sortedKeys: true, pretty: true) + [10])
    }
}
