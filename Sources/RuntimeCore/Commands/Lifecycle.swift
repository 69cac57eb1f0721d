import Glibc
import JSON
import CLinux
import LinuxSys
import OCISpec
import Cgroups

/// start, state, kill, delete, pause, resume: the verbs that move a container
/// through the spec's states.
enum Lifecycle {
    /// `record` saves a reload when `run` already holds it.
    static func start(_ rt: Runtime, id: String, record: ContainerRecord? = nil) throws {
        let r = try record ?? rt.store.load(id)
        Timing.mark("start: load")
        switch r.status(store: rt.store) {
        case .created: break
        case .stopped: throw RuntimeError("cannot start a container that has stopped")
        case .running, .paused: throw RuntimeError("cannot start an already running container")
        case .creating: throw RuntimeError("container \"\(id)\" is still being created")
        }
        let sock = rt.store.startSocket(id)
        let fd = try sys("connect", sock) { berth_unix_connect(shortPath(sock), Int32(SOCK_STREAM.rawValue)) }
        defer { close(fd) }
        Timing.mark("start: status+connect")
        var go: UInt8 = 0x67
        guard write(fd, &go, 1) == 1 else { throw SyscallError("write", "start socket") }
        // End-of-file without a message is a successful exec (the fd was close-on-exec).
        let reply = (try? FileIO.readAll(fd: fd)) ?? []
        Timing.mark("start: exec'd")
        unlink(sock)
        if !reply.isEmpty {
            throw RuntimeError("container \"\(id)\" failed to start: " + String(decoding: reply, as: UTF8.self))
        }
        if let hooks = r.spec.hooks?.poststart {
            for f in HookRunner.runLogging(hooks, phase: "poststart", state: r.hookState(store: rt.store, status: .running)) {
                rt.log.warn(f)
                FileHandleOut.stderr("berth-runtime: warning: \(f)\n")
            }
        }
    }

    static func state(_ rt: Runtime, id: String) throws -> String {
        let r = try rt.store.load(id)
        return try stateJSON(r, rt.store)
    }

    /// runc's state document: the OCI state plus rootfs, created and owner.
    static func stateJSON(_ r: ContainerRecord, _ store: StateStore) throws -> String {
        let s = r.ociState(store: store)
        var obj = "{\n  \"ociVersion\": \(jsonQuote(s.ociVersion)),\n  \"id\": \(jsonQuote(s.id)),\n"
        obj += "  \"pid\": \(s.pid ?? 0),\n  \"status\": \(jsonQuote(s.status)),\n"
        obj += "  \"bundle\": \(jsonQuote(s.bundle)),\n  \"rootfs\": \(jsonQuote(r.rootfs)),\n"
        obj += "  \"created\": \(jsonQuote(r.created)),\n"
        if let a = s.annotations, !a.isEmpty {
            let enc = String(decoding: try JSON.encode(a), as: UTF8.self)
            obj += "  \"annotations\": \(enc),\n"
        }
        obj += "  \"owner\": \(jsonQuote(r.owner))\n}\n"
        return obj
    }

    static func kill(_ rt: Runtime, id: String, signal: Int32, all: Bool) throws {
        let r = try rt.store.load(id)
        let status = r.status(store: rt.store)
        guard status != .stopped else { throw RuntimeError("container not running") }
        if all {
            try r.cgroup.killAll(signal: signal)
        } else if Glibc.kill(r.initPid, signal) != 0 {
            throw SyscallError("kill", "pid \(r.initPid) signal \(signal)")
        }
        // A frozen process cannot die; SIGKILL on a paused container must take effect.
        if status == .paused && signal == SIGKILL { try? r.cgroup.thaw() }
    }

    static func delete(_ rt: Runtime, id: String, force: Bool, record: ContainerRecord? = nil) throws {
        let r: ContainerRecord
        do { r = try record ?? rt.store.load(id) } catch is StateStore.NotFound {
            if force { rt.store.remove(id); return }
            throw StateStore.NotFound(id: id)
        }
        let status = r.status(store: rt.store)
        switch status {
        case .running, .paused:
            guard force else {
                throw RuntimeError("cannot delete container \(id) that is not stopped: \(status.rawValue)")
            }
            fallthrough
        case .created, .creating:
            // A created container has not run its process yet: deleting it needs no force (as runc).
            try? r.cgroup.killAll(signal: SIGKILL)
            _ = Glibc.kill(r.initPid, SIGKILL)
            if status == .paused { try? r.cgroup.thaw() }
            if !Wait.forExit(pid: r.initPid, timeout: 10) {
                throw RuntimeError("container \(id): init \(r.initPid) did not exit after SIGKILL")
            }
        case .stopped:
            break
        }
        // Stray processes (exec'd, or forked without a pid namespace) go with it.
        if let pids = try? r.cgroup.pids(), !pids.isEmpty { try? r.cgroup.killAll(signal: SIGKILL) }
        do { try r.cgroup.destroy() } catch { rt.log.warn("container \(id): \(error)") }
        rt.store.remove(id)
        if let hooks = r.spec.hooks?.poststop {
            for f in HookRunner.runLogging(hooks, phase: "poststop", state: r.hookState(store: rt.store, status: .stopped)) {
                rt.log.warn(f)
                FileHandleOut.stderr("berth-runtime: warning: \(f)\n")
            }
        }
    }

    static func pause(_ rt: Runtime, id: String) throws {
        let r = try rt.store.load(id)
        switch r.status(store: rt.store) {
        case .running: try r.cgroup.freeze()
        case .paused: throw RuntimeError("container \"\(id)\" is already paused")
        default: throw RuntimeError("container not running")
        }
    }

    static func resume(_ rt: Runtime, id: String) throws {
        let r = try rt.store.load(id)
        guard r.status(store: rt.store) == .paused else { throw RuntimeError("container not paused") }
        try r.cgroup.thaw()
    }
}
