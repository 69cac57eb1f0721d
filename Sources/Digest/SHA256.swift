import CDigest

/// Incremental SHA-256 over the C implementation (SHA-NI when the CPU has it).
public struct SHA256: Sendable {
    public enum Implementation: Sendable {
        /// The SHA extensions when cpuid reports them, portable C otherwise.
        case automatic
        case portable
        /// The x86 SHA extensions; `init(implementation:)` fails without them.
        case shaExtensions
    }

    private var ctx = cdigest_sha256()

    /// True when this CPU hashes with the x86 SHA extensions.
    public static var hardwareAccelerated: Bool { cdigest_sha256_shani_available() != 0 }

    public init() {
        cdigest_sha256_init(&ctx, Int32(CDIGEST_SHA256_AUTO))
    }

    /// nil when `.shaExtensions` is asked for on a CPU without them.
    public init?(implementation: Implementation) {
        let impl: Int32
        switch implementation {
        case .automatic: impl = Int32(CDIGEST_SHA256_AUTO)
        case .portable: impl = Int32(CDIGEST_SHA256_PORTABLE)
        case .shaExtensions: impl = Int32(CDIGEST_SHA256_SHANI)
        }
        if cdigest_sha256_init(&ctx, impl) != 0 { return nil }
    }

    /// The implementation this hasher runs.
    public var implementation: Implementation {
        ctx.impl == UInt32(CDIGEST_SHA256_SHANI) ? .shaExtensions : .portable
    }

    /// Bytes hashed so far.
    public var count: Int64 { Int64(ctx.length) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        cdigest_sha256_update(&ctx, base, bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ text: String) {
        var s = text
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte hash of everything so far; the hasher can keep going afterwards.
    public func finalize() -> [UInt8] {
        var copy = ctx
        return [UInt8](unsafeUninitializedCapacity: 32) { buf, n in
            cdigest_sha256_final(&copy, buf.baseAddress!)
            n = 32
        }
    }

    /// The hash as 64 lowercase hex digits.
    public var hex: String { Hex.encode(finalize()) }

    /// The hash as a `sha256:` digest.
    public var digest: Digest { Digest(validatedSHA256Hex: hex) }

    /// One-shot hash of a byte array.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = digits[Int(b >> 4)]
                out[2 * i + 1] = digits[Int(b & 0x0f)]
            }
            return bytes.count * 2
        }
    }

    static func isLowerHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
    }
}
