import JSON
import LinuxSys

/// One message of a progress stream (`jsonmessage.JSONMessage`): load, import, pull.
public struct ProgressMessage: Sendable {
    public var stream: String?
    public var status: String?
    public var id: String?
    public var progress: String?
    public var error: String?
    public var aux: JSONValue?

    public init(_ v: JSONValue) {
        func str(_ k: String) -> String? { if case .object(let o) = v, case .string(let s)? = o[k] { return s }; return nil }
        stream = str("stream")
        status = str("status")
        id = str("id")
        progress = str("progress")
        if case .object(let o) = v {
            aux = o["aux"]
            if case .object(let e)? = o["errorDetail"], case .string(let m)? = e["message"] { error = m }
        }
        if error == nil { error = str("error") }
    }
}

extension StreamingResponse {
    /// Calls `body` with each JSON document of a newline-delimited stream (events, stats,
    /// progress); blank lines are skipped. Returns when the daemon ends the stream.
    public func forEachJSON(_ body: (JSONValue) throws -> Bool) throws {
        while let line = try readLine() {
            if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            let v: JSONValue
            do { v = try JSON.parse(line) } catch {
                throw APIError.transport("invalid JSON in stream from daemon: \(error)")
            }
            if try !body(v) { close(); return }
        }
    }
}
