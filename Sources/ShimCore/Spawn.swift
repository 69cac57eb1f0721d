import Glibc
import CLinux
import LinuxSys

enum Spawn {
    /// posix_spawn (no Swift code runs in the child: the shim is multi-threaded) with `stdio`
    /// as descriptors 0-2 and `extra` as 3, 4, ...; every other descriptor closed, default
    /// signal dispositions and an empty mask (the shim ignores SIGPIPE; a child must not).
    static func process(_ path: String, _ argv: [String], stdio: Reaper.Stdio, extra: [Int32] = [],
                        newSession: Bool = false) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let targets = [stdio.stdin, stdio.stdout, stdio.stderr] + extra
        // dup2 in order could overwrite a source that sits at a lower target number; the
        // callers' descriptors are all above 2 except ours in `start`, which are distinct.
        for (target, fd) in targets.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
        }
        let closeFrom = berth_spawn_addclosefrom(&actions, Int32(targets.count))
        guard closeFrom == 0 else { throw SyscallError("posix_spawn_file_actions_addclosefrom_np", errno: closeFrom) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        var flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession { flags |= berth_spawn_setsid_flag() }
        posix_spawnattr_setflags(&attr, flags)

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, cArgs, environ)
        guard rc == 0 else { throw SyscallError("posix_spawn", path, errno: rc) }
        return pid
    }

    /// waitpid for one child, in a process with no reaper thread (start, delete).
    static func wait(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal != 0 ? 128 + signal : (status >> 8) & 0xff
    }
}
