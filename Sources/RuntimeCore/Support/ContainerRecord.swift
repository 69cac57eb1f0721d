import Glibc
import JSON
import CLinux
import LinuxSys
import OCISpec
import Cgroups

/// What the runtime remembers about one container, in <root>/<id>/state.json.
public struct ContainerRecord: Codable, Sendable {
    public var id: String
    public var initPid: Int32
    /// Field 22 of /proc/<pid>/stat, so a recycled pid is not mistaken for our init.
    public var initStartTime: UInt64
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var owner: String
    public var cgroup: CgroupManager
    public var spec: Spec
}

/// The runtime's state directory (--root): one directory per container.
public struct StateStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public func dir(_ id: String) -> String { root + "/" + id }
    public func startSocket(_ id: String) -> String { dir(id) + "/start.sock" }

    public static func validate(id: String) throws {
        guard !id.isEmpty else { throw RuntimeError("container id cannot be empty") }
        let ok = id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == 0x2d || c == 0x5f || c == 0x2e || c == 0x2b
        }
        guard ok, id != ".", id != ".." else {
            throw RuntimeError("invalid container id \"\(id)\": use letters, digits, \"-\", \"_\", \".\" and \"+\"")
        }
    }

    /// Claims the id atomically: mkdir fails if another create got there first.
    public func claim(_ id: String) throws {
        try StateStore.validate(id: id)
        try FileIO.mkdirAll(root, mode: 0o711)
        if mkdir(dir(id), 0o711) != 0 {
            if errno == EEXIST { throw RuntimeError("container with id \"\(id)\" already exists") }
            throw SyscallError("mkdir", dir(id))
        }
    }

    public func save(_ r: ContainerRecord) throws {
        let data = try JSON.encode(r, sortedKeys: false)
        try FileIO.writeAtomic(dir(r.id) + "/state.json", data, durable: false)
    }

    /// Writes the state file under a temporary name; `publish` renames it into place. `create`
    /// stages while the init finishes its root filesystem, so only the rename is left for
    /// after "ready": the container exists for other commands exactly when it did before.
    func stage(_ r: ContainerRecord) throws -> String {
        let tmp = dir(r.id) + "/state.json.staged"
        let data = try JSON.encode(r, sortedKeys: false)
        let fd = try sys("open", tmp) { open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
        defer { close(fd) }
        try FileIO.writeAll(fd: fd, data)
        return tmp
    }

    func publish(staged tmp: String, id: String) throws {
        try sys("rename", "\(tmp) to state.json") { rename(tmp, dir(id) + "/state.json") }
    }

    public func load(_ id: String) throws -> ContainerRecord {
        try StateStore.validate(id: id)
        let path = dir(id) + "/state.json"
        guard FileIO.exists(path) else { throw NotFound(id: id) }
        let bytes = try FileIO.read(path: path)
        do {
            return try JSON.decode(ContainerRecord.self, from: bytes)
        } catch {
            throw RuntimeError("container \"\(id)\": state file \(path) is unreadable: \(error)")
        }
    }

    public func remove(_ id: String) {
        FileIO.removeAll(dir(id))
    }

    public func ids() -> [String] {
        ((try? FileIO.listDirectory(root)) ?? []).filter { FileIO.exists(dir($0) + "/state.json") }.sorted()
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let id: String
        public var description: String { "container \"\(id)\" does not exist" }
    }
}

extension ContainerRecord {
    public func isInitAlive() -> Bool {
        guard initPid > 0 else { return false }
        let st = berth_proc_start_time(initPid)
        guard st != 0, st == initStartTime else { return false }
        // A zombie has exited: only its parent has not collected it yet.
        if let stat = FileIO.readStringIfPresent("/proc/\(initPid)/stat"),
           let close = stat.lastIndex(of: ")") {
            let rest = stat[stat.index(after: close)...].drop(while: { $0 == " " })
            if rest.first == "Z" || rest.first == "X" { return false }
        }
        return true
    }

    public func status(store: StateStore) -> ContainerStatus {
        guard isInitAlive() else { return .stopped }
        if FileIO.exists(store.startSocket(id)) { return .created }
        if cgroup.isFrozen() { return .paused }
        return .running
    }

    public func ociState(store: StateStore) -> State {
        let s = status(store: store)
        return State(ociVersion: OCIVersion.current, id: id, status: s.rawValue,
                     pid: s == .stopped ? nil : Int(initPid), bundle: bundle, annotations: spec.annotations)
    }

    /// The state as hooks receive it on stdin.
    public func hookState(store: StateStore, status: ContainerStatus? = nil) -> [UInt8] {
        var st = ociState(store: store)
        if let status { st.status = status.rawValue; if status != .stopped { st.pid = Int(initPid) } }
        return (try? JSON.encode(st, sortedKeys: false)) ?? []
    }
}
