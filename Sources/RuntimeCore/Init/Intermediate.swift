import Glibc
import CLinux
import LinuxSys
import OCISpec

/// The first child: joins namespaces given by path, creates the user namespace
/// (the parent writes its id maps), unshares the rest and forks the init so it
/// is pid 1 of a new pid namespace. It reports the init's pid and exits.
enum Intermediate {
    static func run(namespaces: NamespacePlan, timeOffsets: [String: LinuxTimeOffset]?, sync: SyncChannel,
                    child: (SyncChannel) -> Never) -> Never {
        do {
            for j in namespaces.join {
                let fd = try sys("open", j.path) { open(j.path, O_RDONLY | O_CLOEXEC) }
                try sys("setns", "\(j.path) (\(j.kind.rawValue))") { berth_setns(fd, j.kind.cloneFlag) }
                close(fd)
            }
            if namespaces.new.contains(.user) {
                try sys("unshare", "CLONE_NEWUSER") { berth_unshare(NamespaceKind.user.cloneFlag) }
                try sync.send("userns")
                try sync.expect("userns-ok")
                try sys("setresgid", "0 in the new user namespace") { berth_setresgid(0, 0, 0) }
                try sys("setresuid", "0 in the new user namespace") { berth_setresuid(0, 0, 0) }
            }
            let flags = namespaces.unshareFlags
            if flags != 0 {
                try sys("unshare", "flags 0x" + String(flags, radix: 16)) { berth_unshare(flags) }
            }
            if namespaces.new.contains(.time), let offsets = timeOffsets, !offsets.isEmpty {
                var text = ""
                for (clock, o) in offsets.sorted(by: { $0.key < $1.key }) {
                    text += "\(clock) \(o.secs ?? 0) \(o.nanosecs ?? 0)\n"
                }
                try FileIO.writeExisting("/proc/self/timens_offsets", text)
            }
            let pid = ChildFork.clone()
            if pid < 0 { throw SyscallError("fork", "container init") }
            if pid == 0 { child(sync) }
            try sync.send("pid \(pid)")
            _exit(0)
        } catch {
            try? sync.send("error \(error)")
            _exit(1)
        }
    }
}
