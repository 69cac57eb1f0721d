import Glibc
import LinuxSys
import ShimAPI
import Wire

/// `berth-shim delete`: what containerd's `shim delete` does for a shim that can no longer be
/// reached (killed, crashed): delete the container with the runtime named in the persisted
/// create params, remove the shim's socket and state, and report the exit (137 if the shim
/// died before recording one). Idempotent: a second run finds nothing and reports 137.
enum ShimCleanup {
    static func delete(_ opts: ShimOptions) -> Int32 {
        ShimMain.fillStdio()
        let paths = opts.paths
        stopUnreachableShim(paths)
        var result = ExitResult(pid: 0, exitStatus: 137, exitedAt: WallTime.now().rfc3339Nano)
        if let pid = try? readPidFile(paths.initPidFile) { result.pid = pid }
        if let recorded = ExitRecord.read(paths.initExitFile) { result = recorded }

        if let bytes = try? FileIO.read(path: paths.taskFile) {
            do {
                let params = try ShimJSON.decode(ShimCreateParams.self, bytes)
                try deleteContainer(params, paths)
            } catch {
                ShimMain.printErr("berth-shim: delete \(opts.id): \(error)")
            }
        }
        unlink(paths.socket)
        FileIO.removeAll(paths.stateDir)
        if let json = try? WireJSON.encode(result) {
            ShimMain.printOut(String(decoding: json, as: UTF8.self))
        }
        return 0
    }

    /// A shim that still runs but does not answer must not go on acting on the container.
    /// Only a process that is really that shim (its command line names the id) is killed.
    private static func stopUnreachableShim(_ paths: ShimPaths) {
        guard let pid = try? readPidFile(paths.shimPidFile), pid != getpid(),
              let cmdline = try? FileIO.read(path: "/proc/\(pid)/cmdline") else { return }
        let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard args.contains("serve"), let i = args.firstIndex(of: "--id"), i + 1 < args.count, args[i + 1] == paths.id,
              let j = args.firstIndex(of: "--socket-dir"), j + 1 < args.count, args[j + 1] == paths.socketDir else { return }
        if ShimMain.serving(paths.socket) { ShimMain.printErr("berth-shim: delete \(paths.id): the shim (pid \(pid)) still answers; killing it") }
        kill(pid, SIGKILL)
        for _ in 0..<100 {
            let stat = FileIO.readStringIfPresent("/proc/\(pid)/stat") ?? ""
            guard let close = stat.lastIndex(of: ")") else { return }
            let state = stat[stat.index(after: close)...].dropFirst().first
            if state == "Z" || state == "X" { return }
            usleep(10_000)
        }
    }

    private static func deleteContainer(_ params: ShimCreateParams, _ paths: ShimPaths) throws {
        let runtime = try RuntimeRunner.resolve(params.runtime)
        var argv = [runtime]
        if let root = params.runtimeRoot { argv += ["--root", root] }
        argv += ["--log", paths.runtimeLog, "--log-format", "json", "delete", "--force", params.id]
        let logStart = RuntimeRunner.size(of: paths.runtimeLog)
        let null = try sys("open", "/dev/null") { open("/dev/null", O_RDWR | O_CLOEXEC) }
        defer { close(null) }
        let pid = try Spawn.process(runtime, argv, stdio: Reaper.Stdio(stdin: null, stdout: null, stderr: null))
        let status = Spawn.wait(pid)
        guard status == 0 else {
            let message = RuntimeRunner.lastError(in: paths.runtimeLog, from: logStart) ?? "exit status \(status)"
            let failure = RuntimeFailure(verb: "delete", message: message)
            if failure.isNotExist { return }
            throw failure
        }
    }
}
