import LinuxSys
import JSON
import HTTP
import EngineCore
import Images

/// Glue between the router and the engine: Docker's JSON in and out, and EngineError
/// kinds as Docker's status codes.
extension Daemon {
    func route(_ method: String, _ pattern: String, streamingBody: Bool = false,
               _ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
        let log = self.log
        router.add(method, pattern, streamingBody: streamingBody) { req in
            if let v = req.apiVersion {
                if Self.versionLess(Self.apiVersion, v) {
                    return .error(400, "client version \(v) is too new. Maximum supported API version is \(Self.apiVersion)")
                }
                if Self.versionLess(v, Self.minAPIVersion) {
                    return .error(400, "client version \(v) is too old. Minimum supported API version is \(Self.minAPIVersion), please upgrade your client to a newer version")
                }
            }
            do {
                return try handler(req)
            } catch {
                let e = Self.httpError(error)
                if e.status >= 500 { log.error("\(method) \(req.path): \(e.message)") } else { log.debug("\(method) \(req.path): \(e.status) \(e.message)") }
                if e.status == 304 { return HTTPResponse(status: 304) }
                return .error(e.status, e.message)
            }
        }
    }

    static func httpError(_ error: Error) -> HTTPError {
        switch error {
        case let e as HTTPError: return e
        case let e as EngineError:
            let status: Int
            switch e.kind {
            case .invalidArgument: status = 400
            case .forbidden: status = 403
            case .notFound: status = 404
            case .conflict: status = 409
            case .notModified: status = 304
            case .unavailable: status = 503
            case .internal: status = 500
            }
            return HTTPError(status: status, message: e.message)
        case let e as ImageError:
            return HTTPError(status: imageStatus(e), message: "\(e)")
        default:
            return HTTPError(status: 500, message: "\(error)")
        }
    }

    static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> HTTPResponse {
        .json(status, try JSON.encode(value, sortedKeys: false))
    }

    static func noContent() -> HTTPResponse { HTTPResponse(status: 204) }

    /// Decodes a JSON body the way dockerd reports bad ones.
    static func body<T: Decodable>(_ req: HTTPRequest, _ type: T.Type, allowEmpty: Bool = false) throws -> T? {
        if req.body.isEmpty || req.body.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) {
            if allowEmpty { return nil }
            throw HTTPError(status: 400, message: "invalid JSON: EOF")
        }
        if let ct = req.headers["Content-Type"], !ct.isEmpty, !ct.hasPrefix("application/json") {
            throw HTTPError(status: 400, message: "unsupported Content-Type header (\(ct)): must be 'application/json'")
        }
        do {
            return try JSON.decode(T.self, from: req.body)
        } catch let e as DecodingError {
            throw HTTPError(status: 400, message: "invalid JSON: \(describe(e))")
        } catch {
            throw HTTPError(status: 400, message: "invalid JSON: \(error)")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ p: [any CodingKey]) -> String { p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case .dataCorrupted(let c): return c.debugDescription
        case .keyNotFound(let k, let c): return "\(path(c.codingPath + [k])): required field is missing"
        case .typeMismatch(let t, let c): return "cannot unmarshal into field \(path(c.codingPath)) of type \(t)"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)): expected \(t), found null"
        @unknown default: return "\(e)"
        }
    }

    static func int(_ req: HTTPRequest, _ name: String) throws -> Int? {
        guard let v = req.query(name), !v.isEmpty else { return nil }
        guard let n = Int(v) else { throw HTTPError(status: 400, message: "invalid value for \(name): \(v)") }
        return n
    }

    /// A terminal dimension: required, as dockerd requires it.
    static func size(_ req: HTTPRequest, _ name: String) throws -> Int {
        guard let v = try int(req, name) else { throw HTTPError(status: 400, message: "\(name) is required: give the terminal size as h and w") }
        return v
    }

    /// Docker's `application/vnd.docker.multiplexed-stream` (API ≥ 1.42) or raw stream.
    static func streamType(tty: Bool, _ req: HTTPRequest) -> String {
        if tty { return "application/vnd.docker.raw-stream" }
        if let v = req.apiVersion, versionLess(v, "1.42") { return "application/vnd.docker.raw-stream" }
        return "application/vnd.docker.multiplexed-stream"
    }

    static func versionLess(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".").compactMap { Int($0) }, y = b.split(separator: ".").compactMap { Int($0) }
        return x.lexicographicallyPrecedes(y)
    }
}
