public typealias HTTPHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

/// Method + path-pattern routing as dockerd's mux does it. Patterns are segments:
/// literals, `{name}` (one non-empty segment) and `{name:.*}` (any run of segments,
/// slashes included, as in `/images/{name:.*}/json`). Every route also answers under a
/// version prefix `/v1.NN/`, which is stripped and put in `HTTPRequest.apiVersion`.
public final class Router: @unchecked Sendable {
    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        /// When set the body is not read before the handler; it reads `bodyStream` itself.
        public let streamingBody: Bool
        let segments: [Segment]
        let handler: HTTPHandler
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case param(String)
        case rest(String)
    }

    public enum Match {
        case found(Route, params: [String: String])
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    private var routes: [Route] = []

    /// dockerd answers a known path with the wrong method as an unknown page (404
    /// `page not found`); false gives 405 with an Allow header instead.
    public var methodNotAllowedAsNotFound = true

    public init() {}

    public func add(_ method: String, _ pattern: String, streamingBody: Bool = false, _ handler: @escaping HTTPHandler) {
        routes.append(Route(method: method, pattern: pattern, streamingBody: streamingBody,
                            segments: Router.compile(pattern), handler: handler))
    }

    public func get(_ p: String, _ h: @escaping HTTPHandler) { add("GET", p, h) }
    public func head(_ p: String, _ h: @escaping HTTPHandler) { add("HEAD", p, h) }
    public func post(_ p: String, streamingBody: Bool = false, _ h: @escaping HTTPHandler) { add("POST", p, streamingBody: streamingBody, h) }
    public func put(_ p: String, streamingBody: Bool = false, _ h: @escaping HTTPHandler) { add("PUT", p, streamingBody: streamingBody, h) }
    public func delete(_ p: String, _ h: @escaping HTTPHandler) { add("DELETE", p, h) }

    /// Splits `/v1.47/containers/json` into (`1.47`, `/containers/json`).
    public static func splitVersion(_ path: String) -> (version: String?, path: String) {
        let u = path.utf8
        guard u.count >= 3, path.hasPrefix("/v") else { return (nil, path) }
        let afterV = path.index(path.startIndex, offsetBy: 2)
        let digits = path[afterV...].prefix { $0 == "." || ($0 >= "0" && $0 <= "9") }
        guard !digits.isEmpty else { return (nil, path) }
        let rest = path[digits.endIndex...]
        guard rest.isEmpty || rest.hasPrefix("/") else { return (nil, path) }
        return (String(digits), rest.isEmpty ? "/" : String(rest))
    }

    /// Routes a decoded, version-stripped path.
    public func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        var allowed: [String] = []
        for r in routes {
            var params: [String: String] = [:]
            guard Router.matches(r.segments[...], parts[...], &params) else { continue }
            if r.method == method { return .found(r, params: params) }
            if !allowed.contains(r.method) { allowed.append(r.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// Answers a request: routing, version prefix, 404/405, thrown errors as `{"message"}`.
    public func respond(_ request: HTTPRequest) -> HTTPResponse {
        var req = request
        let (version, path) = Router.splitVersion(req.path)
        req.apiVersion = version
        req.path = path
        switch match(method: req.method, path: path) {
        case .notFound:
            return .error(404, "page not found")
        case .methodNotAllowed(let allowed):
            if methodNotAllowedAsNotFound { return .error(404, "page not found") }
            var r = HTTPResponse.error(405, "method not allowed")
            r.headers.set("Allow", allowed.joined(separator: ", "))
            return r
        case .found(let route, let params):
            req.params = params
            do {
                return try route.handler(req)
            } catch let e as HTTPError {
                return .error(e.status, e.message)
            } catch {
                return .error(500, "\(error)")
            }
        }
    }

    static func compile(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { s in
            guard s.hasPrefix("{"), s.hasSuffix("}") else { return .literal(String(s)) }
            let inner = s.dropFirst().dropLast()
            if let colon = inner.firstIndex(of: ":") {
                let name = String(inner[..<colon])
                return inner[inner.index(after: colon)...] == ".*" ? .rest(name) : .param(name)
            }
            return .param(String(inner))
        }
    }

    private static func matches(_ segs: ArraySlice<Segment>, _ parts: ArraySlice<String>, _ params: inout [String: String]) -> Bool {
        guard let s = segs.first else { return parts.isEmpty }
        switch s {
        case .literal(let l):
            guard parts.first == l else { return false }
            return matches(segs.dropFirst(), parts.dropFirst(), &params)
        case .param(let name):
            guard let p = parts.first, !p.isEmpty else { return false }
            params[name] = p
            return matches(segs.dropFirst(), parts.dropFirst(), &params)
        case .rest(let name):
            // Longest first, as a greedy `.*` would take.
            var n = parts.count
            while n >= 0 {
                var trial = params
                if matches(segs.dropFirst(), parts.dropFirst(n), &trial) {
                    trial[name] = parts.prefix(n).joined(separator: "/")
                    params = trial
                    return true
                }
                n -= 1
            }
            return false
        }
    }
}
