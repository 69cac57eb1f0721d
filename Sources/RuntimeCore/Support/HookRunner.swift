import Glibc
import CLinux
import LinuxSys
import OCISpec

/// Runs OCI hooks: the state JSON on stdin, the hook's own args and env, and a
/// timeout after which the hook is killed. A failing hook is an error naming it.
public enum HookRunner {
    public static func run(_ hooks: [Hook], phase: String, state: [UInt8]) throws {
        for (i, h) in hooks.enumerated() {
            do {
                try runOne(h, state: state)
            } catch {
                throw RuntimeError("\(phase) hook #\(i) (\(h.path)): \(error)")
            }
        }
    }

    /// Runs every hook; failures are returned, not thrown (poststart, poststop).
    public static func runLogging(_ hooks: [Hook], phase: String, state: [UInt8]) -> [String] {
        var failures: [String] = []
        for (i, h) in hooks.enumerated() {
            do { try runOne(h, state: state) } catch { failures.append("\(phase) hook #\(i) (\(h.path)): \(error)") }
        }
        return failures
    }

    static func runOne(_ h: Hook, state: [UInt8]) throws {
        var fds: [Int32] = [-1, -1]
        try sys("pipe2", "") { berth_pipe_cloexec(&fds) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        let args = (h.args?.isEmpty == false ? h.args! : [h.path])
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = (h.env ?? []).map { strdup($0) } + [nil]
        defer { (cargs + cenv).forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, h.path, &actions, nil, &cargs, &cenv)
        close(fds[0])
        if r != 0 {
            close(fds[1])
            throw SyscallError("exec", h.path, errno: r)
        }
        // The hook may not read stdin at all; a closed pipe must not kill us.
        signal(SIGPIPE, SIG_IGN)
        try? FileIO.writeAll(fd: fds[1], state)
        close(fds[1])
        let status = try waitWithTimeout(pid, seconds: h.timeout)
        if status.timedOut { throw RuntimeError("timed out after \(h.timeout ?? 0)s") }
        if status.code != 0 { throw RuntimeError(status.describe) }
    }

    struct ExitStatus {
        var code: Int32 = 0
        var signal: Int32 = 0
        var timedOut = false
        var describe: String { signal != 0 ? "killed by signal \(signal)" : "exit status \(code)" }
    }

    static func waitWithTimeout(_ pid: pid_t, seconds: Int?) throws -> ExitStatus {
        let deadline = seconds.map { monotonicNow() + Double($0) }
        var delay: UInt32 = 200
        while true {
            var st: Int32 = 0
            let r = waitpid(pid, &st, deadline == nil ? 0 : WNOHANG)
            if r == pid {
                var out = ExitStatus()
                if st & 0x7f == 0 { out.code = (st >> 8) & 0xff } else { out.signal = st & 0x7f }
                return out
            }
            if r < 0 && errno != EINTR { throw SyscallError("waitpid", "\(pid)") }
            if let d = deadline, monotonicNow() > d {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &st, 0)
                return ExitStatus(timedOut: true)
            }
            usleep(delay)
            delay = min(delay * 2, 20000)
        }
    }
}

public func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
