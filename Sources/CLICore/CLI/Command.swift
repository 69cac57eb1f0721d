/// How many positional arguments a verb takes, with the docker CLI's error wording.
enum ArgRule {
    case none, exact(Int), atLeast(Int), atMost(Int), range(Int, Int), any

    /// nil when `n` arguments are fine, else the message (cli/required.go).
    func check(_ n: Int, path: String, useLine: String) -> String? {
        func plural(_ k: Int) -> String { k == 1 ? "argument" : "arguments" }
        switch self {
        case .any: return nil
        case .none:
            return n == 0 ? nil : "berth: '\(path)' accepts no arguments\n\nUsage:  \(useLine)\n\nRun '\(path) --help' for more information"
        case .exact(let k):
            return n == k ? nil : "berth: '\(path)' requires \(k) \(plural(k))\n\nUsage:  \(useLine)\n\nRun '\(path) --help' for more information"
        case .atLeast(let k):
            return n >= k ? nil : "berth: '\(path)' requires at least \(k) \(plural(k))\n\nUsage:  \(useLine)\n\nSee '\(path) --help' for more information"
        case .atMost(let k):
            return n <= k ? nil : "berth: '\(path)' requires at most \(k) \(plural(k))\n\nUsage:  \(useLine)\n\nRun '\(path) --help' for more information"
        case .range(let a, let b):
            return n >= a && n <= b ? nil
                : "berth: '\(path)' requires at least \(a) and at most \(b) \(plural(b))\n\nUsage:  \(useLine)\n\nRun '\(path) --help' for more information"
        }
    }
}

/// One verb (or a management group such as `container`, whose subcommands are verbs).
struct Command {
    var name: String
    var aliases: [String] = []
    /// The usage after the name: `[OPTIONS] IMAGE [COMMAND] [ARG...]`.
    var usage: String
    var summary: String
    var args: ArgRule = .any
    var flags: [Flag] = []
    /// false for run, create and exec: flags end at the first positional argument.
    var interspersed = true
    var subcommands: [Command] = []
    var run: ((Invocation) throws -> Int32)? = nil

    init(_ name: String, aliases: [String] = [], usage: String, _ summary: String, args: ArgRule = .any,
         flags: [Flag] = [], interspersed: Bool = true, run: ((Invocation) throws -> Int32)? = nil) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.args = args
        self.flags = flags
        self.interspersed = interspersed
        self.run = run
    }

    static func group(_ name: String, _ summary: String, _ subcommands: [Command]) -> Command {
        var c = Command(name, usage: "COMMAND", summary)
        c.subcommands = subcommands
        return c
    }

    func matches(_ word: String) -> Bool { name == word || aliases.contains(word) }

    /// The same verb under another name, for `docker ps` = `docker container ls`.
    func renamed(_ name: String, aliases: [String] = []) -> Command {
        var c = self
        c.name = name
        c.aliases = aliases
        return c
    }
}

/// What a verb runs with: its parsed flags and arguments, and the CLI context.
struct Invocation {
    let ctx: CLIContext
    let flags: ParsedFlags
    let args: [String]
    /// `berth container ls` or `berth ps`, as invoked (for messages).
    let path: String
    let useLine: String
}

/// A failure with its own exit status; a nil message prints nothing (the container's
/// exit status passed through).
struct StatusError: Error, CustomStringConvertible {
    var message: String?
    var status: Int32
    init(_ message: String?, status: Int32 = 1) {
        self.message = message
        self.status = status
    }
    var description: String { message ?? "exit status \(status)" }
}

/// A plain message error (exit status 1), for client-side checks.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ m: String) { description = m }
}
