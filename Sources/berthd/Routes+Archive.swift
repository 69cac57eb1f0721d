import LinuxSys
import JSON
import HTTP
import Wire
import DockerAPI
import EngineCore

/// A streamed response body as a ByteSink, buffered so a tar's 512-byte records do not
/// become one chunk each.
final class ChunkSink: ByteSink {
    let writer: ChunkWriter
    private var buffer: [UInt8] = []
    init(_ w: ChunkWriter) { writer = w; buffer.reserveCapacity(256 * 1024) }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 256 * 1024 { try flush() }
    }
    func finish() throws { try flush() }
    private func flush() throws {
        if buffer.isEmpty { return }
        try writer.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A request body as a ByteSource.
final class BodySource: ByteSource {
    let body: RequestBody
    private var pending: [UInt8] = []
    private var offset = 0
    init(_ b: RequestBody) { body = b }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if offset >= pending.count {
            pending = try body.read(max: max(buffer.count, 64 * 1024))
            offset = 0
            if pending.isEmpty { return 0 }
        }
        let n = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}

extension Daemon {
    func registerArchiveRoutes() {
        route("GET", "/containers/{id}/changes") { [self] req in try Self.json(try engine.changes(req.param("id") ?? "")) }
        route("GET", "/containers/{id}/export") { [self] req in
            let id = req.param("id") ?? ""
            _ = try engine.lookup(id)
            let engine = self.engine
            return .stream(headers: ["Content-Type": "application/x-tar"]) { w in
                let sink = ChunkSink(w)
                try engine.export(id, to: sink)
                try sink.finish()
            }
        }
        route("HEAD", "/containers/{id}/archive") { [self] req in
            let st = try engine.statPath(req.param("id") ?? "", path: try archivePath(req))
            var r = HTTPResponse(status: 200)
            r.headers.set("X-Docker-Container-Path-Stat", Base64.encode(try JSON.encode(st, sortedKeys: false)))
            r.headers.set("Content-Type", "application/json")
            return r
        }
        route("GET", "/containers/{id}/archive") { [self] req in
            let id = req.param("id") ?? "", path = try archivePath(req)
            let st = try engine.statPath(id, path: path)
            let engine = self.engine
            return .stream(headers: ["Content-Type": "application/x-tar",
                                     "X-Docker-Container-Path-Stat": Base64.encode(try JSON.encode(st, sortedKeys: false))]) { w in
                let sink = ChunkSink(w)
                try engine.archive(id, path: path) { _ in sink }
                try sink.finish()
            }
        }
        route("PUT", "/containers/{id}/archive", streamingBody: true) { [self] req in
            try engine.extract(req.param("id") ?? "", path: try archivePath(req), from: BodySource(req.bodyStream),
                               noOverwriteDirNonDir: req.queryBool("noOverwriteDirNonDir"))
            return HTTPResponse(status: 200)
        }
    }

    private func archivePath(_ req: HTTPRequest) throws -> String {
        guard let p = req.query("path"), !p.isEmpty else { throw HTTPError(status: 400, message: "path cannot be empty") }
        return p
    }
}
