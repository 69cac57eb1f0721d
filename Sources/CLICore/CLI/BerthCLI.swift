import Glibc
import APIClient

/// `berth [OPTIONS] COMMAND`: global flags, command lookup, flag parsing, argument
/// checks, then the verb; every failure becomes the docker CLI's message and exit status.
public enum BerthCLI {
    static let version = "0.1.0"

    /// The whole program: the process environment, stdout/stderr; the exit status.
    public static func run(_ argv: [String]) -> Int32 {
        let ctx = CLIContext(environment: CLIContext.processEnvironment())
        let status = main(argv, ctx: ctx)
        Terminal.restore()
        return status
    }

    static let globalFlags: [Flag] = [
        Flag("config", nil, .string, "Location of client config files", default: "\"/root/.berth\""),
        Flag("context", "c", .string, "Name of the context to use to connect to the daemon (accepted; Berth has no contexts)"),
        Flag("debug", "D", .bool, "Enable debug mode"),
        Flag("host", "H", .list, "Daemon socket to connect to"),
        Flag("log-level", "l", .string, "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")", default: "\"info\""),
        Flag("tls", nil, .bool, "Use TLS; implied by --tlsverify (not supported)", hidden: true),
        Flag("version", "v", .bool, "Print version information and quit"),
        Flag("help", nil, .bool, "Print usage", hidden: true),
    ]

    static func main(_ argv: [String], ctx: CLIContext) -> Int32 {
        do {
            return try dispatch(argv, ctx: ctx)
        } catch let e as StatusError {
            if let m = e.message, !m.isEmpty { ctx.err.print(m) }
            return e.status
        } catch {
            ctx.err.print("\(error)")
            return 1
        }
    }

    static func dispatch(_ argv: [String], ctx: CLIContext) throws -> Int32 {
        let (global, rest): (ParsedFlags, [String])
        do {
            (global, rest) = try FlagParser(flags: globalFlags, interspersed: false).parse(argv)
        } catch {
            throw StatusError("\(error)\n\nUsage:  berth [OPTIONS] COMMAND\n\nRun 'berth --help' for more information", status: 125)
        }
        ctx.hostFlag = global.list("host").last
        ctx.debug = global.bool("debug")
        if global.bool("version") {
            ctx.out.print("Berth version \(version)")
            return 0
        }
        guard let word = rest.first else {
            ctx.out.put(Help.root(commands: Registry.topLevel))
            return 0
        }
        if word == "help" {
            return try dispatch(Array(rest.dropFirst()) + ["--help"], ctx: ctx)
        }
        guard let cmd = Registry.topLevel.first(where: { $0.matches(word) }) else {
            throw StatusError("berth: unknown command: berth \(word)\n\nRun 'berth --help' for more information", status: 1)
        }
        return try runCommand(cmd, Array(rest.dropFirst()), path: "berth \(cmd.name)", ctx: ctx)
    }

    static func runCommand(_ cmd: Command, _ argv: [String], path: String, ctx: CLIContext) throws -> Int32 {
        if !cmd.subcommands.isEmpty {
            let helpOnly = argv.first == "--help" || argv.first == "-h"
            guard let word = argv.first, !helpOnly else {
                ctx.out.put(Help.group(cmd, path: path))
                return 0
            }
            if word.hasPrefix("-") {
                throw StatusError("unknown flag: \(word)\n\nUsage:  \(path) COMMAND\n\nRun '\(path) --help' for more information", status: 125)
            }
            guard let sub = cmd.subcommands.first(where: { $0.matches(word) }) else {
                throw StatusError("berth: unknown command: \(path) \(word)\n\nUsage:  \(path)\n\nRun '\(path) --help' for more information", status: 1)
            }
            return try runCommand(sub, Array(argv.dropFirst()), path: "\(path) \(sub.name)", ctx: ctx)
        }
        let useLine = "\(path) \(cmd.usage)"
        var flags = cmd.flags
        flags.append(Flag("help", flags.contains { $0.short == "h" } ? nil : "h", .bool, "Print usage"))
        let parsed: ParsedFlags, args: [String]
        do {
            (parsed, args) = try FlagParser(flags: flags, interspersed: cmd.interspersed).parse(argv)
        } catch {
            throw StatusError("\(error)\n\nUsage:  \(useLine)\n\nRun '\(path) --help' for more information", status: 125)
        }
        if parsed.bool("help") {
            ctx.out.put(Help.command(cmd, path: path))
            return 0
        }
        if let m = cmd.args.check(args.count, path: path, useLine: useLine) { throw StatusError(m, status: 1) }
        guard let run = cmd.run else { return 0 }
        return try run(Invocation(ctx: ctx, flags: parsed, args: args, path: path, useLine: useLine))
    }
}

/// Help texts laid out as cobra does for the docker CLI.
enum Help {
    static func command(_ cmd: Command, path: String) -> String {
        var s = "\nUsage:  \(path) \(cmd.usage)\n\n\(cmd.summary)\n"
        if !cmd.aliases.isEmpty {
            let parent = path.split(separator: " ").dropLast().joined(separator: " ")
            s += "\nAliases:\n  " + ([cmd.name] + cmd.aliases).map { "\(parent) \($0)" }.joined(separator: ", ") + "\n"
        }
        let visible = cmd.flags.filter { !$0.hidden }
        if !visible.isEmpty { s += "\nOptions:\n" + options(visible + [Flag("help", nil, .bool, "Print usage")]) }
        return s + "\n"
    }

    /// pflag's FlagUsages: `  -x, --name type` padded to the longest, then the usage.
    static func options(_ flags: [Flag]) -> String {
        let sorted = flags.sorted { $0.name < $1.name }
        let left = sorted.map { f -> String in
            var l = f.short.map { "  -\($0), --\(f.name)" } ?? "      --\(f.name)"
            if !f.type.helpName.isEmpty { l += " " + f.type.helpName }
            return l
        }
        let width = left.map(\.count).max() ?? 0
        var s = ""
        for (l, f) in zip(left, sorted) {
            var usage = f.usage
            if let d = f.defaultText { usage += " (default \(d))" }
            // Continuation lines of a long usage line up under its first line.
            let indent = "\n" + String(repeating: " ", count: width + 3)
            s += l + String(repeating: " ", count: width - l.count + 3) + usage.replacingAll("\n", indent) + "\n"
        }
        return s
    }

    static func group(_ cmd: Command, path: String) -> String {
        var s = "Usage:  \(path) COMMAND\n\n\(cmd.summary)\n\nCommands:\n"
        for sub in cmd.subcommands.sorted(by: { $0.name < $1.name }) {
            s += "  " + sub.name.padding(12) + sub.summary + "\n"
        }
        return s + "\nRun '\(path) COMMAND --help' for more information on a command.\n"
    }

    static func root(commands: [Command]) -> String {
        var s = "Usage:  berth [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\n"
        let common = ["run", "exec", "ps", "images", "version", "info"]
        s += "Common Commands:\n"
        for name in common { if let c = commands.first(where: { $0.name == name }) { s += "  " + c.name.padding(12) + c.summary + "\n" } }
        s += "\nManagement Commands:\n"
        for c in commands where !c.subcommands.isEmpty { s += "  " + c.name.padding(12) + c.summary + "\n" }
        s += "\nCommands:\n"
        for c in commands.sorted(by: { $0.name < $1.name }) where c.subcommands.isEmpty && !common.contains(c.name) {
            s += "  " + c.name.padding(12) + c.summary + "\n"
        }
        s += "\nGlobal Options:\n" + options(BerthCLI.globalFlags.filter { !$0.hidden })
        s += "\nRun 'berth COMMAND --help' for more information on a command.\n"
        return s
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
