import Glibc
import LinuxSys
import CLinux

/// Helper programs run with posix_spawn and waitpid (no Foundation.Process in a daemon):
/// short-lived ones to completion (`berth-shim start`, `ps`), daemons detached.
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `path args`, collecting stdout and stderr. Output ends when the program
    /// has exited: a daemon it leaves behind may keep the pipes open, so waiting for
    /// end-of-file alone could hang.
    public static func run(_ path: String, _ args: [String], timeout: Double) throws -> Output {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        try sys("pipe2", "for \(path) stdout") { berth_pipe_cloexec(&outPipe) }
        do { try sys("pipe2", "for \(path) stderr") { berth_pipe_cloexec(&errPipe) } } catch {
            close(outPipe[0]); close(outPipe[1])
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(path, args, stdout: outPipe[1], stderr: errPipe[1])
        } catch {
            outPipe.forEach { close($0) }; errPipe.forEach { close($0) }
            throw error
        }
        close(outPipe[1]); close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }
        _ = berth_set_nonblock(outPipe[0], 1)
        _ = berth_set_nonblock(errPipe[0], 1)

        var out: [UInt8] = [], err: [UInt8] = []
        var open = [true, true]
        var raw: Int32 = 0
        var reaped = false
        let deadline = monotonicNow() + timeout
        while !reaped {
            var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
            for i in 0..<2 where !open[i] { fds[i].fd = -1 }
            // Both pipes closed: the program and anything it left behind are done
            // writing, so block in waitpid. Otherwise look at it every 20 ms.
            if !open[0] && !open[1] {
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                reaped = true
                break
            }
            let r = poll(&fds, 2, 20)
            if r < 0 && errno != EINTR { break }
            if drain(outPipe[0], &out) { open[0] = false }
            if drain(errPipe[0], &err) { open[1] = false }
            let w = waitpid(pid, &raw, WNOHANG)
            if w == pid { reaped = true; break }
            if monotonicNow() > deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                throw RuntimeError("\(path) \(args.joined(separator: " ")): no answer after \(Int(timeout)) seconds; killed it")
            }
        }
        _ = drain(outPipe[0], &out)
        _ = drain(errPipe[0], &err)
        return Output(status: shellStatus(raw), stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    /// Reads what is there; true at end-of-file.
    private static func drain(_ fd: Int32, _ into: inout [UInt8]) -> Bool {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { into.append(contentsOf: buf[0..<n]); continue }
            if n == 0 { return true }
            if errno == EINTR { continue }
            return false
        }
    }

    /// Starts a daemon in its own session (so it outlives its parent's death and a terminal's
    /// hangup) with stdin on /dev/null and stdout and stderr on `logFd` (or /dev/null).
    public static func spawnDetached(_ path: String, _ args: [String], logFd: Int32) throws -> pid_t {
        try spawn(path, args, stdout: logFd, stderr: logFd, newSession: true)
    }

    /// Starts a helper whose stdin is `stdin` (a pipe the caller keeps the other end of, so
    /// that the helper sees EOF when the caller dies) and whose output goes to `logFd`.
    public static func spawnHelper(_ path: String, _ args: [String], stdin: Int32, logFd: Int32) throws -> pid_t {
        try spawn(path, args, stdin: stdin, stdout: logFd, stderr: logFd)
    }

    private static func spawn(_ path: String, _ args: [String], stdin: Int32 = -1, stdout: Int32, stderr: Int32,
                              newSession: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin >= 0 { posix_spawn_file_actions_adddup2(&actions, stdin, 0) } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if stdout >= 0 { posix_spawn_file_actions_adddup2(&actions, stdout, 1) } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if stderr >= 0 { posix_spawn_file_actions_adddup2(&actions, stderr, 2) } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }

        // The supervisor blocks SIGTERM/SIGINT for its signal thread; children start clean.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        // 0x80 is glibc's POSIX_SPAWN_SETSID, which the Glibc module does not export.
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (newSession ? 0x80 : 0)))

        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
        guard rc == 0 else { throw SyscallError("posix_spawn", path, errno: rc) }
        return pid
    }

    public static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Splits a wait(2) status into the shell's convention: the exit code, or 128+signal.
public func shellStatus(_ raw: Int32) -> Int32 {
    let sig = raw & 0x7f
    return sig == 0 ? (raw >> 8) & 0xff : 128 + sig
}
