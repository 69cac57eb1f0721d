import LinuxSys
import DockerAPI
import SupervisorAPI

extension ContainerEngine {
    /// `GET /containers/{id}/logs`. `write` gets each framed chunk.
    public func logs(_ ref: String, options: LogOptions, write: @escaping ([UInt8]) throws -> Void) throws {
        let r = try lookup(ref)
        if r.HostConfig.LogConfig?.Type == "none" {
            throw EngineError.invalid("configured logging driver does not support reading")
        }
        let id = r.ID
        var batch = LogBatch(multiplexed: !(r.Config.Tty ?? false), timestamps: options.timestamps, write: write)
        try LogReader.read(path: paths(id).log, options: options,
                           isRunning: { [self] in state.with { records[id].map { $0.State.isRunning || $0.State.Status == "restarting" } ?? false } },
                           emit: { e in
            if e.stream.isEmpty {
                // Nothing new for now: what is batched goes out before the client probe.
                try batch.flush()
                return try write([])
            }
            try batch.add(e)
        })
        try batch.flush()
    }

    /// `POST /containers/{id}/attach`: replays logs when asked, then streams live output
    /// until the process's output ends; input goes to its stdin when asked and open.
    public func attach(_ ref: String, logs: Bool, stream: Bool, stdin: Bool, stdout: Bool, stderr: Bool,
                       detachKeys: DetachKeys = .default,
                       output: @escaping AttachSession.Output, input: (@Sendable () -> [UInt8])?) throws {
        let r = try lookup(ref)
        let tty = r.Config.Tty ?? false
        if logs {
            var o = LogOptions()
            o.stdout = stdout; o.stderr = stderr
            var batch = LogBatch(multiplexed: !tty, timestamps: false, write: output)
            try? LogReader.read(path: paths(r.ID).log, options: o, isRunning: { false }) { e in try batch.add(e) }
            try? batch.flush()
        }
        emit("attach", r)
        guard stream else { return }
        let session = AttachSession(multiplexed: !tty, stdout: stdout, stderr: stderr, output: output)
        let shim: String? = try state.with {
            guard let cur = records[r.ID] else { throw EngineError.noSuchContainer(ref) }
            if cur.State.isRunning { return "" }
            if cur.State.Status == "created" || cur.State.Status == "exited" || cur.State.Status == "restarting" {
                // docker run attaches before it starts the container.
                pendingAttach[r.ID, default: []].append(session)
                return nil
            }
            return nil
        }
        if shim != nil {
            let info = try supervisor.call(SupervisorMethod.get, TaskRef(id: r.ID), TaskInfo.self)
            session.connect(shimAddress: info.shimAddress, execID: nil)
        }
        if stdin, r.Config.OpenStdin ?? false, let input {
            // As dockerd's CopyStreams: a TTY's stdin stays open when the client goes (a detach
            // with ctrl-p ctrl-q must leave the shell running); end of input is typed, not closed.
            session.forwardStdin(closeAtEnd: (r.Config.StdinOnce ?? false) && !tty, detachKeys: detachKeys, read: input)
        }
        session.waitDone()
        if session.detached { emit("detach", r) }
    }
}
