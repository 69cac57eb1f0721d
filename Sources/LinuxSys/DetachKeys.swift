/// The key sequence that detaches a client from a container's stdin without ending it
/// (`--detach-keys`, the API's `detachKeys`; default ctrl-p ctrl-q), and the scan of the
/// input for it. The daemon watches attached input for it, and so does the CLI on a terminal.
public struct DetachKeys: Sendable, Equatable {
    public let bytes: [UInt8]

    public static let `default` = DetachKeys(bytes: [0x10, 0x11])

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A key of the sequence that is neither one character nor a known `ctrl-` key.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let spec: String
        public let key: String
        public var description: String { "Unknown character: '\(key)'" }
    }

    /// Docker's format (moby/term's ToBytes): comma-separated keys, each one character or
    /// `ctrl-<a-z @ [ \ ] ^ _>`.
    public init(parsing spec: String) throws(ParseError) {
        var out: [UInt8] = []
        for key in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let k = Array(key.utf8)
            if k.count == 1 {
                out.append(k[0])
            } else if k.count == 6, key.lowercased().hasPrefix("ctrl-"), let code = Self.control(k[5]) {
                out.append(code)
            } else {
                throw ParseError(spec: spec, key: String(key))
            }
        }
        bytes = out
    }

    /// ctrl-a..ctrl-z are 1...26 (either case); ctrl-@ [ \ ] ^ _ are 0 and 27...31.
    private static func control(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 1
        case UInt8(ascii: "@")...UInt8(ascii: "_"): return c - UInt8(ascii: "@")
        default: return nil
        }
    }

    /// Follows the input chunk by chunk. A possible start of the sequence is held back until
    /// it either completes (detach) or breaks (the held bytes go on), as moby's EscapeProxy.
    public struct Scanner: Sendable {
        let keys: [UInt8]
        var held = 0

        public init(_ keys: DetachKeys) { self.keys = keys.bytes }

        /// The bytes to forward now, and whether the sequence is complete (what was typed
        /// before it in the chunk is still forwarded).
        public mutating func scan(_ chunk: [UInt8]) -> (forward: [UInt8], detach: Bool) {
            guard !keys.isEmpty else { return (chunk, false) }
            var out: [UInt8] = []
            out.reserveCapacity(chunk.count)
            for b in chunk {
                if b == keys[held] {
                    held += 1
                    if held == keys.count { return (out, true) }
                    continue
                }
                out += keys[0..<held]
                held = 0
                if b == keys[0] {
                    held = 1
                    if held == keys.count { return (out, true) }
                } else {
                    out.append(b)
                }
            }
            return (out, false)
        }
    }
}
