import Glibc
import CLinux
import LinuxSys

/// The local terminal: raw mode for `run -it` / `exec -it` (and its restoration on every
/// way out), and the window size sent to the container's TTY.
enum Terminal {
    private static let lock = Lock()
    nonisolated(unsafe) private static var saved: [UInt8]? = nil
    nonisolated(unsafe) private static var savedFD: Int32 = -1

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Puts `fd` in raw mode (cfmakeraw, as moby/term's MakeRaw); restore() undoes it.
    static func makeRaw(_ fd: Int32) throws {
        try lock.with {
            if saved != nil { return }
            var buf = [UInt8](repeating: 0, count: berth_termios_size())
            let r = buf.withUnsafeMutableBytes { berth_tty_make_raw(fd, $0.baseAddress, $0.count) }
            if r != 0 { throw SyscallError("tcsetattr", "fd \(fd)") }
            saved = buf
            savedFD = fd
        }
    }

    /// Restores the mode saved by makeRaw; safe to call any number of times.
    static func restore() {
        lock.with {
            guard let s = saved else { return }
            _ = s.withUnsafeBytes { berth_tty_restore(savedFD, $0.baseAddress, $0.count) }
            saved = nil
        }
    }

    /// Rows and columns of the terminal on `fd`, nil when it is not a terminal.
    static func size(_ fd: Int32) -> (rows: Int, cols: Int)? {
        var rows: UInt16 = 0, cols: UInt16 = 0
        guard berth_tty_get_winsize(fd, &rows, &cols) == 0 else { return nil }
        return (Int(rows), Int(cols))
    }
}

/// Signals handled on a thread of their own: blocked in the calling thread (and every
/// thread it starts afterwards, so a forwarded SIGINT never interrupts a blocking read
/// elsewhere) and taken with sigtimedwait. stop() restores the mask; the thread notices
/// within a tenth of a second and ends.
public final class SignalWatcher: @unchecked Sendable {
    private var old = sigset_t()
    private let lock = Lock()
    private var stopped = false

    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, &old)
        let watched = set
        spawnThread { [self] in
            var s = watched
            var info = siginfo_t()
            var timeout = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            while !lock.with({ stopped }) {
                let sig = sigtimedwait(&s, &info, &timeout)
                if sig > 0 && !lock.with({ stopped }) { handler(sig) }
            }
        }
    }

    /// Gives the calling thread its previous signal mask and lets the watcher thread end.
    func stop() {
        lock.with { stopped = true }
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }

    /// The signals `run`/`start -a` forward to the container (sig-proxy), by name.
    static let proxied: [(Int32, String)] = [
        (SIGHUP, "HUP"), (SIGINT, "INT"), (SIGQUIT, "QUIT"), (SIGTERM, "TERM"), (SIGUSR1, "USR1"),
        (SIGUSR2, "USR2"), (SIGALRM, "ALRM"), (SIGCONT, "CONT"), (SIGTSTP, "TSTP"), (SIGTTIN, "TTIN"), (SIGTTOU, "TTOU"),
    ]
}
