import Archive
import Digest
import JSON
import LinuxSys

extension ImageStore {
    /// `docker save`: the images `names` designate, in the archive format Docker 25 writes:
    /// manifest.json and repositories (which any `docker load` reads) plus an OCI image layout
    /// (oci-layout, index.json, blobs/sha256/...); configs and uncompressed layer tars are the
    /// blobs both point at. A bare repository name saves every tag of it.
    public func save(_ names: [String], to sink: ByteSink) throws(ImageError) {
        try withWriteLease { () throws(ImageError) in
            let plan = try locked { () throws(ImageError) -> [SaveItem] in try planSaveLocked(names) }
            let tar = TarWriter(sink)
            try withContext("save images") { try writeArchive(plan, to: tar) }
        }
    }

    struct SaveItem {
        let id: Digest
        var tags: [Reference]
        let entry: Entry
        let layerInfo: [LayerInfo]
    }

    /// Docker's tarexporter parseNames: IDs, references, or a repository name for all its tags.
    private func planSaveLocked(_ names: [String]) throws(ImageError) -> [SaveItem] {
        var items: [SaveItem] = []
        func add(_ id: Digest, _ ref: Reference?) throws(ImageError) {
            if let i = items.firstIndex(where: { $0.id == id }) {
                if let ref, !items[i].tags.contains(ref) { items[i].tags.append(ref) }
                return
            }
            guard let e = images[id] else { throw ImageError.noSuchImage(id.encoded) }
            var infos: [LayerInfo] = []
            for c in e.chainIDs {
                guard let info = layers.get(c) else { throw ImageError.internal("layer \(c) of image \(id) is missing") }
                infos.append(info)
            }
            items.append(SaveItem(id: id, tags: ref.map { [$0] } ?? [], entry: e, layerInfo: infos))
        }
        for name in names {
            let any: AnyReference
            do { any = try AnyReference.parse(name) } catch { throw .invalidArgument(error.description) }
            switch any {
            case .id(let d):
                guard images[d] != nil else { throw ImageError.noSuchImage(name) }
                try add(d, nil)
            case .named(let r) where r.familiarName == Digest.algorithm:
                try add(try resolveLocked(name), nil)
            case .named(let r) where r.isNameOnly:
                let tagged = refs.filter { $0.key.name == r.name && $0.key.tag != nil }.sorted { $0.key.description < $1.key.description }
                if tagged.isEmpty {
                    try add(try resolveLocked(name), nil)
                } else {
                    for (ref, id) in tagged { try add(id, ref) }
                }
            case .named(let r):
                guard let id = refs[Self.lookupKey(r)] else {
                    // An ID prefix that happens to parse as a name.
                    try add(try resolveLocked(name), nil)
                    continue
                }
                try add(id, r.tag != nil ? r : nil)
            }
        }
        return items
    }

    private func writeArchive(_ items: [SaveItem], to tar: TarWriter) throws {
        var written = Set<Digest>()
        var manifestEntries: [ArchiveManifestEntry] = []
        var indexEntries: [Descriptor] = []
        var repositories: LegacyRepositories = [:]
        let dirMode: UInt32 = 0o755
        try tar.writeHeader(TarEntry(name: "blobs", kind: .directory, mode: dirMode))
        try tar.writeHeader(TarEntry(name: "blobs/sha256", kind: .directory, mode: dirMode))

        func writeBlob(_ d: Digest, _ bytes: [UInt8]) throws {
            guard written.insert(d).inserted else { return }
            try tar.writeHeader(TarEntry(name: "blobs/sha256/" + d.hex, kind: .file, mode: 0o644, size: Int64(bytes.count)))
            try tar.writeContent(bytes)
        }

        for item in items {
            let configBytes = try content.read(item.id)
            try writeBlob(item.id, configBytes)
            var layerDescs: [Descriptor] = []
            for (i, info) in item.layerInfo.enumerated() {
                layerDescs.append(Descriptor(mediaType: MediaType.ociLayer, digest: info.diffID, size: info.diffSize))
                guard written.insert(info.diffID).inserted else { continue }
                try writeLayer(info, blob: item.entry.record.layers[i], to: tar)
            }
            let manifest = ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: item.id,
                                                            size: Int64(configBytes.count)), layers: layerDescs)
            let manifestBytes = try JSON.encode(manifest, sortedKeys: false)
            let manifestDigest = Digest.sha256(of: manifestBytes)
            try writeBlob(manifestDigest, manifestBytes)
            let desc = Descriptor(mediaType: MediaType.ociManifest, digest: manifestDigest, size: Int64(manifestBytes.count))
            if item.tags.isEmpty { indexEntries.append(desc) }
            for t in item.tags {
                var tagged = desc
                tagged.annotations = [Annotation.containerdImageName: t.description, Annotation.refName: t.tag ?? Reference.defaultTag]
                indexEntries.append(tagged)
                if let top = item.layerInfo.last {
                    repositories[t.familiarName, default: [:]][t.tag ?? Reference.defaultTag] = top.diffID.hex
                }
            }
            manifestEntries.append(ArchiveManifestEntry(
                config: "blobs/sha256/" + item.id.hex,
                repoTags: item.tags.isEmpty ? nil : item.tags.map(\.familiarString),
                layers: item.layerInfo.map { "blobs/sha256/" + $0.diffID.hex }))
        }

        func writeFile(_ name: String, _ bytes: [UInt8]) throws {
            try tar.writeHeader(TarEntry(name: name, kind: .file, mode: 0o644, size: Int64(bytes.count)))
            try tar.writeContent(bytes)
        }
        try writeFile("index.json", try JSON.encode(ImageIndex(manifests: indexEntries), sortedKeys: false))
        try writeFile("manifest.json", try JSON.encode(manifestEntries, sortedKeys: false))
        try writeFile("oci-layout", try JSON.encode(OCILayout()))
        if !repositories.isEmpty { try writeFile("repositories", try JSON.encode(repositories)) }
        try tar.finish()
    }

    /// The uncompressed layer tar, exactly the bytes its diff ID names, from its blob.
    private func writeLayer(_ info: LayerInfo, blob: LayerBlob, to tar: TarWriter) throws {
        try tar.writeHeader(TarEntry(name: "blobs/sha256/" + info.diffID.hex, kind: .file, mode: 0o644, size: info.diffSize))
        let tap = DigestingSource(try Compression.wrap(try content.open(blob.digest)))
        try tar.writeContent(from: tap)
        try tap.drain()
        guard tap.digest == info.diffID, tap.count == info.diffSize else {
            throw ImageError.internal("layer \(info.diffID): its stored blob \(blob.digest) no longer matches (\(tap.count) bytes, \(tap.digest))")
        }
    }
}
