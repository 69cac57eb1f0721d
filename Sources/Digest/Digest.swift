/// A content digest in its canonical text form, `sha256:<64 lowercase hex>`: image IDs,
/// layer diff IDs and blob names. Only sha256 is supported, as Docker's image store does.
public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The 64 hex digits.
    public let hex: String

    public static let algorithm = "sha256"

    /// Parses `sha256:<hex>`, with go-digest's checks and error texts.
    public init(parsing text: String) throws(DigestError) {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")),
              colon != text.utf8.startIndex, text.utf8.index(after: colon) != text.utf8.endIndex else {
            throw DigestError(input: text, problem: .invalidFormat)
        }
        let algorithm = String(text[..<colon])
        let encoded = String(text[text.index(after: colon)...])
        guard algorithm == Digest.algorithm else {
            throw DigestError(input: text, problem: Digest.wellFormed(algorithm, encoded) ? .unsupportedAlgorithm : .invalidFormat)
        }
        self = try Digest(sha256Hex: encoded, input: text)
    }

    /// Takes the 64 hex digits alone (an image ID without its prefix).
    public init(sha256Hex encoded: String) throws(DigestError) {
        self = try Digest(sha256Hex: encoded, input: encoded)
    }

    private init(sha256Hex encoded: String, input: String) throws(DigestError) {
        guard encoded.utf8.count == 64 else { throw DigestError(input: input, problem: .invalidLength) }
        guard encoded.utf8.allSatisfy(Hex.isLowerHex) else { throw DigestError(input: input, problem: .invalidFormat) }
        hex = encoded
    }

    init(validatedSHA256Hex hex: String) { self.hex = hex }

    /// The digest of 32 raw hash bytes.
    public init?(sha256Bytes bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        hex = Hex.encode(bytes)
    }

    /// sha256 of `bytes`.
    public static func sha256(of bytes: [UInt8]) -> Digest {
        Digest(validatedSHA256Hex: Hex.encode(SHA256.hash(bytes)))
    }

    /// sha256 of a string's UTF-8 (chain IDs are hashes of "<digest> <digest>").
    public static func sha256(of text: String) -> Digest { sha256(of: Array(text.utf8)) }

    /// True for `sha256:<64 lowercase hex>`.
    public static func isValid(_ text: String) -> Bool { (try? Digest(parsing: text)) != nil }

    /// `sha256:<hex>`, as written in configs, manifests and the Docker API.
    public var encoded: String { "sha256:" + hex }
    public var description: String { encoded }

    /// The first 12 hex digits, as `docker images` shows an image ID.
    public var shortID: String { String(hex.prefix(12)) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Digest(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description,
                                                    underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(encoded)
    }

    /// go-digest's DigestRegexp: `[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
    private static func wellFormed(_ algorithm: String, _ encoded: String) -> Bool {
        var prevSep = true
        for c in algorithm.utf8 {
            let alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
            if alnum { prevSep = false; continue }
            guard "+._-".utf8.contains(c), !prevSep else { return false }
            prevSep = true
        }
        if prevSep { return false }
        return encoded.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x3d || c == 0x5f || c == 0x2d
        }
    }
}

/// Why a digest string was refused; the texts are go-digest's.
public struct DigestError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: String, Sendable {
        case invalidFormat = "invalid checksum digest format"
        case invalidLength = "invalid checksum digest length"
        case unsupportedAlgorithm = "unsupported digest algorithm"
    }

    public let input: String
    public let problem: Problem

    public var description: String { "invalid digest \"\(input)\": \(problem.rawValue)" }
}
