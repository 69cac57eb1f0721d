import LinuxSys
import JSON
import OCISpec
import DockerAPI
import SupervisorAPI
import ShimAPI
import ContainerSpec

/// An exec instance: created by `POST /containers/{id}/exec`, run by `POST /exec/{id}/start`.
struct ExecRecord: Sendable {
    var id: String
    var containerID: String
    var config: ExecConfig
    var running = false
    var started = false
    var exitCode: Int?
    var pid = 0
}

extension ContainerEngine {
    /// `POST /containers/{id}/exec`.
    public func execCreate(_ ref: String, _ config: ExecConfig) throws -> String {
        let r = try lookup(ref)
        guard r.State.isRunning else { throw EngineError.conflict("Container \(r.ID) is not running") }
        if r.State.Status == "paused" {
            throw EngineError.conflict("Container \(r.ID) is paused, unpause the container before exec")
        }
        guard let cmd = config.Cmd, !cmd.isEmpty else { throw EngineError.invalid("No exec command specified") }
        if let keys = config.DetachKeys, !keys.isEmpty {
            do { _ = try DetachKeys(parsing: keys) } catch { throw EngineError.invalid("Invalid escape keys (\(keys)) provided") }
        }
        let id = Identifiers.random()
        state.with {
            execs[id] = ExecRecord(id: id, containerID: r.ID, config: config)
            if var cur = records[r.ID] { cur.ExecIDs.append(id); records[r.ID] = cur }
        }
        emit("exec_create: \(cmd.joined(separator: " "))", r, extra: ["execID": id])
        return id
    }

    /// `GET /exec/{id}/json`.
    public func execInspect(_ id: String) throws -> ExecInspect {
        guard let x = state.with({ execs[id] }) else { throw EngineError.noSuchExec(id) }
        let cmd = x.config.Cmd ?? []
        return ExecInspect(ID: x.id, ContainerID: x.containerID, Running: x.running, ExitCode: x.exitCode, Pid: x.pid,
                           OpenStdin: x.config.AttachStdin ?? false, OpenStdout: x.config.AttachStdout ?? true,
                           OpenStderr: x.config.AttachStderr ?? true,
                           ProcessConfig: .init(arguments: Array(cmd.dropFirst()), entrypoint: cmd.first ?? "",
                                                privileged: x.config.Privileged ?? false, tty: x.config.Tty ?? false,
                                                user: x.config.User ?? ""),
                           DetachKeys: x.config.DetachKeys ?? "")
    }

    /// `POST /exec/{id}/start`. Detached: returns once it runs. Attached: streams through
    /// `output` until the process's output ends.
    public func execStart(_ id: String, detach: Bool, output: AttachSession.Output?, input: (@Sendable () -> [UInt8])?) throws {
        let x: ExecRecord = try state.with {
            guard var x = execs[id] else { throw EngineError.noSuchExec(id) }
            if x.started { throw EngineError.conflict("Error: Exec command \(id) has already run") }
            x.started = true
            execs[id] = x
            return x
        }
        guard let r = state.with({ records[x.containerID] }), r.State.isRunning else {
            throw EngineError.conflict("Container \(x.containerID) is not running")
        }
        let process = try execProcess(r, x.config)
        let tty = x.config.Tty ?? false
        let wantsStdin = (x.config.AttachStdin ?? false) && !detach
        try supervisor.callVoid(SupervisorMethod.exec, TaskExecParams(id: r.ID, execID: id, process: process, stdin: wantsStdin))
        var session: AttachSession?
        if !detach, let output {
            let s = AttachSession(multiplexed: !tty, stdout: x.config.AttachStdout ?? true, stderr: x.config.AttachStderr ?? true,
                                  output: output)
            let info = try supervisor.call(SupervisorMethod.get, TaskRef(id: r.ID), TaskInfo.self)
            s.connect(shimAddress: info.shimAddress, execID: id)
            if wantsStdin, let input {
                let keys = (x.config.DetachKeys).flatMap { $0.isEmpty ? nil : try? DetachKeys(parsing: $0) } ?? .default
                s.forwardStdin(closeAtEnd: !tty, detachKeys: keys, read: input)
            }
            session = s
        }
        let pid: PidResult
        do {
            pid = try supervisor.call(SupervisorMethod.start, TaskRef(id: r.ID, execID: id), PidResult.self)
        } catch let e as EngineError {
            state.with { execs[id]?.exitCode = Self.exitCode(forStartFailure: e.message); state.broadcast() }
            session?.fail()
            throw EngineError(e.kind == .internal ? .internal : e.kind, "OCI runtime exec failed: \(e.message)")
        }
        markExecStarted(id, pid: Int(pid.pid))
        emit("exec_start: \((x.config.Cmd ?? []).joined(separator: " "))", r, extra: ["execID": id])
        session?.waitDone()
        if session?.detached == true {
            emit("exec_detach", r, extra: ["execID": id])
        } else if session != nil {
            _ = waitExec(id, seconds: 10)
        }
    }

    func execExited(_ execID: String, status: Int) {
        let containerID: String? = state.with {
            guard var x = execs[execID] else { return nil }
            x.running = false
            x.exitCode = status
            execs[execID] = x
            // Published before the waiters (exec inspect, attach) wake, as "die" in update().
            if let r = records[x.containerID] { emit("exec_die", r, extra: ["execID": execID, "exitCode": String(status)]) }
            state.broadcast()
            return x.containerID
        }
        if let containerID {
            // The supervisor keeps an exited exec until it is deleted.
            _ = try? supervisor.call(SupervisorMethod.delete, TaskRef(id: containerID, execID: execID), ExitResult.self)
        }
    }

    /// Records that an exec runs. A short process's exit event can arrive before the start's
    /// answer; an exit already recorded stands (else waitExec would wait out its timeout).
    func markExecStarted(_ id: String, pid: Int) {
        state.with {
            if execs[id]?.exitCode == nil { execs[id]?.running = true }
            execs[id]?.pid = pid
        }
    }

    /// Waits for an exec's exit code.
    func waitExec(_ id: String, seconds: Double) -> Int? {
        let deadline = ChildProcess.monotonicNow() + seconds
        return state.with {
            while true {
                guard let x = execs[id] else { return nil }
                if let code = x.exitCode, !x.running { return code }
                let left = deadline - ChildProcess.monotonicNow()
                if left <= 0 { return nil }
                _ = state.wait(seconds: left)
            }
        }
    }

    /// The exec'd process: the container's own process settings (capabilities, rlimits,
    /// no_new_privs, user) with the exec's command, environment, directory and user.
    func execProcess(_ r: ContainerRecord, _ c: ExecConfig) throws -> Process {
        let bundle = paths(r.ID).bundle
        let spec: Spec
        do { spec = try JSON.decode(Spec.self, from: try FileIO.read(path: "\(bundle)/config.json")) } catch {
            throw EngineError.internal("read the bundle of container \(r.ID): \(error)")
        }
        guard let base = spec.process else { throw EngineError.internal("container \(r.ID) has no process in its bundle") }
        var p = try ProcessResolver.exec(containerProcess: base, container: r.Config, cmd: c.Cmd ?? [], env: c.Env ?? [],
                                         user: c.User ?? "", workingDir: c.WorkingDir ?? "", tty: c.Tty ?? false,
                                         privileged: c.Privileged ?? false, rootfs: paths(r.ID).merged,
                                         groupAdd: r.HostConfig.GroupAdd ?? [], host: .detect())
        if let size = c.ConsoleSize, size.count == 2 { p.consoleSize = Box(height: UInt(size[0]), width: UInt(size[1])) }
        return p
    }
}
