import Digest

/// An image reference as Docker's distribution/reference parses it:
/// `[domain/]path[:tag][@digest]`. `parseNormalized` fills in Docker Hub's defaults
/// (`busybox` is `docker.io/library/busybox`); the familiar forms undo that for display.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    /// "docker.io", "localhost:5000", "[::1]:5000"; empty only from `parse` of a bare path.
    public let domain: String
    /// "library/busybox"
    public let path: String
    public let tag: String?
    public let digest: Digest?

    public static let defaultDomain = "docker.io"
    public static let defaultTag = "latest"
    static let legacyDefaultDomain = "index.docker.io"
    static let officialRepoPrefix = "library/"
    static let nameTotalLengthMax = 255

    init(domain: String, path: String, tag: String?, digest: Digest?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// "docker.io/library/busybox"
    public var name: String { domain.isEmpty ? path : domain + "/" + path }

    /// "docker.io/library/busybox:latest", with `@digest` when there is one.
    public var description: String {
        var s = name
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.encoded }
        return s
    }

    /// "busybox", "localhost:5000/x", "library/foo/bar" (Docker's FamiliarName).
    public var familiarName: String {
        guard domain == Reference.defaultDomain else { return name }
        if path.hasPrefix(Reference.officialRepoPrefix) {
            let rest = path.dropFirst(Reference.officialRepoPrefix.count)
            if !rest.contains("/") { return String(rest) }
        }
        return path
    }

    /// "busybox:latest", "localhost:5000/x:tag", "busybox@sha256:..." (Docker's FamiliarString).
    public var familiarString: String {
        var s = familiarName
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.encoded }
        return s
    }

    public var isNameOnly: Bool { tag == nil && digest == nil }

    /// The repository alone, without tag or digest.
    public var nameOnly: Reference { Reference(domain: domain, path: path, tag: nil, digest: nil) }

    /// Adds `:latest` to a bare name (Docker's TagNameOnly).
    public var withDefaultTag: Reference {
        isNameOnly ? Reference(domain: domain, path: path, tag: Reference.defaultTag, digest: nil) : self
    }

    public func withTag(_ tag: String) throws(ReferenceError) -> Reference {
        guard ReferenceGrammar.isTag(Array(tag.utf8)[...]) else { throw ReferenceError(.invalidTagFormat) }
        return Reference(domain: domain, path: path, tag: tag, digest: digest)
    }

    public func withDigest(_ digest: Digest) -> Reference {
        Reference(domain: domain, path: path, tag: tag, digest: digest)
    }

    /// distribution/reference's Parse: no defaults filled in.
    public static func parse(_ s: String) throws(ReferenceError) -> Reference {
        let bytes = Array(s.utf8)
        guard let parts = ReferenceGrammar.match(bytes[...]) else {
            if s.isEmpty { throw ReferenceError(.nameEmpty) }
            if ReferenceGrammar.match(Array(s.lowercased().utf8)[...]) != nil { throw ReferenceError(.nameContainsUppercase) }
            throw ReferenceError(.invalidFormat)
        }
        let name = String(decoding: parts.name, as: UTF8.self)
        if name.utf8.count > nameTotalLengthMax { throw ReferenceError(.nameTooLong) }
        var digest: Digest?
        if let d = parts.digest {
            do { digest = try Digest(parsing: String(decoding: d, as: UTF8.self)) } catch {
                throw ReferenceError(.invalidDigest(error.problem.rawValue))
            }
        }
        let (domain, path) = ReferenceGrammar.splitName(parts.name)
        return Reference(domain: String(decoding: domain, as: UTF8.self), path: String(decoding: path, as: UTF8.self),
                         tag: parts.tag.map { String(decoding: $0, as: UTF8.self) }, digest: digest)
    }

    /// Docker's ParseNormalizedNamed: `busybox` is `docker.io/library/busybox` (no tag added).
    public static func parseNormalized(_ s: String) throws(ReferenceError) -> Reference {
        if ReferenceGrammar.isIdentifier(s) {
            throw ReferenceError(.custom("invalid repository name (\(s)), cannot specify 64-byte hexadecimal strings"))
        }
        let (domain, remainder) = splitDockerDomain(s)
        let remote = remainder.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? remainder
        if remote.lowercased() != remote {
            throw ReferenceError(.custom("invalid reference format: repository name (\(remote)) must be lowercase"))
        }
        return try parse(domain + "/" + remainder)
    }

    /// Docker's ParseDockerRef: normalized, `:latest` added to a bare name, and a reference
    /// with both a tag and a digest keeps only the digest.
    public static func parseDockerRef(_ s: String) throws(ReferenceError) -> Reference {
        let r = try parseNormalized(s)
        if let digest = r.digest { return Reference(domain: r.domain, path: r.path, tag: nil, digest: digest) }
        return r.withDefaultTag
    }

    static func splitDockerDomain(_ name: String) -> (String, String) {
        guard let slash = name.firstIndex(of: "/") else {
            return (defaultDomain, officialRepoPrefix + name)
        }
        let maybeDomain = String(name[..<slash])
        let maybeRemote = String(name[name.index(after: slash)...])
        var domain: String
        var remote: String
        if maybeDomain == "localhost" {
            (domain, remote) = (maybeDomain, maybeRemote)
        } else if maybeDomain == legacyDefaultDomain {
            (domain, remote) = (defaultDomain, maybeRemote)
        } else if maybeDomain.contains(".") || maybeDomain.contains(":") || maybeDomain.lowercased() != maybeDomain {
            (domain, remote) = (maybeDomain, maybeRemote)
        } else {
            (domain, remote) = (defaultDomain, name)
        }
        if domain == defaultDomain && !remote.contains("/") { remote = officialRepoPrefix + remote }
        return (domain, remote)
    }
}

/// What `docker inspect X` or `docker rmi X` may name: an image ID (64 hex, or `sha256:` and
/// 64 hex) or a repository reference (Docker's ParseAnyReference).
public enum AnyReference: Hashable, Sendable {
    case id(Digest)
    case named(Reference)

    public static func parse(_ s: String) throws(ReferenceError) -> AnyReference {
        if ReferenceGrammar.isIdentifier(s), let d = try? Digest(sha256Hex: s) { return .id(d) }
        if let d = try? Digest(parsing: s) { return .id(d) }
        return .named(try Reference.parseNormalized(s))
    }
}

/// A reference that does not parse; the texts are distribution/reference's.
public struct ReferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case invalidFormat
        case invalidTagFormat
        case nameContainsUppercase
        case nameEmpty
        case nameTooLong
        case invalidDigest(String)
        case custom(String)
    }

    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .invalidFormat: return "invalid reference format"
        case .invalidTagFormat: return "invalid tag format"
        case .nameContainsUppercase: return "invalid reference format: repository name must be lowercase"
        case .nameEmpty: return "repository name must have at least one component"
        case .nameTooLong: return "repository name must not be more than \(Reference.nameTotalLengthMax) characters"
        case .invalidDigest(let why): return why
        case .custom(let text): return text
        }
    }
}
