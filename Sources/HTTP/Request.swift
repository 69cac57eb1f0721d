/// An error that becomes a response `{"message": ...}` with `status`, as dockerd answers.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// Set when the peer is gone or the stream can no longer be parsed: the server closes.
    public var closesConnection = false

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status): \(message)" }

    static func clientGone(_ why: String) -> HTTPError {
        var e = HTTPError(status: 499, message: why)
        e.closesConnection = true
        return e
    }
}

/// One parsed request. `path` is percent-decoded and, when the client called a versioned
/// path (`/v1.47/containers/json`), has the version prefix removed: see `apiVersion`.
public struct HTTPRequest: @unchecked Sendable {
    public var method: String
    /// The request target as sent (`/v1.47/containers/json?all=1`).
    public var target: String
    public var path: String
    /// The path before percent-decoding, version prefix included.
    public var rawPath: String
    public var rawQuery: String
    public var query: [(name: String, value: String)]
    /// The first error url.ParseQuery would report for this query; its pairs are skipped.
    public var queryError: String?
    public var versionMajor: Int
    public var versionMinor: Int
    public var headers: HTTPHeaders
    /// The whole body, unless the route reads it as a stream through `bodyStream`.
    public var body: [UInt8] = []
    /// The body reader; for streaming routes the handler reads from it.
    public var bodyStream: RequestBody
    /// `1.47` for `/v1.47/...`, nil for an unversioned path.
    public var apiVersion: String?
    /// Route parameters: `{id}` in `/containers/{id}/json`.
    public var params: [String: String] = [:]

    /// Trailers of a chunked body, once it has been read to its end.
    public var trailers: HTTPHeaders { bodyStream.trailers }

    public func param(_ name: String) -> String? { params[name] }

    /// The first value of a query parameter (Go's FormValue), nil when absent.
    public func query(_ name: String) -> String? { query.first { $0.name == name }?.value }

    public func queryAll(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    /// dockerd's httputils.BoolValue: absent, "", "0", "no", "false" and "none" are false.
    public func queryBool(_ name: String) -> Bool {
        let v = trimmed(Substring(query(name) ?? "")).lowercased()
        return !(v.isEmpty || v == "0" || v == "no" || v == "false" || v == "none")
    }

    /// Persistent unless the client asked to close (HTTP/1.1) or did not ask to keep it (HTTP/1.0).
    public var wantsKeepAlive: Bool {
        if headers.hasToken("Connection", "close") { return false }
        if versionMajor == 1 && versionMinor == 0 { return headers.hasToken("Connection", "keep-alive") }
        return true
    }

    /// The client asked to turn the connection into a raw stream (`Connection: Upgrade`, `Upgrade: tcp`).
    public var wantsUpgrade: Bool {
        headers.hasToken("Connection", "upgrade") && headers.contains("Upgrade")
    }
}

/// Percent-decoding; `plusAsSpace` for query components (Go's QueryUnescape). Nil on a bad escape.
func percentDecode(_ s: Substring, plusAsSpace: Bool) -> String? {
    let u = Array(s.utf8)
    guard u.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
        return String(s)
    }
    var out: [UInt8] = []
    out.reserveCapacity(u.count)
    var i = 0
    while i < u.count {
        let c = u[i]
        if c == UInt8(ascii: "%") {
            guard i + 2 < u.count, let h = hexValue(u[i + 1]), let l = hexValue(u[i + 2]) else { return nil }
            out.append(h << 4 | l)
            i += 3
            continue
        }
        out.append(plusAsSpace && c == UInt8(ascii: "+") ? 32 : c)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 65...70: return c - 55
    case 97...102: return c - 87
    default: return nil
    }
}

/// url.ParseQuery: pairs split on `&`, empty pairs skipped, a pair with `;` or a bad
/// escape skipped and reported (the first such error), `+` is a space.
func parseQuery(_ raw: String) -> (items: [(name: String, value: String)], error: String?) {
    var items: [(name: String, value: String)] = []
    var firstError: String?
    for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
        if pair.contains(";") {
            if firstError == nil { firstError = "invalid semicolon separator in query" }
            continue
        }
        let key: Substring, value: Substring
        if let eq = pair.firstIndex(of: "=") {
            key = pair[..<eq]
            value = pair[pair.index(after: eq)...]
        } else {
            key = pair
            value = ""
        }
        guard let k = percentDecode(key, plusAsSpace: true) else {
            if firstError == nil { firstError = "invalid URL escape \(quoteEscape(key))" }
            continue
        }
        guard let v = percentDecode(value, plusAsSpace: true) else {
            if firstError == nil { firstError = "invalid URL escape \(quoteEscape(value))" }
            continue
        }
        items.append((k, v))
    }
    return (items, firstError)
}

/// The offending escape, quoted as Go's url.EscapeError prints it.
private func quoteEscape(_ s: Substring) -> String {
    guard let p = s.firstIndex(of: "%") else { return "\"\(s)\"" }
    return "\"\(s[p...].prefix(3))\""
}
