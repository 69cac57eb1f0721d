import Glibc
import CLinux
import LinuxSys

enum Wait {
    /// Waits until `pid` has exited (it need not be our child): pidfd readiness,
    /// or /proc polling on old kernels. Returns false on timeout.
    @discardableResult
    static func forExit(pid: pid_t, timeout: Double) -> Bool {
        let pidfd = berth_pidfd_open(pid)
        if pidfd >= 0 {
            defer { close(pidfd) }
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(timeout * 1000)
            while true {
                let r = poll(&p, 1, ms)
                if r < 0 && errno == EINTR { continue }
                return r > 0
            }
        }
        if errno == ESRCH { return true }
        let deadline = monotonicNow() + timeout
        while monotonicNow() < deadline {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            usleep(2000)
        }
        return false
    }
}

/// Signal names as kill(1) and runc accept them: "KILL", "SIGKILL" or "9".
enum Signals {
    static let table: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8,
        "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16,
        "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24,
        "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
    ]

    static func parse(_ s: String) throws -> Int32 {
        if let n = Int32(s), n > 0, n < 65 { return n }
        var name = s.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        if let n = table[name] { return n }
        if name.hasPrefix("RTMIN") {
            let off = Int32(name.dropFirst(5).drop { $0 == "+" }) ?? 0
            return 34 + off
        }
        throw RuntimeError("unknown signal \"\(s)\"")
    }
}
