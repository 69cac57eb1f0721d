import CLinux
import CRuntimeInit

/// The runtime's own fork-like children (intermediate, container init, exec'd
/// process before its execve). Each child first turns fault-around off in its
/// copy of the binary's mappings, as the constructor did for the parent: the
/// init runs a good part of the runtime's code before it execs, and its peak RSS
/// counts in the runtime's own (ru_maxrss includes reaped children).
enum ChildFork {
    static func clone(_ flags: UInt = 0) -> pid_t {
        let pid = berth_clone_fork(flags)
        if pid == 0 { berth_runtime_limit_fault_around_in_child() }
        return pid
    }

    /// clone3 with CLONE_INTO_CGROUP: the child is born in the cgroup2 directory `cgroupFd`.
    static func cloneIntoCgroup(_ flags: UInt, _ cgroupFd: Int32) -> pid_t {
        let pid = berth_clone3_into_cgroup(flags, cgroupFd)
        if pid == 0 { berth_runtime_limit_fault_around_in_child() }
        return pid
    }
}
