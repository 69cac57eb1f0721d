import Glibc
import CLinux
import LinuxSys
import OCISpec

/// The last steps before execve, shared by a container's init and `exec`:
/// rlimits, user and groups, capabilities, no_new_privs, seccomp, and the
/// closing of every fd the container must not inherit.
enum Finalize {
    static func apply(_ plan: ProcessPlan, preserveFds: Int) throws {
        for r in plan.rlimits {
            try sys("setrlimit", "resource \(r.resource) soft \(r.soft) hard \(r.hard)") {
                berth_setrlimit(r.resource, r.soft, r.hard)
            }
        }
        if let adj = plan.process.oomScoreAdj {
            try FileIO.writeExisting("/proc/self/oom_score_adj", String(adj))
        }
        let nnp = plan.noNewPrivileges
        // Without no_new_privs a filter needs CAP_SYS_ADMIN: install it while we
        // still hold every capability (runc does the same).
        if !nnp, let s = plan.seccomp { try installSeccomp(s) }
        if plan.hasCapabilities {
            for cap in 0...Capabilities.lastCap where plan.bounding & (1 << UInt64(cap)) == 0 {
                if berth_capbset_drop(Int32(cap)) != 0 && errno != EINVAL {
                    throw SyscallError("prctl PR_CAPBSET_DROP", Capabilities.names[safe: cap] ?? "\(cap)")
                }
            }
        }
        try switchUser(plan.process.user)
        if plan.hasCapabilities {
            try sys("capset", "effective 0x\(String(plan.effective, radix: 16)) permitted 0x\(String(plan.permitted, radix: 16))") {
                berth_capset(plan.effective, plan.permitted, plan.inheritable)
            }
            _ = berth_ambient_clear_all()
            for cap in 0..<64 where plan.ambient & (1 << UInt64(cap)) != 0 {
                // The kernel refuses ambient caps not in permitted and inheritable; runc ignores those too.
                _ = berth_ambient_raise(Int32(cap))
            }
        }
        if nnp { try sys("prctl PR_SET_NO_NEW_PRIVS", "") { berth_set_no_new_privs() } }
        if nnp, let s = plan.seccomp { try installSeccomp(s) }
        if let mask = plan.process.user.umask { umask(mode_t(mask)) }
        // CVE-2024-21626: nothing of ours may survive into the container.
        _ = berth_close_range_cloexec(UInt32(3 + preserveFds))
    }

    static func installSeccomp(_ s: SeccompProgramRef) throws {
        try s.filter.withUnsafeBytes { buf in
            try sys("seccomp SECCOMP_SET_MODE_FILTER", "flags 0x\(String(s.flags, radix: 16))") {
                berth_seccomp_install(buf.baseAddress, buf.count, s.flags)
            }
        }
    }

    static func switchUser(_ u: User) throws {
        // Keep capabilities across setuid; the capset above sets the final sets.
        _ = berth_set_keepcaps(1)
        let groups = (u.additionalGids ?? []).map { gid_t($0) }
        if berth_setgroups(groups.count, groups) != 0 {
            // In a user namespace with setgroups denied only an empty list can fail harmlessly.
            if !(errno == EPERM && groups.isEmpty) { throw SyscallError("setgroups", "\(groups)") }
        }
        try sys("setresgid", "\(u.gid)") { berth_setresgid(u.gid, u.gid, u.gid) }
        try sys("setresuid", "\(u.uid)") { berth_setresuid(u.uid, u.uid, u.uid) }
        _ = berth_set_keepcaps(0)
    }

    /// PATH lookup in the container's view, as execvp would do, so a missing
    /// binary fails at create time with runc's wording.
    static func lookPath(_ name: String, env: [String]) throws -> String {
        if name.contains("/") {
            guard access(name, X_OK) == 0 else {
                // Lower case, as runc's Go errors read: clients (the docker CLI) match "permission denied".
                throw RuntimeError("exec: \"\(name)\": \(Errno.describe(errno).lowercased())")
            }
            // A directory passes X_OK; Go's exec.LookPath (runc) refuses it as permission denied.
            var st = stat()
            if stat(name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                throw RuntimeError("exec: \"\(name)\": permission denied")
            }
            return name
        }
        let pathVar = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in pathVar.split(separator: ":", omittingEmptySubsequences: false) {
            let d = dir.isEmpty ? "." : String(dir)
            let candidate = d + "/" + name
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw RuntimeError("exec: \"\(name)\": executable file not found in $PATH")
    }

    /// execve; returns only on failure.
    static func exec(path: String, args: [String], env: [String]) -> Int32 {
        _ = berth_signal_default_all()
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        execve(path, &cargs, &cenv)
        return errno
    }
}

typealias SeccompProgramRef = Seccomp.SeccompProgram
import Seccomp

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
