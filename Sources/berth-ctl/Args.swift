import Glibc
import LinuxSys

/// A failure berth-ctl reports as `berth-ctl: <message>` with exit status 1
/// .
struct CtlError: Error, CustomStringConvertible {
    let message: String
    var status: Int32 = 1
    init(_ message: String, status: Int32 = 1) { self.message = message; self.status = status }
    var description: String { message }
    static func usage(_ m: String) -> CtlError { CtlError(m) }
}

/// One verb's command line: flags (anywhere before the positional arguments end) and
/// positional arguments. `rest` collects everything after `restAfter` positionals
/// verbatim, for `exec ID CMD...`.
struct Args {
    private(set) var values: [String: [String]] = [:]
    private(set) var positional: [String] = []
    private(set) var rest: [String] = []

    struct Spec {
        var bools: Set<String> = []
        var values: Set<String> = []
        var aliases: [String: String] = [:]
        var restAfter: Int? = nil
    }

    init(_ argv: [String], _ spec: Spec) throws {
        var i = 0
        var onlyPositional = false
        while i < argv.count {
            let arg = argv[i]
            i += 1
            if onlyPositional || arg == "-" || !arg.hasPrefix("-") {
                if let n = spec.restAfter, positional.count == n {
                    rest = Array(argv[(i - 1)...])
                    break
                }
                positional.append(arg)
                continue
            }
            if arg == "--" { onlyPositional = true; continue }
            var name = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            name = spec.aliases[name] ?? name
            if spec.bools.contains(name) {
                if let inline {
                    guard let b = Args.bool(inline) else { throw CtlError.usage("invalid value \"\(inline)\" for \(name): not a boolean") }
                    values[name, default: []].append(b ? "true" : "false")
                } else {
                    values[name, default: []].append("true")
                }
            } else if spec.values.contains(name) {
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard i < argv.count else { throw CtlError.usage("flag needs an argument: \(name)") }
                    values[name, default: []].append(argv[i])
                    i += 1
                }
            } else {
                throw CtlError.usage("unknown flag: \(arg)")
            }
        }
    }

    static func bool(_ s: String) -> Bool? {
        switch s { case "true", "1", "yes": return true; case "false", "0", "no": return false; default: return nil }
    }

    func flag(_ name: String) -> Bool { values[name]?.last == "true" }
    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Exactly the positional arguments named, or a usage error listing them.
    func expect(_ names: String...) throws -> [String] {
        guard positional.count == names.count else {
            let what = names.isEmpty ? "no arguments" : names.joined(separator: " ")
            throw CtlError.usage("expected \(what), got \(positional.isEmpty ? "none" : positional.joined(separator: " "))")
        }
        return positional
    }
}

/// Signal names as kill(1) takes them: "TERM", "SIGTERM" or "15".
enum Signals {
    static let names: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT,
        "IOT": SIGABRT, "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV,
        "USR2": SIGUSR2, "PIPE": SIGPIPE, "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT,
        "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP, "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU,
        "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ, "VTALRM": SIGVTALRM, "PROF": SIGPROF,
        "WINCH": SIGWINCH, "IO": SIGIO, "POLL": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
    ]

    static func parse(_ s: String) throws -> Int32 {
        if let n = Int32(s), n > 0, n < 65 { return n }
        var name = s.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let n = names[name] { return n }
        throw CtlError.usage("invalid signal \"\(s)\": not a signal name or number")
    }
}

/// Output with no buffering surprises: whole writes to a descriptor, one line at a time
/// for stderr so trace lines from several threads never mix.
enum Out {
    private static let lock = Lock()

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let w = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if w < 0 {
                if errno == EINTR { continue }
                return
            }
            off += w
        }
    }

    static func print(_ s: String) { write(1, Array((s + "\n").utf8)) }

    static func err(_ s: String) {
        lock.with { write(2, Array((s + "\n").utf8)) }
    }

    static func error(_ message: String) { err("berth-ctl: \(message)") }
}

