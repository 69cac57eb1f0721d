import Glibc
import CLinux
import LinuxSys
import OCISpec

/// `run`: create and start; in the foreground also wait, relay, and delete.
enum Run {
    static func run(_ rt: Runtime, _ options: CreateOptions, detach: Bool) throws -> Int32 {
        var o = options
        var ownConsole: Int32 = -1
        if !detach {
            // The init is forked by a short-lived helper; as subreaper we inherit and can reap it.
            _ = berth_set_child_subreaper(1)
            let bundle = try absolute(o.bundle)
            let spec = try Spec.load(from: bundle + "/config.json")
            o.preloaded = (bundle, spec)
            if spec.process?.terminal == true && o.consoleSocket == nil {
                var fds: [Int32] = [-1, -1]
                try sys("socketpair", "console") { berth_socketpair_stream(&fds) }
                ownConsole = fds[0]
                o.consoleFd = fds[1]
            }
        }
        let record: ContainerRecord
        do {
            record = try Create.run(rt, o)
        } catch {
            if ownConsole >= 0 { close(ownConsole); close(o.consoleFd) }
            throw error
        }
        var master: Int32 = -1
        if ownConsole >= 0 {
            close(o.consoleFd)
            var name = [UInt8](repeating: 0, count: 128)
            _ = berth_recv_fd(ownConsole, &master, &name, name.count)
            close(ownConsole)
        }
        do {
            try Lifecycle.start(rt, id: o.id, record: record)
        } catch {
            try? Lifecycle.delete(rt, id: o.id, force: true)
            throw error
        }
        Timing.mark("started")
        if detach { return 0 }
        let code = ForegroundWait.wait(pid: record.initPid, master: master)
        Timing.mark("exited")
        try? Lifecycle.delete(rt, id: o.id, force: true, record: record)
        Timing.mark("deleted")
        return code
    }
}
