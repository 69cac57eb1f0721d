import Archive
import Digest
import DockerAPI
import Glibc
import JSON
import LinuxSys

extension ImageStore {
    /// `docker import`: a root filesystem tar (plain or gzip) becomes a one-layer image with
    /// a fresh config (`changes` applied, `message` as its comment), tagged `reference`
    /// (":latest" added) when one is given.
    public func importRootfs(from src: ByteSource, reference: String? = nil, changes: ImageConfigChanges = ImageConfigChanges(),
                             message: String? = nil, platform: Platform? = nil) throws(ImageError) -> Image {
        let ref = try Self.targetReference(reference, "import")
        return try withWriteLease { () throws(ImageError) -> Image in
            let spooled = try content.spool(from: src)
            return try createImage(layer: spooled, parent: nil, changes: changes, base: nil, author: nil, comment: message,
                                   createdBy: nil, platform: platform, reference: ref)
        }
    }

    /// `docker commit`: the container's overlay upper directory becomes a new layer on top of
    /// its image `parent`, with the parent's config plus `config` (the container's) and `changes`.
    public func commit(upperDir: String, parent: Digest?, config: ContainerConfig? = nil,
                       changes: ImageConfigChanges = ImageConfigChanges(), author: String? = nil, comment: String? = nil,
                       createdBy: String? = nil, reference: String? = nil) throws(ImageError) -> Image {
        let ref = try Self.targetReference(reference, "commit")
        return try withWriteLease { () throws(ImageError) -> Image in
            let spooled = try content.spool { sink in
                let tar = TarWriter(sink)
                try LayerDiff.write(upperDir: upperDir, to: tar)
                try tar.finish()
            }
            return try createImage(layer: spooled, parent: parent, changes: changes, base: config, author: author,
                                   comment: comment, createdBy: createdBy, platform: nil, reference: ref)
        }
    }

    private static func targetReference(_ text: String?, _ verb: String) throws(ImageError) -> Reference? {
        guard let text, !text.isEmpty else { return nil }
        let r: Reference
        do { r = try Reference.parseNormalized(text) } catch { throw .invalidArgument(error.description) }
        if r.digest != nil { throw .invalidArgument("cannot \(verb) digest reference") }
        return r.withDefaultTag
    }

    /// One new layer (a spooled tar) on top of `parent`'s layers, a config derived from the
    /// parent's (or a fresh one), history appended; recorded and tagged. Lease held by caller.
    private func createImage(layer spooled: SpooledFile, parent: Digest?, changes: ImageConfigChanges, base: ContainerConfig?,
                             author: String?, comment: String?, createdBy: String?, platform: Platform?,
                             reference: Reference?) throws(ImageError) -> Image {
        defer { spooled.discard() }
        var parentConfig: ImageConfig?
        var parentBlobs: [LayerBlob] = []
        var parentChain: Digest?
        if let parent {
            try locked { () throws(ImageError) in
                guard let e = images[parent] else { throw ImageError.noSuchImage(parent.encoded) }
                parentConfig = e.config
                parentBlobs = e.record.layers
                parentChain = e.chainIDs.last
            }
        }
        let mediaType = try spooled.layerMediaType()
        try content.adopt(spooled)
        let info = try layers.register(parent: parentChain, from: try content.open(spooled.digest))

        let now = WallTime.now().rfc3339(.trimmed)
        let host = platform ?? Platform.host
        var containerConfig = base ?? parentConfig?.config ?? ContainerConfig()
        changes.apply(to: &containerConfig)
        var config = ImageConfig(architecture: parentConfig?.architecture ?? host.architecture, os: parentConfig?.os ?? host.os,
                                 variant: parentConfig?.variant ?? host.variant, created: now, author: author,
                                 config: containerConfig,
                                 rootfs: RootFS(diffIDs: (parentConfig?.rootfs.diffIDs ?? []) + [info.diffID]),
                                 history: (parentConfig?.history ?? []) + [History(created: now, createdBy: createdBy, author: author,
                                                                                   comment: comment)],
                                 comment: comment)
        config.parent = parent?.encoded
        let configBytes = try withContext("encode image config") { try JSON.encode(config) }
        let id = try addImage(configBytes: configBytes,
                              layers: parentBlobs + [LayerBlob(digest: spooled.digest, mediaType: mediaType, size: spooled.size)],
                              parent: parent)
        return try locked { () throws(ImageError) -> Image in
            if let reference { try setReferenceLocked(reference, to: id); try saveRepositoriesLocked() }
            guard let e = images[id] else { throw ImageError.internal("image \(id) vanished while being created") }
            return imageLocked(e)
        }
    }
}
