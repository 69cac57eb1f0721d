import JSON
import LinuxSys

/// One row of `images`: docker's imageContext (an image summary with one repository/tag pair).
struct ImageContext: TemplateObject {
    let i: JSONValue
    let repo: String, tag: String, digest: String
    let trunc: Bool
    let now: WallTime

    static let headers: [String: String] = [
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "CreatedSince": "CREATED",
        "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS", "SharedSize": "SHARED SIZE",
        "UniqueSize": "UNIQUE SIZE",
    ]
    static let defaultTable = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
    static let defaultTableWithDigest = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"

    var typeName: String { "*formatter.imageContext" }

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        guard args.isEmpty else { return nil }
        return stringField(name).map { .string($0) }
    }

    func stringField(_ name: String) -> String? {
        switch name {
        case "ID": return trunc ? Display.truncateID(i["Id"].stringValue) : i["Id"].stringValue
        case "Repository": return repo
        case "Tag": return tag
        case "Digest": return digest
        case "CreatedSince":
            return HumanUnits.humanDuration(seconds: now.asDouble - Double(i["Created"].int64 ?? 0)) + " ago"
        case "CreatedAt": return WallTime(seconds: i["Created"].int64 ?? 0).goString
        case "Size": return HumanUnits.humanSize(Double(i["Size"].int64 ?? 0), precision: 3)
        case "Containers":
            let c = i["Containers"].int64 ?? -1
            return c == -1 ? "N/A" : String(c)
        case "SharedSize":
            let s = i["SharedSize"].int64 ?? -1
            return s == -1 ? "N/A" : HumanUnits.humanSize(Double(s))
        case "UniqueSize":
            let size = i["Size"].int64 ?? -1, shared = i["SharedSize"].int64 ?? -1
            return size == -1 || shared == -1 ? "N/A" : HumanUnits.humanSize(Double(size - shared))
        case "VirtualSize": return HumanUnits.humanSize(Double(i["Size"].int64 ?? 0))
        default: return nil
        }
    }

    var jsonValue: JSONValue {
        .object(JSONObject(["Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"]
            .map { ($0, .string(stringField($0) ?? "")) }))
    }

    /// imageFormat: a dangling image is one `<none>` row; otherwise one row per repository
    /// and tag (and digest, when digests are shown), untagged digests as `<none>` tags.
    static func rows(_ img: JSONValue, digests showDigests: Bool, needDigest: Bool, trunc: Bool, now: WallTime) -> [ImageContext] {
        let tags = img["RepoTags"].strings, digests = img["RepoDigests"].strings
        let dangling = (tags.isEmpty && digests.isEmpty)
            || (tags == ["<none>:<none>"] && digests == ["<none>@<none>"])
        if dangling {
            return [ImageContext(i: img, repo: "<none>", tag: "<none>", digest: "<none>", trunc: trunc, now: now)]
        }
        var repoTags: [(String, [String])] = []
        for t in tags where t != "<none>:<none>" {
            let r = ImageReference(t)
            guard let tag = r.tag, r.digest == nil else { continue }
            if let k = repoTags.firstIndex(where: { $0.0 == r.familiarName }) { repoTags[k].1.append(tag) } else { repoTags.append((r.familiarName, [tag])) }
        }
        var repoDigests: [(String, [String])] = []
        for d in digests where d != "<none>@<none>" {
            let r = ImageReference(d)
            guard let dg = r.digest else { continue }
            if let k = repoDigests.firstIndex(where: { $0.0 == r.familiarName }) { repoDigests[k].1.append(dg) } else { repoDigests.append((r.familiarName, [dg])) }
        }
        var out: [ImageContext] = []
        for (repo, tagList) in repoTags {
            var ds = repoDigests.first { $0.0 == repo }?.1 ?? []
            repoDigests.removeAll { $0.0 == repo }
            if !needDigest { ds = [] }
            for tag in tagList {
                if ds.isEmpty { out.append(ImageContext(i: img, repo: repo, tag: tag, digest: "<none>", trunc: trunc, now: now)); continue }
                for d in ds { out.append(ImageContext(i: img, repo: repo, tag: tag, digest: d, trunc: trunc, now: now)) }
            }
        }
        for (repo, ds) in repoDigests {
            if showDigests {
                for d in ds { out.append(ImageContext(i: img, repo: repo, tag: "<none>", digest: d, trunc: trunc, now: now)) }
            } else {
                out.append(ImageContext(i: img, repo: repo, tag: "<none>", digest: "", trunc: trunc, now: now))
            }
        }
        return out
    }
}

/// One row of `history`.
struct HistoryContext: TemplateObject {
    let h: JSONValue
    let trunc: Bool
    let human: Bool
    let now: WallTime

    static let headers: [String: String] = [
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT",
    ]
    static let defaultTable = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
    static let nonHumanTable = "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

    var typeName: String { "*image.historyContext" }

    func field(_ name: String, args: [TValue]) throws(TemplateError) -> TValue? {
        guard args.isEmpty else { return nil }
        return stringField(name).map { .string($0) }
    }

    func stringField(_ name: String) -> String? {
        let created = h["Created"].int64 ?? 0
        switch name {
        case "ID": return trunc ? Display.truncateID(h["Id"].stringValue) : h["Id"].stringValue
        case "CreatedAt": return WallTime(seconds: created).localRFC3339(.none)
        case "CreatedSince":
            if !human { return WallTime(seconds: created).localRFC3339(.none) }
            // Before 2000-01-01: a placeholder date, shown as N/A.
            if created <= 946684800 { return "N/A" }
            return HumanUnits.humanDuration(seconds: now.asDouble - Double(created)) + " ago"
        case "CreatedBy":
            let by = h["CreatedBy"].stringValue.replacingAll("\t", " ")
            return trunc ? Display.ellipsis(by, 45) : by
        case "Size":
            let size = h["Size"].int64 ?? 0
            return human ? HumanUnits.humanSize(Double(size), precision: 3) : String(size)
        case "Comment": return h["Comment"].stringValue
        default: return nil
        }
    }

    var jsonValue: JSONValue {
        .object(JSONObject(["Comment", "CreatedAt", "CreatedBy", "CreatedSince", "ID", "Size"].map { ($0, .string(stringField($0) ?? "")) }))
    }
}
