import Glibc
import LinuxSys
import JSON
import DockerAPI
import SupervisorAPI
import ContainerSpec

/// The container half of berthd: container records, their lifecycle through the
/// supervisor, and the views the Docker API serves. Transport-free: the API layer
/// maps requests onto these methods and EngineError kinds onto HTTP statuses.
public final class ContainerEngine: @unchecked Sendable {
    public struct Options: Sendable {
        public var dataRoot: String
        public var execRoot: String
        public var defaultRuntime: String
        /// Runtime name → binary path or name the shim runs.
        public var runtimes: [String: String]
        public var dns: [String]
        public var dnsSearch: [String]
        public var dnsOptions: [String]
        /// The static init bound in for `--init` (Debian's tini-static), when present.
        public var initBinary: String?
        public var seccompProfilePath: String?
        public var logMaxSize: Int64?
        public var logMaxFiles: Int?
        public init(dataRoot: String, execRoot: String, defaultRuntime: String, runtimes: [String: String]) {
            self.dataRoot = dataRoot; self.execRoot = execRoot; self.defaultRuntime = defaultRuntime
            self.runtimes = runtimes; dns = []; dnsSearch = []; dnsOptions = []
        }
    }

    public let options: Options
    let supervisor: SupervisorLink
    let images: ImageProvider
    public let events: EventBus
    public let volumes: VolumeStore
    let log: EngineLog

    /// Guards `records`, `names`, `execs`, `attachments`; broadcast on every state change.
    let state = Condition()
    var records: [String: ContainerRecord] = [:]
    var names: [String: String] = [:]
    var execs: [String: ExecRecord] = [:]
    /// Sessions waiting for a created container's start (docker run attaches first).
    var pendingAttach: [String: [AttachSession]] = [:]
    /// Containers being removed or started, so concurrent calls see a conflict, not a race.
    var busy: Set<String> = []
    /// Containers between Task.Create and their record saying "running": an exit event
    /// for them (a command that ends at once) waits until the start has been recorded.
    var starting: Set<String> = []
    /// Bumped on every exit so `wait?condition=next-exit` can tell a new one.
    var exitGeneration: [String: Int] = [:]
    /// Exit codes of removed containers, for `wait?condition=removed` (docker run --rm).
    var removedExitCodes: [String: Int] = [:]
    let restarts: RestartManager
    /// Docker's default seccomp profile, read once (nil: containers run unconfined).
    let seccompProfile: SeccompProfile?
    /// Container ID → the token of its running health monitor.
    var healthMonitors: [String: String] = [:]

    public init(options: Options, supervisor: SupervisorLink, images: ImageProvider, log: EngineLog) throws {
        self.options = options
        self.supervisor = supervisor
        self.images = images
        self.log = log
        self.events = EventBus()
        self.restarts = RestartManager()
        self.volumes = try VolumeStore(root: "\(options.dataRoot)/volumes")
        if let path = options.seccompProfilePath {
            do {
                seccompProfile = try JSON.decode(SeccompProfile.self, from: try FileIO.read(path: path))
            } catch {
                throw EngineError.invalid("seccomp profile \(path): \(error)")
            }
        } else {
            seccompProfile = nil
            log.warn("no default seccomp profile found: containers run without seccomp")
        }
        for d in [containersDir, "\(options.dataRoot)/overlay", "\(options.execRoot)/containers"] {
            try FileIO.mkdirAll(d, mode: 0o710)
        }
        try loadRecords()
    }

    var containersDir: String { "\(options.dataRoot)/containers" }

    func paths(_ id: String) -> ContainerPaths {
        ContainerPaths(dataRoot: options.dataRoot, execRoot: options.execRoot, id: id)
    }

    // MARK: records

    private func loadRecords() throws {
        for parent in [containersDir, "\(options.dataRoot)/overlay", "\(options.execRoot)/containers"] {
            for name in (try? FileIO.listDirectory(parent)) ?? [] where name.hasPrefix(".removing-") {
                FileIO.removeAll("\(parent)/\(name)")
            }
        }
        for id in (try? FileIO.listDirectory(containersDir)) ?? [] where !id.hasPrefix(".") {
            let p = paths(id)
            guard let bytes = try? FileIO.read(path: p.record) else { continue }
            do {
                let r = try JSON.decode(ContainerRecord.self, from: bytes)
                records[r.ID] = r
                names[r.Name] = r.ID
            } catch {
                log.error("container \(id): unreadable \(p.record): \(error); skipping it")
            }
        }
    }

    /// Writes the record atomically; callers hold `state`.
    func persist(_ r: ContainerRecord) {
        do {
            try FileIO.writeAtomic(paths(r.ID).record, try JSON.encode(r), mode: 0o600, durable: true)
        } catch {
            log.error("container \(r.ID): cannot save its record: \(error)")
        }
    }

    /// Applies `change` to a record under the lock, saves it and wakes waiters. `announcing`
    /// publishes that event before the waiters wake: a client woken by the change (a `wait`,
    /// a `stop` waiting for the exit) must find the event already in the stream, as with
    /// Docker, where "die" always comes before the "stop" that waited for it.
    @discardableResult
    func update(_ id: String, announcing action: String? = nil, extra: [String: String] = [:],
                _ change: (inout ContainerRecord) throws -> Void) rethrows -> ContainerRecord? {
        try state.with {
            guard var r = records[id] else { return nil }
            try change(&r)
            records[id] = r
            persist(r)
            if let action { emit(action, r, extra: extra) }
            state.broadcast()
            return r
        }
    }

    /// Finds a container by full ID, name (with or without the leading slash) or unique ID prefix.
    public func lookup(_ ref: String) throws -> ContainerRecord {
        try state.with { try lookupLocked(ref) }
    }

    func lookupLocked(_ ref: String) throws -> ContainerRecord {
        if let r = records[ref] { return r }
        let name = ref.hasPrefix("/") ? ref : "/" + ref
        if let id = names[name], let r = records[id] { return r }
        if !ref.isEmpty, ref.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            let matches = records.keys.filter { $0.hasPrefix(ref) }
            if matches.count == 1, let r = records[matches[0]] { return r }
            if matches.count > 1 { throw EngineError.invalid("multiple IDs found with provided prefix: \(ref)") }
        }
        throw EngineError.noSuchContainer(ref)
    }

    public func allRecords() -> [ContainerRecord] {
        state.with { Array(records.values) }
    }

    /// Whether any container (running or not) uses the image.
    public func isImageInUse(_ imageID: String) -> String? {
        state.with { records.values.first { $0.ImageID == imageID }?.ID }
    }

    /// A container event from outside the engine (berthd's commit route).
    public func announce(_ action: String, container ref: String, extra: [String: String] = [:]) {
        if let r = try? lookup(ref) { emit(action, r, extra: extra) }
    }

    func emit(_ action: String, _ r: ContainerRecord, extra: [String: String] = [:]) {
        var attrs = r.Config.Labels ?? [:]
        attrs["name"] = String(r.Name.dropFirst())
        attrs["image"] = r.Config.Image ?? r.ImageID
        for (k, v) in extra { attrs[k] = v }
        events.publish(type: "container", action: action, id: r.ID, attributes: attrs)
    }
}
