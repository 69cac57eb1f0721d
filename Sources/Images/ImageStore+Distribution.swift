import Digest

/// What a push sends of an image: its config, its layer blobs as stored, and the manifest
/// a pull recorded (pushed unchanged when it still describes the image, so an image pulled
/// and pushed back keeps its digest).
public struct DistributableImage: Sendable {
    public let id: Digest
    public let configBytes: [UInt8]
    public let layers: [LayerBlob]
    public let manifest: Digest?
}

extension ImageStore {
    public func distributable(_ name: String) throws(ImageError) -> DistributableImage {
        let (id, layers, manifest) = try locked { () throws(ImageError) -> (Digest, [LayerBlob], Digest?) in
            let id = try resolveLocked(name)
            guard let e = images[id] else { throw ImageError.noSuchImage(name) }
            return (id, e.record.layers, e.record.manifest)
        }
        return DistributableImage(id: id, configBytes: try content.read(id), layers: layers, manifest: manifest)
    }
}
