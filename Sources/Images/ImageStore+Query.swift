import Digest
import LinuxSys

extension ImageStore {
    /// An image by full or `sha256:` ID, unique ID prefix, or reference.
    /// Throws `.notFound("No such image: busybox:latest")`.
    public func get(_ name: String) throws(ImageError) -> Image {
        try locked { () throws(ImageError) -> Image in
            let id = try resolveLocked(name)
            guard let e = images[id] else { throw ImageError.noSuchImage(name) }
            return imageLocked(e)
        }
    }

    /// The ID `name` resolves to.
    public func resolve(_ name: String) throws(ImageError) -> Digest {
        try locked { () throws(ImageError) -> Digest in try resolveLocked(name) }
    }

    /// Overlay lower directories for a container of this image, top layer first.
    public func layerDirs(_ id: Digest) throws(ImageError) -> [String] {
        let chains = try locked { () throws(ImageError) -> [Digest] in
            guard let e = images[id] else { throw ImageError.noSuchImage(id.encoded) }
            return e.chainIDs
        }
        return try layers.lowerDirs(for: chains)
    }

    public func config(_ id: Digest) throws(ImageError) -> ImageConfig {
        try locked { () throws(ImageError) -> ImageConfig in
            guard let e = images[id] else { throw ImageError.noSuchImage(id.encoded) }
            return e.config
        }
    }

    /// The config exactly as stored (its sha256 is the image ID).
    public func configBytes(_ id: Digest) throws(ImageError) -> [UInt8] {
        guard locked({ images[id] != nil }) else { throw ImageError.noSuchImage(id.encoded) }
        return try content.read(id)
    }

    /// Every image ID, in no particular order.
    public func allIDs() -> [Digest] { locked { Array(images.keys) } }

    /// GET /images/{name}/json.
    public func inspect(_ name: String) throws(ImageError) -> ImageInspect {
        try locked { () throws(ImageError) -> ImageInspect in
            let id = try resolveLocked(name)
            guard let e = images[id] else { throw ImageError.noSuchImage(name) }
            let img = imageLocked(e)
            let c = e.config
            return ImageInspect(
                id: id.encoded, repoTags: img.repoTags, repoDigests: img.repoDigests,
                parent: e.record.parent?.encoded ?? "", comment: c.comment ?? "", created: c.created ?? "",
                dockerVersion: c.dockerVersion ?? "", author: c.author ?? "", config: c.config,
                architecture: c.architecture, variant: c.variant, os: c.os, osVersion: c.osVersion, size: img.size,
                rootFS: .init(type: c.rootfs.type, layers: c.rootfs.diffIDs.map(\.encoded)),
                metadata: .init(lastTagTime: e.record.lastTagTime ?? WallTime.goZeroRFC3339))
        }
    }

    /// GET /images/{name}/history, newest first, as Docker builds it: one row per history
    /// entry, the layer size for entries that made a layer, the image ID (and its tags)
    /// on the top row and on rows of parent images, "<missing>" elsewhere.
    public func history(_ name: String) throws(ImageError) -> [ImageHistoryItem] {
        try locked { () throws(ImageError) -> [ImageHistoryItem] in
            let id = try resolveLocked(name)
            guard let e = images[id] else { throw ImageError.noSuchImage(name) }
            var rows: [ImageHistoryItem] = []
            var layerIndex = 0
            for h in e.config.history ?? [] {
                var size: Int64 = 0
                if h.emptyLayer != true {
                    guard layerIndex < e.chainIDs.count else {
                        throw ImageError.internal("image \(id): too many non-empty layers in the history section")
                    }
                    size = layers.get(e.chainIDs[layerIndex])?.size ?? 0
                    layerIndex += 1
                }
                rows.insert(ImageHistoryItem(id: "<missing>", created: h.created.flatMap { WallTime.parse(rfc3339: $0) }?.seconds ?? 0,
                                             createdBy: h.createdBy ?? "", tags: [], size: size, comment: h.comment ?? ""), at: 0)
            }
            var current: Entry? = e
            for i in rows.indices {
                guard let img = current else { break }
                rows[i].id = img.id.encoded
                rows[i].tags = referencesLocked(img.id).filter { $0.tag != nil }.map(\.familiarString)
                current = img.record.parent.flatMap { images[$0] }
            }
            return rows
        }
    }

    /// GET /images/json, newest first.
    public func list(_ filters: ImageFilters = ImageFilters()) throws(ImageError) -> [ImageSummary] {
        try locked { () throws(ImageError) -> [ImageSummary] in
            var beforeTime: WallTime?
            var sinceTime: WallTime?
            if let b = filters.before { beforeTime = try createdLocked(try resolveLocked(b)) }
            if let s = filters.since { sinceTime = try createdLocked(try resolveLocked(s)) }
            var out: [(WallTime, ImageSummary)] = []
            for e in images.values {
                let created = (e.config.created.flatMap { WallTime.parse(rfc3339: $0) }) ?? WallTime(seconds: 0)
                if let beforeTime, !(created < beforeTime) { continue }
                if let sinceTime, !(sinceTime < created) { continue }
                if let until = filters.until, !(created < until) { continue }
                if !filters.labels.isEmpty && !Self.matchLabels(filters.labels, e.config.config?.Labels) { continue }
                var tags: [String] = []
                var digests: [String] = []
                for r in referencesLocked(e.id) {
                    if !filters.references.isEmpty {
                        var found = false
                        for p in filters.references {
                            do { found = try r.familiarMatch(p) } catch { throw ImageError.invalidArgument("invalid reference filter \"\(p)\": \(error)") }
                            if found { break }
                        }
                        if !found { continue }
                    }
                    if r.digest != nil { digests.append(r.familiarString) }
                    if r.tag != nil { tags.append(r.familiarString) }
                }
                if tags.isEmpty && digests.isEmpty {
                    guard filters.all || !hasChildrenLocked(e.id) else { continue }
                    if filters.dangling == false || !filters.references.isEmpty { continue }
                } else if filters.dangling == true && !tags.isEmpty {
                    continue
                }
                out.append((created, summaryLocked(e, created: created, tags: tags, digests: digests)))
            }
            return out.sorted { $0.0 > $1.0 }.map(\.1)
        }
    }

    /// `docker system df`: layer bytes counted once, and each image with its shared bytes.
    public func diskUsage() -> ImageDiskUsage {
        locked {
            var uses: [Digest: Int] = [:]
            for e in images.values { for c in Set(e.chainIDs) { uses[c, default: 0] += 1 } }
            let layersSize = uses.keys.reduce(Int64(0)) { $0 + (layers.get($1)?.size ?? 0) }
            var summaries: [ImageSummary] = []
            for e in images.values {
                let created = (e.config.created.flatMap { WallTime.parse(rfc3339: $0) }) ?? WallTime(seconds: 0)
                let r = referencesLocked(e.id)
                var s = summaryLocked(e, created: created, tags: r.filter { $0.tag != nil }.map(\.familiarString),
                                      digests: r.filter { $0.digest != nil }.map(\.familiarString))
                s.sharedSize = Set(e.chainIDs).filter { (uses[$0] ?? 0) > 1 }.reduce(Int64(0)) { $0 + (layers.get($1)?.size ?? 0) }
                summaries.append(s)
            }
            return ImageDiskUsage(layersSize: layersSize, images: summaries)
        }
    }

    func summaryLocked(_ e: Entry, created: WallTime, tags: [String], digests: [String]) -> ImageSummary {
        ImageSummary(id: e.id.encoded, parentID: e.record.parent?.encoded ?? "", repoTags: tags, repoDigests: digests,
                     created: created.seconds, size: sizeLocked(e), sharedSize: -1,
                     labels: e.config.config?.Labels ?? [:], containers: -1)
    }

    func createdLocked(_ id: Digest) throws(ImageError) -> WallTime {
        guard let e = images[id] else { throw ImageError.noSuchImage(id.encoded) }
        return e.config.created.flatMap { WallTime.parse(rfc3339: $0) } ?? WallTime(seconds: 0)
    }

    func hasChildrenLocked(_ id: Digest) -> Bool {
        images.values.contains { $0.record.parent == id }
    }

    /// Docker's MatchKVList: every filter "key" must be present, every "key=value" equal.
    static func matchLabels(_ filters: [String], _ labels: [String: String]?) -> Bool {
        guard let labels else { return false }
        for f in filters {
            if let eq = f.firstIndex(of: "=") {
                guard labels[String(f[..<eq])] == String(f[f.index(after: eq)...]) else { return false }
            } else if labels[f] == nil {
                return false
            }
        }
        return true
    }
}
