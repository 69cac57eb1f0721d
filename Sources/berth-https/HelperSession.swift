import Glibc
import JSON
import LinuxSys
import Registry
import Wire

/// One request from berthd: sent through URLSession, the answer streamed back in frames.
struct HelperSession {
    let conn: FrameConnection
    let transport: any HTTPTransport

    func serve() {
        defer { conn.close() }
        let request: HelperRequest
        let url: HTTPURL
        do {
            request = try JSON.decode(HelperRequest.self, from: conn.readFrame())
            url = try HTTPURL(parsing: request.url)
        } catch {
            reply(HelperReply(.transport("berth-https: bad request: \(error)")))
            return
        }
        let req = HTTPClientRequest(request.method, url, headers: request.headers.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
        let response: any TransportResponse
        do {
            if let length = request.bodyLength {
                response = try transport.send(req, body: FrameBodySource(conn), length: length)
            } else {
                response = try transport.send(req, body: nil, length: 0)
            }
        } catch {
            reply(HelperReply(error))
            return
        }
        defer { response.close() }
        reply(HelperReply(status: response.status, headers: response.headers.map { [$0.0, $0.1] }))
        var buf = [UInt8](repeating: 0, count: HelperReply.frameSize)
        while true {
            let n: Int
            do {
                n = try buf.withUnsafeMutableBytes { try response.read(into: $0) }
            } catch {
                let e = error as? RegistryError ?? .transport("\(error)")
                _ = try? conn.writeFrame([])
                reply(HelperReply(e))
                return
            }
            if n == 0 { break }
            // berthd went away (the pull was cancelled): stop fetching.
            guard (try? conn.writeFrame(Array(buf[0..<n]))) != nil else { return }
        }
        _ = try? conn.writeFrame([])
        reply(HelperReply())
    }

    private func reply(_ r: HelperReply) {
        if let bytes = try? JSON.encode(r) { _ = try? conn.writeFrame(bytes) }
    }
}

/// Counts open requests and the time since the last one ended.
final class HelperActivity: @unchecked Sendable {
    private let lock = Lock()
    private var active = 0
    private var since = ChildProcess.monotonicNow()

    func begin() { lock.with { active += 1 } }
    func end() { lock.with { active -= 1; since = ChildProcess.monotonicNow() } }
    func idleFor() -> Double { lock.with { active > 0 ? 0 : ChildProcess.monotonicNow() - since } }
}
