import APIClient
import JSON

/// jsonmessage.DisplayJSONMessagesStream (on a terminal: TerminalProgress). Without one: one line per
/// status (`id: Pull complete`), build/load `stream` text as it comes, progress-bar
/// updates skipped, an `error` message ends the stream with that error.
enum Progress {
    static func display(_ stream: StreamingResponse, to out: Output?, aux: ((JSONValue) -> Void)? = nil) throws {
        var failure: String?
        let terminal = out.flatMap { o in o.isTerminal ? TerminalProgress(out: o, width: Terminal.size(o.fd)?.cols ?? 80) : nil }
        try stream.forEachJSON { v in
            let m = ProgressMessage(v)
            if let e = m.error { failure = e; return false }
            if let a = m.aux { aux?(a); return true }
            if let terminal { terminal.show(v, m); return true }
            let detail = v["progressDetail"]
            if (detail["current"].int64 ?? 0) > 0 || (detail["total"].int64 ?? 0) > 0 { return true }
            guard let out else { return true }
            var line = ""
            if let id = m.id, !id.isEmpty { line += "\(id): " }
            if let s = m.stream, !s.isEmpty { line += s } else { line += (m.status ?? "") + "\n" }
            out.put(line)
            return true
        }
        if let failure { throw CLIError(failure) }
    }
}
