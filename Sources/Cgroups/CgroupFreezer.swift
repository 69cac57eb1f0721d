import Glibc

extension CgroupManager {
    private enum Freezer {
        case v1(String)
        case v2(String)
    }

    private func freezer() throws -> Freezer {
        if mode != .unified, let dir = paths["freezer"] { return .v1(dir) }
        if mode != .legacy, let dir = paths[""] { return .v2(dir) }
        throw CgroupError("cannot freeze: the freezer cgroup controller is not mounted")
    }

    /// Returns once every task is frozen, not merely asked to freeze.
    public func freeze() throws {
        switch try freezer() {
        case .v1(let dir):
            try freezeV1(dir)
        case .v2(let dir):
            try CgroupFS.write(dir, "cgroup.freeze", "1")
            do {
                try waitForEvent(dir, key: "frozen", value: 1)
            } catch {
                try? CgroupFS.write(dir, "cgroup.freeze", "0")
                throw error
            }
        }
    }

    public func thaw() throws {
        switch try freezer() {
        case .v1(let dir):
            try CgroupFS.write(dir, "freezer.state", "THAWED")
        case .v2(let dir):
            try CgroupFS.write(dir, "cgroup.freeze", "0")
        }
    }

    public func isFrozen() -> Bool {
        switch try? freezer() {
        case .v1(let dir):
            return CgroupFS.readIfPresent(dir, "freezer.state") == "FROZEN"
        case .v2(let dir):
            return CgroupFS.readIfPresent(dir, "cgroup.freeze") == "1"
        case nil:
            return false
        }
    }

    /// v1 reports FREEZING until every task has stopped, and a task in an uninterruptible
    /// sleep can keep it there; as runc does, re-request FROZEN and now and then thaw briefly
    /// to unstick it, giving up after about two seconds.
    private func freezeV1(_ dir: String) throws {
        for attempt in 0..<1000 {
            if attempt % 50 == 49 {
                try CgroupFS.write(dir, "freezer.state", "THAWED")
                usleep(10_000)
            }
            try CgroupFS.write(dir, "freezer.state", "FROZEN")
            if attempt % 25 == 24 { usleep(10_000) }
            let state = CgroupFS.trim(try CgroupFS.read(dir, "freezer.state"))
            switch state {
            case "FROZEN":
                return
            case "FREEZING":
                usleep(1_000)
            default:
                throw CgroupError("unexpected freezer state \"\(state)\" in \(CgroupFS.join(dir, "freezer.state"))")
            }
        }
        try? CgroupFS.write(dir, "freezer.state", "THAWED")
        throw CgroupError("unable to freeze \(dir): tasks still in FREEZING state", path: dir)
    }

    /// Waits for "key value" in cgroup.events, for up to ten seconds.
    func waitForEvent(_ dir: String, key: String, value: UInt64) throws {
        let path = CgroupFS.join(dir, "cgroup.events")
        var waitedUS: UInt32 = 0
        var step: UInt32 = 200
        while true {
            if CgroupFS.keyValues(try CgroupFS.read(path: path))[key] == value { return }
            if waitedUS >= 10_000_000 {
                throw CgroupError("timed out after 10s waiting for \"\(key) \(value)\" in \(path)", path: path)
            }
            usleep(step)
            waitedUS += step
            step = min(step * 2, 20_000)
        }
    }
}
