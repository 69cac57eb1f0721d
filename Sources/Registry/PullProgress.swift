import Digest
import JSON

/// What a pull reports as it goes; `dockerJSON` turns each into the line dockerd streams.
public enum PullEvent: Sendable, Equatable {
    /// "Pulling from library/busybox" (id: the tag or digest).
    case pullingFrom(repository: String, id: String)
    case waiting(layer: Digest)
    case alreadyExists(layer: Digest)
    case downloading(layer: Digest, current: Int64, total: Int64)
    case verifying(layer: Digest)
    case downloadComplete(layer: Digest)
    case extracting(layer: Digest)
    case pullComplete(layer: Digest)
    /// "Digest: sha256:...", "Status: Downloaded newer image for ...".
    case status(String)
    case error(String)
    /// A push's per-layer lines: "Preparing", "Layer already exists", "Pushed".
    case layer(status: String, layer: Digest)
    /// A layer's bytes sent so far ("Pushing" with docker's progress bar).
    case pushing(layer: Digest, current: Int64, total: Int64)
    /// The aux record a push ends with (the SDK and CLI read the digest from it).
    case pushed(tag: String, digest: Digest, size: Int)
}

extension PullEvent {
    /// One line of Docker's JSON progress stream, newline included.
    public var dockerJSON: [UInt8] {
        var fields: [(String, JSONValue)] = []
        func layer(_ status: String, _ d: Digest, detail: JSONValue = .object(JSONObject([]))) {
            fields = [("status", .string(status)), ("progressDetail", detail), ("id", .string(d.shortID))]
        }
        switch self {
        case .pullingFrom(let repo, let id): fields = [("status", .string("Pulling from " + repo)), ("id", .string(id))]
        case .waiting(let d): layer("Pulling fs layer", d)
        case .alreadyExists(let d): layer("Already exists", d)
        case .downloading(let d, let cur, let total):
            layer("Downloading", d, detail: .object(JSONObject([("current", .number(JSONNumber(cur))),
                                                                  ("total", .number(JSONNumber(total)))])))
            fields.insert(("progress", .string(Self.bar(cur, total))), at: 2)
        case .pushing(let d, let cur, let total):
            layer("Pushing", d, detail: .object(JSONObject([("current", .number(JSONNumber(cur))),
                                                              ("total", .number(JSONNumber(total)))])))
            fields.insert(("progress", .string(Self.bar(cur, total))), at: 2)
        case .verifying(let d): layer("Verifying Checksum", d)
        case .downloadComplete(let d): layer("Download complete", d)
        case .extracting(let d): layer("Extracting", d)
        case .pullComplete(let d): layer("Pull complete", d)
        case .status(let s): fields = [("status", .string(s))]
        case .layer(let status, let d): layer(status, d)
        case .pushed(let tag, let d, let size):
            fields = [("progressDetail", .object(JSONObject([]))),
                      ("aux", .object(JSONObject([("Tag", .string(tag)), ("Digest", .string(d.encoded)),
                                                  ("Size", .number(JSONNumber(size)))])))]
        case .error(let m):
            fields = [("errorDetail", .object(JSONObject([("message", .string(m))]))), ("error", .string(m))]
        }
        var out = JSON.serialize(.object(JSONObject(fields)))
        out.append(10)
        return out
    }

    /// Docker's progress text: `[=====>      ]  1.2MB/2.1MB`.
    static func bar(_ current: Int64, _ total: Int64) -> String {
        let width = 50
        var filled = total > 0 ? Int(Double(current) / Double(total) * Double(width)) : 0
        filled = max(0, min(width, filled))
        var b = String(repeating: "=", count: filled)
        if filled < width { b += ">" + String(repeating: " ", count: width - filled - 1) }
        return "[\(b)] \(humanSize(current))/\(humanSize(total))"
    }

    /// go-units HumanSize (decimal units, 3 significant digits).
    static func humanSize(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(n)
        var i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        let rounded = v >= 100 ? (v).rounded() : v >= 10 ? (v * 10).rounded() / 10 : (v * 100).rounded() / 100
        var text = String(rounded)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + units[i]
    }
}
