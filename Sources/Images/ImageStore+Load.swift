import Archive
import Digest
import JSON
import LinuxSys

extension ImageStore {
    /// `docker load`: a `docker save` archive (manifest.json, configs, layer tars, plain or
    /// gzip) or an OCI image layout (oci-layout, index.json, blobs/sha256/...), the whole tar
    /// itself plain or gzip-compressed. Layers are streamed to disk, never held in memory.
    /// Returns what docker prints for each image.
    public func load(from src: ByteSource) throws(ImageError) -> [LoadedImage] {
        try withWriteLease { () throws(ImageError) -> [LoadedImage] in
            let archive = try SpooledArchive(reading: src, into: content)
            defer { archive.discardAll() }
            if archive.file("manifest.json") != nil { return try loadDockerArchive(archive) }
            if archive.file("index.json") != nil { return try loadOCILayout(archive) }
            throw .invalidArgument("invalid image archive: it has neither manifest.json (docker save format) nor index.json (OCI image layout)")
        }
    }

    private func loadDockerArchive(_ a: SpooledArchive) throws(ImageError) -> [LoadedImage] {
        let bytes = try a.read("manifest.json", "manifest")
        let manifest = try withContext("invalid manifest.json") { try JSON.decode([ArchiveManifestEntry].self, from: bytes) }
        var out: [LoadedImage] = []
        for m in manifest {
            let tags = try (m.repoTags ?? []).map { (t: String) throws(ImageError) -> Reference in
                guard let r = try? Reference.parseNormalized(t), r.tag != nil, r.digest == nil else {
                    throw .invalidArgument("invalid tag \"\(t)\" in manifest.json")
                }
                return r
            }
            let configBytes = try a.read(m.config, "config")
            var blobs: [LayerBlob] = []
            for path in m.layers {
                let f = try a.require(path, "layer")
                blobs.append(try adoptLayer(f, from: a))
            }
            let id = try addImage(configBytes: configBytes, layers: blobs)
            out.append(try tagLoaded(id, tags))
        }
        return out
    }

    private func loadOCILayout(_ a: SpooledArchive) throws(ImageError) -> [LoadedImage] {
        if a.file("oci-layout") != nil {
            let bytes = try a.read("oci-layout", "oci-layout file")
            let layout = try withContext("invalid oci-layout") { try JSON.decode(OCILayout.self, from: bytes) }
            guard layout.imageLayoutVersion.hasPrefix("1.") else {
                throw .invalidArgument("unsupported OCI image layout version \(layout.imageLayoutVersion)")
            }
        }
        let index = try decodeBlob(ImageIndex.self, try a.read("index.json", "index"), "index.json")
        // Several entries may name one manifest (one per tag): one image, several tags.
        var order: [Digest] = []
        var tags: [Digest: [Reference]] = [:]
        for desc in index.manifests {
            guard let manifestDigest = try resolveManifest(desc, a, depth: 0) else { continue }
            if tags[manifestDigest] == nil { order.append(manifestDigest); tags[manifestDigest] = [] }
            if let name = Self.imageName(desc.annotations), !(tags[manifestDigest] ?? []).contains(name) {
                tags[manifestDigest, default: []].append(name)
            }
        }
        if order.isEmpty {
            throw .invalidArgument("invalid OCI image layout: index.json lists no image for \(Platform.host.os)/\(Platform.host.architecture)")
        }
        var out: [LoadedImage] = []
        for manifestDigest in order {
            let manifest = try decodeBlob(ImageManifest.self, try blob(manifestDigest, a).bytes, "manifest \(manifestDigest)")
            let configBytes = try blob(manifest.config.digest, a).bytes
            var blobs: [LayerBlob] = []
            for l in manifest.layers {
                guard MediaType.isLayer(l.mediaType) else {
                    throw .invalidArgument("manifest \(manifestDigest): unsupported layer media type \(l.mediaType)")
                }
                let f = try blob(l.digest, a, read: false).file
                try a.adopt(f)
                blobs.append(LayerBlob(digest: l.digest, mediaType: l.mediaType, size: f.size))
            }
            let id = try addImage(configBytes: configBytes, layers: blobs)
            out.append(try tagLoaded(id, tags[manifestDigest] ?? []))
        }
        return out
    }

    /// The image manifest an index entry leads to: itself, or (for a nested index) the
    /// entry for this machine's platform. nil for entries of other platforms (as Docker
    /// loads only the host's platform of a multi-platform archive) and for non-images.
    private func resolveManifest(_ desc: Descriptor, _ a: SpooledArchive, depth: Int) throws(ImageError) -> Digest? {
        if let p = desc.platform, !p.runs(on: .host) { return nil }
        if MediaType.isIndex(desc.mediaType) {
            guard depth < 4 else { throw .invalidArgument("invalid OCI image layout: indexes nested too deep") }
            let nested = try decodeBlob(ImageIndex.self, try blob(desc.digest, a).bytes, "index \(desc.digest)")
            for d in nested.manifests {
                if let m = try resolveManifest(d, a, depth: depth + 1) { return m }
            }
            return nil
        }
        guard MediaType.isManifest(desc.mediaType) else { return nil } // attestations, artifacts
        return desc.digest
    }

    /// An image name from index annotations: containerd's full name, or an OCI ref.name that
    /// is a whole reference (a bare tag such as "latest" names no repository).
    static func imageName(_ annotations: [String: String]?) -> Reference? {
        guard let annotations else { return nil }
        if let n = annotations[Annotation.containerdImageName], let r = try? Reference.parseNormalized(n), r.digest == nil {
            return r.withDefaultTag
        }
        if let n = annotations[Annotation.refName], n.contains("/") || n.contains(":"),
           let r = try? Reference.parseNormalized(n), r.digest == nil {
            return r.withDefaultTag
        }
        return nil
    }

    /// `blobs/sha256/<hex>` of the archive, checked against its name.
    private func blob(_ d: Digest, _ a: SpooledArchive, read: Bool = true) throws(ImageError) -> (file: SpooledFile, bytes: [UInt8]) {
        let path = "blobs/sha256/" + d.hex
        let f = try a.require(path, "blob")
        guard f.digest == d else {
            throw .invalidArgument("invalid image archive: \(path) has digest \(f.digest), not the \(d) its name says")
        }
        return (f, read ? try a.read(path, "blob") : [])
    }

    private func decodeBlob<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ what: String) throws(ImageError) -> T {
        try withContext("invalid \(what)") { try JSON.decode(type, from: bytes) }
    }

    /// A docker-archive layer file into the content store; its media type from its magic.
    private func adoptLayer(_ f: SpooledFile, from a: SpooledArchive) throws(ImageError) -> LayerBlob {
        let type = try f.layerMediaType()
        try a.adopt(f)
        return LayerBlob(digest: f.digest, mediaType: type, size: f.size)
    }

    /// Points the loaded tags at the image; docker's messages for it.
    private func tagLoaded(_ id: Digest, _ tags: [Reference]) throws(ImageError) -> LoadedImage {
        var messages: [String] = []
        try locked { () throws(ImageError) in
            for r in tags {
                if let prev = refs[r], prev != id {
                    messages.append("The image \(r.familiarString) already exists, renaming the old one with ID \(prev.encoded) to empty string")
                }
                try setReferenceLocked(r, to: id)
                messages.append("Loaded image: \(r.familiarString)")
            }
            try saveRepositoriesLocked()
        }
        if tags.isEmpty { messages.append("Loaded image ID: \(id.encoded)") }
        return LoadedImage(id: id, references: tags, messages: messages)
    }
}
