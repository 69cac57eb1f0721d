import JSON

extension RegistryClient {
    private struct TagList: Decodable { var tags: [String]? }

    /// The repository's tags (`GET /v2/<name>/tags/list`), following the `Link: <...>; rel="next"`
    /// pages registries send for long lists.
    public func tags(repository: String, displayName: String) throws(RegistryError) -> [String] {
        var target = "/v2/\(repository)/tags/list"
        var all: [String] = []
        for _ in 0..<1000 {
            let (tags, next) = try withRetries { () throws(RegistryError) -> ([String], String?) in
                let resp = try request("GET", target, scopes: [Self.scope(repository)])
                guard resp.status == 200 else { throw failure(resp, "tags of \(displayName)") }
                defer { resp.close() }
                let bytes = try resp.readBody(limit: 16 << 20)
                guard let list = try? JSON.decode(TagList.self, from: bytes) else {
                    throw .invalid("tags of \(displayName): the registry answered something that is not a tag list")
                }
                return (list.tags ?? [], resp.header("link").flatMap(Self.nextPage))
            }
            all += tags
            guard let next else { return all }
            target = next
        }
        throw .invalid("tags of \(displayName): more than 1000 pages")
    }

    /// `</v2/x/tags/list?n=100&last=b>; rel="next"` → `/v2/x/tags/list?n=100&last=b`.
    static func nextPage(_ link: String) -> String? {
        guard link.contains("rel=\"next\""), let open = link.firstIndex(of: "<"),
              let close = link[open...].firstIndex(of: ">") else { return nil }
        let target = String(link[link.index(after: open)..<close])
        return target.hasPrefix("/") ? target : nil
    }
}
