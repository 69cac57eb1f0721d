import LinuxSys
import Wire

/// The exchange between berthd and `berth-https`, the process that speaks HTTPS for it
/// (Protocols/https-helper.md): one request per connection, framed as the daemons frame
/// everything (4-byte big-endian length, then the bytes).
///
/// berthd → helper: a `HelperRequest` JSON frame, then, when `bodyLength` is set, the body as
/// raw frames and an empty frame. Helper → berthd: a `HelperReply` JSON frame (the status and
/// headers, or an error), then the response body as raw frames, an empty frame, and a
/// `HelperReply` trailer that is empty on success and carries the error of a body cut short.
public struct HelperRequest: Codable, Sendable, Equatable {
    public var method: String
    public var url: String
    /// Name and value pairs, in order.
    public var headers: [[String]]
    public var bodyLength: Int64?

    public init(method: String, url: String, headers: [[String]], bodyLength: Int64?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.bodyLength = bodyLength
    }
}

public struct HelperReply: Codable, Sendable, Equatable {
    public var status: Int?
    public var headers: [[String]]?
    public var error: String?
    /// "tls" (not worth retrying) or "transport".
    public var kind: String?

    public init(status: Int? = nil, headers: [[String]]? = nil, error: String? = nil, kind: String? = nil) {
        self.status = status
        self.headers = headers
        self.error = error
        self.kind = kind
    }

    public init(_ error: RegistryError) {
        if case .tls = error { kind = "tls" } else { kind = "transport" }
        self.error = error.description
    }

    /// The error this reply carries, if any.
    public var failure: RegistryError? {
        guard let error else { return nil }
        return kind == "tls" ? .tls(error) : .transport(error)
    }

    /// Body frames are at most this long.
    public static let frameSize = 256 * 1024
}

/// Raw frames up to the empty frame that ends them, read as one byte stream (request bodies
/// on the helper's side, response bodies on berthd's).
public final class FrameBodySource: ByteSource {
    private let conn: FrameConnection
    private var pending: [UInt8] = []
    private var offset = 0
    public private(set) var ended = false

    public init(_ conn: FrameConnection) { self.conn = conn }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.isEmpty || ended { return 0 }
        while offset == pending.count {
            let frame = try conn.readFrame()
            if frame.isEmpty { ended = true; return 0 }
            pending = frame
            offset = 0
        }
        let n = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { src in buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}
