import APIClient
import JSON

/// jsonmessage.DisplayJSONMessagesStream on a terminal: every layer id keeps a line of its
/// own, redrawn in place (cursor up to it, erase, write, cursor back down), with
/// JSONProgress's bar `[=====>     ]  1.2MB/3.4MB` when the terminal is wider than 110
/// columns (docker's rule) and just the numbers otherwise.
final class TerminalProgress {
    let out: Output
    let width: Int
    /// The line each id was given, counted from the first line of the current block.
    private var lines: [String: Int] = [:]

    init(out: Output, width: Int) {
        self.out = out
        self.width = width
    }

    func show(_ v: JSONValue, _ m: ProgressMessage) {
        let detail = v["progressDetail"]
        var isProgress = false
        if case .object = detail { isProgress = true }
        let id = m.id.flatMap { $0.isEmpty ? nil : $0 }
        var diff = 0
        var s = ""
        if let id, isProgress {
            let line: Int
            if let l = lines[id] { line = l } else {
                line = lines.count
                lines[id] = line
                s += "\n"
            }
            diff = lines.count - line
            s += "\u{1B}[\(diff)A"
        } else {
            // Anything else starts a new block below the layers' lines.
            lines = [:]
        }
        let stream = m.stream.flatMap { $0.isEmpty ? nil : $0 }
        if stream == nil && isProgress { s += "\u{1B}[2K\r" }
        if let id { s += id + ": " }
        if let stream {
            s += stream
        } else if isProgress {
            s += (m.status ?? "") + " " + Self.bar(current: detail["current"].int64 ?? 0, total: detail["total"].int64 ?? 0,
                                                    width: width) + "\r"
        } else {
            s += (m.status ?? "") + "\n"
        }
        if diff > 0 { s += "\u{1B}[\(diff)B" }
        out.put(s)
    }

    /// JSONProgress.String without the time left.
    static func bar(current: Int64, total: Int64, width: Int) -> String {
        if current <= 0 && total <= 0 { return "" }
        let cur = HumanUnits.humanSize(Double(current))
        if total <= 0 { return String(repeating: " ", count: max(0, 8 - cur.count)) + cur }
        let percent = min(50, Int(Double(current) / Double(total) * 100) / 2)
        var s = ""
        if width > 110 {
            s = "[" + String(repeating: "=", count: percent) + ">" + String(repeating: " ", count: 50 - percent) + "] "
        }
        if current <= total {
            s += String(repeating: " ", count: max(0, 8 - cur.count)) + cur + "/" + HumanUnits.humanSize(Double(total))
        }
        return s
    }
}
