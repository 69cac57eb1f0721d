import Glibc
import CLinux
import LinuxSys

/// The first cgroup migration after a quiet period waits for an RCU grace
/// period (the kernel switches cgroup_threadgroup_rwsem to its slow path),
/// 8-15 ms here: the bulk of a cold container start. A throwaway task that
/// "moves" itself into the cgroup it is already in starts that wait at once,
/// so it runs in parallel with config parsing and namespace setup instead of
/// after it; our own migration later finds the lock already switched.
/// On cgroup v1 the task is a thread writing its id to `tasks` (a fork of this
/// large process cost ~0.3 ms of CPU per create); on a unified hierarchy, where
/// a single thread cannot change cgroups, a forked child writes to cgroup.procs.
enum MigrationPrimer {
    static func start() {
        guard let own = FileIO.readStringIfPresent("/proc/self/cgroup") else { return }
        for line in own.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let ctrl = parts[1], path = String(parts[2])
            let dir = path == "/" ? "" : path
            if ctrl.isEmpty {
                let base = FileIO.exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"
                let file = base + dir + "/cgroup.procs"
                if FileIO.exists(file) { forkPrimer(file); return }
            } else if ctrl == "pids" {
                let file = "/sys/fs/cgroup/pids" + dir + "/tasks"
                if FileIO.exists(file), berth_prime_migration_thread(file) == 0 { return }
            }
        }
    }

    private static func forkPrimer(_ file: String) {
        let pid = berth_clone_fork(0)
        if pid != 0 { return }
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        if fd >= 0 { _ = write(fd, "0", 1) }
        _exit(0)
    }
}
