import Digest
import LinuxSys

extension ImageStore {
    /// POST /images/{name}/tag: points `target` (a tag; ":latest" when none) at the image
    /// `source` names, moving it off any other image.
    public func tag(_ source: String, as target: String) throws(ImageError) {
        let ref: Reference
        do { ref = try Reference.parseNormalized(target) } catch { throw .invalidArgument(error.description) }
        if ref.digest != nil { throw .invalidArgument("refusing to create a tag with a digest reference") }
        try locked { () throws(ImageError) in
            let id = try resolveLocked(source)
            try setReferenceLocked(ref.withDefaultTag, to: id)
            try saveRepositoriesLocked()
        }
    }

    /// Points a reference at an image: a tag (as `tag` does) or a digest reference
    /// ("busybox@sha256:<manifest digest>", what a pull records for RepoDigests). With
    /// `force`, a digest reference may move to another image (a pull of another platform
    /// of the same index moves it, as dockerd's pull does).
    public func addReference(_ ref: Reference, to id: Digest, force: Bool = false) throws(ImageError) {
        try locked { () throws(ImageError) in
            guard images[id] != nil else { throw ImageError.noSuchImage(id.encoded) }
            let key = Self.lookupKey(ref)
            if force, key.digest != nil { refs[key] = nil }
            try setReferenceLocked(key, to: id)
            try saveRepositoriesLocked()
        }
    }

    /// Sets one reference (already in lookup form); updates LastTagTime for tags.
    func setReferenceLocked(_ ref: Reference, to id: Digest) throws(ImageError) {
        if ref.familiarName == Digest.algorithm {
            throw .invalidArgument("refusing to create an ambiguous tag using digest algorithm as name")
        }
        if ref.digest != nil, let old = refs[ref], old != id {
            throw .conflict("Cannot overwrite digest \(ref.digest?.encoded ?? "")")
        }
        refs[ref] = id
        if ref.tag != nil, var e = images[id] {
            e.record.lastTagTime = WallTime.now().rfc3339(.trimmed)
            try saveRecord(e.record)
            images[id] = e
        }
    }

    /// DELETE /images/{name} with Docker's rules: a name untags (and deletes the image when
    /// that was its last reference); an ID deletes the image, which needs `force` when
    /// several repositories reference it or a stopped container uses it, and is refused
    /// while a running container uses it or a child image depends on it. With `prune`,
    /// untagged parents go too. Returns the Untagged/Deleted lines of Docker's response.
    @discardableResult
    public func remove(_ name: String, force: Bool = false, prune: Bool = true,
                       users: ImageUsers) throws(ImageError) -> [ImageDeleteItem] {
        var doomed: [String] = []
        defer { doomed.forEach(FileIO.removeAll) }
        return try locked { () throws(ImageError) -> [ImageDeleteItem] in
            defer { try? saveRepositoriesLocked() }
            let items = try removeLocked(name, force: force, prune: prune, users: users)
            doomed = scheduleGarbageCollectionLocked()
            return items
        }
    }

    /// POST /images/prune: untagged images (with `all`, every image) no container uses,
    /// optionally only those created before `filters.until` and matching `filters.labels`.
    public func prune(all: Bool = false, filters: ImageFilters = ImageFilters(),
                      users: ImageUsers) throws(ImageError) -> ImagePruneReport {
        var doomed: [String] = []
        defer { doomed.forEach(FileIO.removeAll) }
        return try locked { () throws(ImageError) -> ImagePruneReport in
            defer { try? saveRepositoriesLocked() }
            let sizes = Dictionary(layers.all().map { ($0.chainID, $0.size) }, uniquingKeysWith: { a, _ in a })
            var candidates: [Digest] = []
            for e in images.values {
                if !all && hasChildrenLocked(e.id) { continue }
                if referencesLocked(e.id).isEmpty && hasChildrenLocked(e.id) { continue }
                let created = e.config.created.flatMap { WallTime.parse(rfc3339: $0) } ?? WallTime(seconds: 0)
                if let until = filters.until, until < created { continue }
                if !filters.labels.isEmpty && !Self.matchLabels(filters.labels, e.config.config?.Labels) { continue }
                candidates.append(e.id)
            }
            var deleted: [ImageDeleteItem] = []
            for id in candidates.sorted() {
                guard images[id] != nil, users(id).isEmpty else { continue }
                let refs = referencesLocked(id)
                if refs.isEmpty {
                    if let items = try? removeLocked(id.hex, force: false, prune: true, users: users) { deleted += items }
                } else if all || !refs.contains(where: { $0.tag != nil }) {
                    for r in refs {
                        if let items = try? removeLocked(r.description, force: false, prune: true, users: users) { deleted += items }
                    }
                }
            }
            var reclaimed: Int64 = 0
            for case .deleted(let text) in deleted {
                if let d = try? Digest(parsing: text), let s = sizes[d] { reclaimed += s }
            }
            doomed = scheduleGarbageCollectionLocked()
            return ImagePruneReport(imagesDeleted: deleted, spaceReclaimed: reclaimed)
        }
    }

    // MARK: Docker's ImageDelete, lock held

    private func removeLocked(_ name: String, force: Bool, prune: Bool, users: ImageUsers) throws(ImageError) -> [ImageDeleteItem] {
        let id = try resolveLocked(name)
        var records: [ImageDeleteItem] = []
        var repoRefs = referencesLocked(id)
        var removedRepositoryRef = false
        if !Self.isImageIDPrefix(id, name) {
            if !force && Self.isSingleReference(repoRefs), let c = users(id).first {
                throw .conflict("conflict: unable to remove repository reference \"\(name)\" (must force) - container \(shortID(c.containerID)) is using its referenced image \(shortID(id.encoded))")
            }
            let parsed: Reference
            do { parsed = try Reference.parseNormalized(name) } catch { throw .invalidArgument(error.description) }
            let removed = Self.lookupKey(parsed)
            refs[removed] = nil
            records.append(.untagged(removed.familiarString))
            repoRefs = referencesLocked(id)
            // The last tag of a repository takes that repository's digest references with it.
            if removed.digest == nil && !repoRefs.contains(where: { $0.digest == nil && $0.name == removed.name }) {
                var remaining: [Reference] = []
                for r in repoRefs {
                    if r.digest != nil && r.name == removed.name {
                        refs[r] = nil
                        records.append(.untagged(r.familiarString))
                    } else {
                        remaining.append(r)
                    }
                }
                repoRefs = remaining
            }
            if !repoRefs.isEmpty { return records }
            removedRepositoryRef = true
        } else if Self.isSingleReference(repoRefs) {
            let mask: Conflict.Mask = force ? .hard : [.hard, .stoppedContainer]
            if let conflict = checkConflictLocked(id, mask, users) { throw conflict.error }
            for r in repoRefs {
                refs[r] = nil
                records.append(.untagged(r.familiarString))
            }
        }
        try deleteHelperLocked(id, &records, force: force, prune: prune, quiet: removedRepositoryRef, users: users)
        return records
    }

    private func deleteHelperLocked(_ id: Digest, _ records: inout [ImageDeleteItem], force: Bool, prune: Bool, quiet: Bool,
                                    users: ImageUsers) throws(ImageError) {
        guard let e = images[id] else { return }
        let mask: Conflict.Mask = force ? .hard : [.hard, .soft]
        if let conflict = checkConflictLocked(id, mask, users) {
            let dangling = referencesLocked(id).isEmpty && !hasChildrenLocked(id)
            if quiet && (!dangling || conflict.used) { return }
            throw conflict.error
        }
        for r in referencesLocked(id) {
            refs[r] = nil
            records.append(.untagged(r.familiarString))
        }
        images[id] = nil
        removeRecordFile(id)
        records.append(.deleted(id.encoded))
        var stillUsed = Set<Digest>()
        for other in images.values { other.chainIDs.forEach { stillUsed.insert($0) } }
        var seen = Set<Digest>()
        for chain in e.chainIDs.reversed() where !stillUsed.contains(chain) && seen.insert(chain).inserted {
            records.append(.deleted(chain.encoded))
        }
        guard prune, let parent = e.record.parent else { return }
        try deleteHelperLocked(parent, &records, force: false, prune: true, quiet: true, users: users)
    }

    private struct Conflict {
        struct Mask: OptionSet {
            let rawValue: Int
            static let dependentChild = Mask(rawValue: 1)
            static let activeReference = Mask(rawValue: 2)
            static let stoppedContainer = Mask(rawValue: 4)
            static let runningContainer = Mask(rawValue: 8)
            static let hard: Mask = [.dependentChild, .runningContainer]
            static let soft: Mask = [.activeReference, .stoppedContainer]
        }
        let hard: Bool
        let used: Bool
        let id: Digest
        let message: String
        var error: ImageError {
            .conflict("conflict: unable to delete \(id.shortID) (\(hard ? "cannot be forced" : "must be forced")) - \(message)")
        }
    }

    private func checkConflictLocked(_ id: Digest, _ mask: Conflict.Mask, _ users: ImageUsers) -> Conflict? {
        if mask.contains(.dependentChild) && hasChildrenLocked(id) {
            return Conflict(hard: true, used: false, id: id, message: "image has dependent child images")
        }
        let using = users(id)
        if mask.contains(.runningContainer), let c = using.first(where: \.running) {
            return Conflict(hard: true, used: true, id: id, message: "image is being used by running container \(shortID(c.containerID))")
        }
        if mask.contains(.activeReference) && !referencesLocked(id).isEmpty {
            return Conflict(hard: false, used: false, id: id, message: "image is referenced in multiple repositories")
        }
        if mask.contains(.stoppedContainer), let c = using.first(where: { !$0.running }) {
            return Conflict(hard: false, used: true, id: id, message: "image is being used by stopped container \(shortID(c.containerID))")
        }
        return nil
    }

    static func isImageIDPrefix(_ id: Digest, _ s: String) -> Bool {
        id.encoded.hasPrefix(s) || id.hex.hasPrefix(s)
    }

    /// True when all references are in one repository and at most one is a tag.
    static func isSingleReference(_ refs: [Reference]) -> Bool {
        if refs.count <= 1 { return refs.count == 1 }
        var single: Reference?
        var names = Set<String>()
        for r in refs {
            if r.digest != nil {
                names.insert(r.name)
            } else if single == nil {
                names.insert(r.name)
                single = r
            } else {
                return false
            }
        }
        let name = (single ?? refs[0]).name
        return names.count == 1 && names.contains(name)
    }
}
