import Digest
import HTTP
import Images
import JSON
import LinuxSys
import Registry

extension Daemon {
    /// `POST /images/create?fromImage=NAME&tag=TAG|DIGEST[&platform=os/arch]`: resolves the
    /// manifest first, so a missing image or a refused login is an HTTP error status as with
    /// dockerd, then streams Docker's JSON progress while the layers come in.
    func pullImage(_ req: HTTPRequest) throws -> HTTPResponse {
        let name = req.query("fromImage") ?? ""
        let tag = req.query("tag").flatMap { $0.isEmpty ? nil : $0 }
        let ref: Reference
        do {
            var r = try Reference.parseNormalized(name)
            if let tag {
                if let d = try? Digest(parsing: tag) { r = r.nameOnly.withDigest(d) } else { r = try r.withTag(tag) }
            }
            ref = r
        } catch {
            throw HTTPError(status: 400, message: "invalid reference format: \(error)")
        }
        var options = registryOptions(req)
        if let p = req.query("platform"), !p.isEmpty {
            do { options.platform = try Platform.parse(p) } catch { throw HTTPError(status: 400, message: error.description) }
        }
        let puller = Puller(store: images, options: options)
        // As dockerd: neither tag nor digest (`docker pull --all-tags`) pulls every tag.
        let allTags = tag == nil && ref.tag == nil && ref.digest == nil
        let resolved: ResolvedPull
        var rest: [Reference] = []
        do {
            if allTags {
                let tags = try puller.tags(ref)
                guard let first = tags.first else {
                    throw RegistryError.notFound("no tags found for \(ref.familiarName)")
                }
                resolved = try puller.resolve(try ref.withTag(first))
                rest = try tags.dropFirst().map { t throws(ReferenceError) in try ref.withTag(t) }
            } else {
                resolved = try puller.resolve(ref)
            }
        } catch let error as RegistryError {
            throw HTTPError(status: error.httpStatus, message: Self.pullMessage(error, ref))
        } catch {
            throw HTTPError(status: 500, message: "\(error)")
        }
        let events = engine.events
        let others = rest
        return .stream(headers: ["Content-Type": "application/json"]) { w in
            do {
                var next: ResolvedPull? = resolved
                var pending = others[...]
                while let r = next {
                    _ = try puller.pull(r) { e in try? w.write(e.dockerJSON) }
                    events.publish(type: "image", action: "pull", id: r.reference.familiarString,
                                   attributes: ["name": r.reference.familiarString])
                    next = try pending.popFirst().map { ref throws(RegistryError) in try puller.resolve(ref) }
                }
            } catch {
                try? w.write(PullEvent.error("\(error)").dockerJSON)
            }
        }
    }

    /// dockerd's texts for a failed resolve (the SDK maps "pull access denied" to ImageNotFound).
    static func pullMessage(_ e: RegistryError, _ ref: Reference) -> String {
        switch e {
        case .unauthorized(let m):
            return "pull access denied for \(ref.familiarName), repository does not exist or may require 'docker login': \(m)"
        default: return e.description
        }
    }
}

extension Daemon {
    /// `POST /images/{name}/push?tag=TAG`: pushes the local image of that name and tag,
    /// streaming Docker's JSON progress; failures after the stream began are errorDetail lines.
    func pushImage(_ req: HTTPRequest) throws -> HTTPResponse {
        let name = req.param("name") ?? ""
        let ref: Reference
        do {
            var r = try Reference.parseNormalized(name)
            if let tag = req.query("tag"), !tag.isEmpty { r = try r.withTag(tag) }
            ref = r.withDefaultTag
        } catch {
            throw HTTPError(status: 400, message: "invalid reference format: \(error)")
        }
        guard (try? images.resolve(ref.familiarString)) != nil else {
            throw HTTPError(status: 404, message: "An image does not exist locally with the tag: \(ref.familiarName)")
        }
        let pusher = Pusher(store: images, options: registryOptions(req))
        let events = engine.events
        return .stream(headers: ["Content-Type": "application/json"]) { w in
            do {
                try pusher.push(ref) { e in try? w.write(e.dockerJSON) }
                events.publish(type: "image", action: "push", id: ref.familiarString, attributes: ["name": ref.familiarString])
            } catch {
                try? w.write(PullEvent.error("\(error)").dockerJSON)
            }
        }
    }
}
