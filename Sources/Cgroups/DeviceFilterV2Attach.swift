import CLinux
import Glibc
import OCISpec

/// The kernel side of DeviceFilterV2: bpf(2) load, attach, query, detach.
extension DeviceFilterV2 {
    /// Builds the filter for `rules` and installs it on the cgroup2 directory `cgroupDir`.
    /// A failure to install is ignored where runc ignores it: inside a user namespace,
    /// where bpf(2) is not available, and when every rule allows everything anyway.
    public static func apply(_ rules: [LinuxDeviceCgroup], cgroupDir: String) throws {
        let prog = try program(for: rules)
        do {
            try install(prog, cgroupDir: cgroupDir)
        } catch {
            if !canIgnoreFailure(rules) { throw error }
        }
    }

    /// Loads `program` and attaches it to `cgroupDir`, then detaches the device programs
    /// attached there before, so that an update leaves only the newest filter in force.
    /// The new program is attached before the old ones go: while several are attached each
    /// must allow an access, so there is never a moment with no filter at all.
    public static func install(_ program: [Instruction], cgroupDir: String) throws {
        let dirFD = try openDirectory(cgroupDir)
        defer { close(dirFD) }
        let oldIDs = try attachedProgramIDs(dirFD: dirFD, path: cgroupDir)
        let prog = try load(program)
        defer { close(prog) }

        var oldFDs: [Int32] = []
        defer { for fd in oldFDs { close(fd) } }
        for id in oldIDs {
            let fd = retryingEINTR { berth_bpf_prog_fd_by_id(id) }
            if fd >= 0 {
                oldFDs.append(fd)
                continue
            }
            let e = errno
            // ENOENT: detached and freed meanwhile. EPERM/EACCES: an LSM keeps us from a program
            // someone else (systemd) attached; it can only deny more, so it may stay (as runc).
            if e == ENOENT || e == EPERM || e == EACCES { continue }
            throw CgroupError("bpf BPF_PROG_GET_FD_BY_ID \(id): \(errnoText(e))", errno: e)
        }

        if oldFDs.count == 1 {
            // Atomic swap where the kernel has BPF_F_REPLACE (5.6+); EINVAL means it has not,
            // ENOENT that the old program went away: both leave the attach-then-detach path.
            if retryingEINTR({ berth_bpf_attach_device_prog(dirFD, prog, oldFDs[0]) }) == 0 { return }
            let e = errno
            if e != EINVAL && e != ENOENT {
                throw CgroupError.syscall("bpf BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI|BPF_F_REPLACE)",
                                          cgroupDir, errno: e)
            }
        }
        if retryingEINTR({ berth_bpf_attach_device_prog(dirFD, prog, -1) }) != 0 {
            throw CgroupError.syscall("bpf BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)", cgroupDir, errno: errno)
        }
        for fd in oldFDs where retryingEINTR({ berth_bpf_detach_device_prog(dirFD, fd) }) != 0 {
            let e = errno
            if e == ENOENT { continue }
            throw CgroupError.syscall("bpf BPF_PROG_DETACH (BPF_CGROUP_DEVICE) old filter from", cgroupDir, errno: e)
        }
    }

    /// The ids of the device programs attached to `cgroupDir` itself (not to its ancestors).
    public static func attachedProgramIDs(cgroupDir: String) throws -> [UInt32] {
        let dirFD = try openDirectory(cgroupDir)
        defer { close(dirFD) }
        return try attachedProgramIDs(dirFD: dirFD, path: cgroupDir)
    }

    static func attachedProgramIDs(dirFD: Int32, path: String) throws -> [UInt32] {
        var capacity: UInt32 = 64
        // ENOSPC reports the real count; the list can grow between two queries, so retry a few times.
        for _ in 0..<10 {
            var ids = [UInt32](repeating: 0, count: Int(capacity))
            var count = capacity
            let rc = ids.withUnsafeMutableBufferPointer { buf in
                retryingEINTR { berth_bpf_query_device_progs(dirFD, buf.baseAddress, &count) }
            }
            if rc == 0 { return Array(ids.prefix(Int(min(count, capacity)))) }
            let e = errno
            guard e == ENOSPC else {
                throw CgroupError.syscall("bpf BPF_PROG_QUERY (BPF_CGROUP_DEVICE)", path, errno: e)
            }
            capacity = max(count, capacity * 2)
        }
        throw CgroupError("bpf BPF_PROG_QUERY (BPF_CGROUP_DEVICE) \(path): the list of programs kept growing",
                          path: path)
    }

    static func openDirectory(_ path: String) throws -> Int32 {
        let fd = retryingEINTR { open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw CgroupError.syscall("open", path, errno: errno) }
        return fd
    }

    /// A program fd. On EINVAL or EACCES (the verifier refused) the error carries the
    /// verifier's log, which says which instruction it objected to.
    static func load(_ program: [Instruction]) throws -> Int32 {
        let insns = program.map { berth_bpf_insn(code: $0.code, dst: $0.dst, src: $0.src, off: $0.offset, imm: $0.imm) }
        let fd = insns.withUnsafeBufferPointer { buf in
            retryingEINTR { berth_bpf_load_device_prog(buf.baseAddress, buf.count, license, nil, 0) }
        }
        if fd >= 0 { return fd }
        let e = errno
        var message = "bpf BPF_PROG_LOAD: \(errnoText(e))"
        if e == EINVAL || e == EACCES, let log = verifierLog(insns), !log.isEmpty {
            message += "\nverifier log:\n" + log
        }
        throw CgroupError(message, errno: e)
    }

    /// Loads again with logging on, growing the buffer until the log fits (up to 16 MiB).
    static func verifierLog(_ insns: [berth_bpf_insn]) -> String? {
        var size = 64 << 10
        while size <= 16 << 20 {
            var log = [CChar](repeating: 0, count: size)
            let fd = insns.withUnsafeBufferPointer { buf in
                log.withUnsafeMutableBufferPointer { out in
                    retryingEINTR { berth_bpf_load_device_prog(buf.baseAddress, buf.count, license, out.baseAddress, out.count) }
                }
            }
            let e = errno
            if fd >= 0 { close(fd) }
            if fd < 0 && e == ENOSPC {
                size *= 2
                continue
            }
            let bytes = log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return nil
    }

    /// runc's canSkipEBPFError.
    static func canIgnoreFailure(_ rules: [LinuxDeviceCgroup]) -> Bool {
        if inUserNamespace() { return true }
        return rules.allSatisfy { rule in
            let access = rule.access ?? "rwm"
            return rule.allow && access.contains("r") && access.contains("w") && access.contains("m")
        }
    }

    static func inUserNamespace() -> Bool {
        guard let map = try? CgroupFS.read(path: "/proc/self/uid_map") else { return false }
        return !isInitialUIDMap(map)
    }

    /// Outside any user namespace uid_map maps the whole 32-bit range onto itself, in one line.
    static func isInitialUIDMap(_ text: String) -> Bool {
        CgroupFS.fields(Substring(CgroupFS.trim(text))) == ["0", "0", "4294967295"]
    }
}

private func retryingEINTR(_ body: () -> Int32) -> Int32 {
    while true {
        let r = body()
        if r >= 0 || errno != EINTR { return r }
    }
}
