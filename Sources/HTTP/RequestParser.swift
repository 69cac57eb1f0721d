/// Reads request heads: the request line, header fields (obs-fold joined with a space),
/// and the body framing they declare. Errors are HTTPErrors that close the connection.
struct RequestParser {
    var maxHeaderBytes: Int

    /// The next request on the stream; nil when the client closed between requests.
    func next(_ stream: SocketStream) throws -> (HTTPRequest, RequestBody.Framing)? {
        var used = 0
        var first: [UInt8] = []
        // RFC 9112 §2.2: ignore empty lines before a request line.
        repeat {
            switch try stream.readLine(limit: maxHeaderBytes - used) {
            case .eof: return nil
            case .tooLong: throw headersTooLarge()
            case .line(let l): first = l; used += l.count + 2
            }
        } while first.isEmpty && used < 16
        let parts = first.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenChar), !parts[1].isEmpty else {
            throw bad("malformed HTTP request \(quoted(first))")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), version.utf8.count == 8,
              let major = Int(version.dropFirst(5).prefix(1)), version.dropFirst(6).first == ".",
              let minor = Int(version.suffix(1)) else {
            throw bad("malformed HTTP version \(quoted(parts[2]))")
        }
        guard major == 1 else {
            var e = HTTPError(status: 505, message: "unsupported protocol version \(quoted(parts[2]))")
            e.closesConnection = true
            throw e
        }

        var headers = HTTPHeaders()
        while true {
            let line: [UInt8]
            switch try stream.readLine(limit: maxHeaderBytes - used) {
            case .eof: throw bad("unexpected end of stream in the request headers")
            case .tooLong: throw headersTooLarge()
            case .line(let l): line = l; used += l.count + 2
            }
            if line.isEmpty { break }
            if line.first == 32 || line.first == 9 {
                guard !headers.fields.isEmpty else { throw bad("malformed MIME header: continuation before the first field") }
                headers.appendToLast(trimmed(Substring(decoding: line, as: UTF8.self)))
                continue
            }
            guard let (name, value) = splitField(line) else {
                throw bad("malformed MIME header line: \(String(decoding: line.prefix(64), as: UTF8.self))")
            }
            headers.add(name, value)
        }

        let framing = try bodyFraming(headers, major: major, minor: minor)
        let (rawPath, rawQuery) = try splitTarget(target, method: method)
        guard let path = percentDecode(Substring(rawPath), plusAsSpace: false) else {
            throw bad("invalid URL escape in \(quoted(Array(rawPath.utf8)))")
        }
        let q = parseQuery(rawQuery)
        let expect = headers.hasToken("Expect", "100-continue") && minor >= 1
        let body = RequestBody(stream: stream, framing: framing, expectContinue: expect, maxTrailerBytes: maxHeaderBytes)
        let req = HTTPRequest(method: method, target: target, path: path, rawPath: rawPath, rawQuery: rawQuery,
                              query: q.items, queryError: q.error, versionMajor: major, versionMinor: minor,
                              headers: headers, bodyStream: body)
        return (req, framing)
    }

    private func bodyFraming(_ h: HTTPHeaders, major: Int, minor: Int) throws -> RequestBody.Framing {
        let te = h.values("Transfer-Encoding")
        if !te.isEmpty {
            let codings = te.flatMap { $0.split(separator: ",") }.map { trimmed($0).lowercased() }
            guard codings == ["chunked"], minor >= 1 else {
                var e = HTTPError(status: 501, message: "unsupported transfer encoding: \(te.joined(separator: ", "))")
                e.closesConnection = true
                throw e
            }
            return .chunked
        }
        let cl = h.values("Content-Length").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { trimmed($0) }
        guard let first = cl.first else { return .none }
        guard cl.allSatisfy({ $0 == first }) else { throw bad("message cannot contain multiple Content-Length headers") }
        guard !first.isEmpty, first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(first) else {
            throw bad("bad Content-Length \(quoted(Array(first.utf8)))")
        }
        return n == 0 ? .none : .length(n)
    }

    /// Origin form `/p?q`, absolute form `http://host/p?q` (its path), or `*`.
    private func splitTarget(_ t: String, method: String) throws -> (String, String) {
        var rest = Substring(t)
        if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            rest = rest[rest.index(colon, offsetBy: 3)...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        guard rest.hasPrefix("/") || (rest == "*" && method == "OPTIONS") else {
            throw bad("malformed request target \(quoted(Array(t.utf8)))")
        }
        if let f = rest.firstIndex(of: "#") { rest = rest[..<f] }
        guard let q = rest.firstIndex(of: "?") else { return (String(rest), "") }
        return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
    }

    private func headersTooLarge() -> HTTPError {
        var e = HTTPError(status: 431, message: "request header fields exceed the \(maxHeaderBytes)-byte limit")
        e.closesConnection = true
        return e
    }

    private func bad(_ m: String) -> HTTPError {
        var e = HTTPError(status: 400, message: m)
        e.closesConnection = true
        return e
    }

    private func quoted<C: Collection>(_ b: C) -> String where C.Element == UInt8 {
        "\"" + String(decoding: b.prefix(80), as: UTF8.self) + "\""
    }
}
