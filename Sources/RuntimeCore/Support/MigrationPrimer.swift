import Glibc
import CLinux
import LinuxSys

/// The first cgroup migration after a quiet period waits for an RCU grace
/// period (the kernel switches cgroup_threadgroup_rwsem to its slow path),
/// 8-15 ms here: the bulk of a cold container start. A throwaway child that
/// "moves" itself into the cgroup it is already in starts that wait at once,
/// so it runs in parallel with config parsing and namespace setup instead of
/// after it; our own migration later finds the lock already switched.
enum MigrationPrimer {
    static func start() {
        guard let own = FileIO.readStringIfPresent("/proc/self/cgroup") else { return }
        var target: String?
        for line in own.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let ctrl = parts[1], path = String(parts[2])
            let base: String
            if ctrl.isEmpty {
                base = FileIO.exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"
            } else if ctrl == "pids" {
                base = "/sys/fs/cgroup/pids"
            } else {
                continue
            }
            let file = base + (path == "/" ? "" : path) + "/cgroup.procs"
            if FileIO.exists(file) { target = file; break }
        }
        guard let file = target else { return }
        let pid = berth_clone_fork(0)
        if pid != 0 { return }
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        if fd >= 0 { _ = write(fd, "0", 1) }
        _exit(0)
    }
}
