import JSON

/// Decoding through the project's JSON module: no FoundationEssentials in the shim, whose
/// idle resident memory is mostly the pages of its static binary.
enum ShimJSON {
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSON.decode(type, from: bytes)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: ArraySlice<UInt8>) throws -> T {
        try JSON.decode(type, from: Array(bytes))
    }
}
