import Glibc
import LinuxSys
import OCISpec
import Cgroups

/// `update`: new resource limits for a live container, from JSON or flags.
enum Update {
    static func run(_ rt: Runtime, id: String, resourcesFile: String?, flags: [String: String]) throws {
        var r = try rt.store.load(id)
        guard r.status(store: rt.store) != .stopped else { throw RuntimeError("container not running") }
        var res = r.spec.linux?.resources ?? LinuxResources()
        if let f = resourcesFile {
            let bytes = f == "-" ? try FileIO.readAll(fd: 0) : try FileIO.read(path: f)
            let given = try SpecFile.decode(LinuxResources.self, from: bytes, file: f == "-" ? "stdin" : f)
            // Refused as create (and runc) refuse it: on a v1 or hybrid host v2 file names do not
            // name every controller's files.
            if given.unified?.isEmpty == false && r.cgroup.mode != .unified {
                throw RuntimeError("unified requires cgroup v2 (this host runs cgroup \(r.cgroup.mode.rawValue))")
            }
            merge(&res, given)
        }
        try applyFlags(&res, flags)
        try r.cgroup.apply(DefaultDeviceRules.effective(res) ?? res)
        var linux = r.spec.linux ?? Linux()
        linux.resources = res
        r.spec.linux = linux
        try rt.store.save(r)
    }

    /// Only the fields given change; the rest keep their current values.
    static func merge(_ res: inout LinuxResources, _ g: LinuxResources) {
        if let m = g.memory {
            var cur = res.memory ?? LinuxMemory()
            cur.limit = m.limit ?? cur.limit
            cur.reservation = m.reservation ?? cur.reservation
            cur.swap = m.swap ?? cur.swap
            cur.kernel = m.kernel ?? cur.kernel
            cur.kernelTCP = m.kernelTCP ?? cur.kernelTCP
            cur.swappiness = m.swappiness ?? cur.swappiness
            cur.checkBeforeUpdate = m.checkBeforeUpdate ?? cur.checkBeforeUpdate
            res.memory = cur
        }
        if let c = g.cpu {
            var cur = res.cpu ?? LinuxCPU()
            cur.shares = c.shares ?? cur.shares
            cur.quota = c.quota ?? cur.quota
            cur.period = c.period ?? cur.period
            cur.burst = c.burst ?? cur.burst
            cur.realtimeRuntime = c.realtimeRuntime ?? cur.realtimeRuntime
            cur.realtimePeriod = c.realtimePeriod ?? cur.realtimePeriod
            cur.cpus = c.cpus ?? cur.cpus
            cur.mems = c.mems ?? cur.mems
            cur.idle = c.idle ?? cur.idle
            res.cpu = cur
        }
        if let p = g.pids { res.pids = p }
        if let b = g.blockIO { res.blockIO = b }
        if let h = g.hugepageLimits { res.hugepageLimits = h }
        if let u = g.unified { res.unified = (res.unified ?? [:]).merging(u) { $1 } }
        if let d = g.devices { res.devices = d }
    }

    static func applyFlags(_ res: inout LinuxResources, _ flags: [String: String]) throws {
        func int(_ k: String) throws -> Int64? {
            guard let v = flags[k] else { return nil }
            if let n = Int64(v) { return n }
            if let n = parseSize(v) { return n }
            throw RuntimeError("invalid value \"\(v)\" for --\(k)")
        }
        if let v = try int("memory") { res.memory = res.memory ?? LinuxMemory(); res.memory?.limit = v }
        if let v = try int("memory-swap") { res.memory = res.memory ?? LinuxMemory(); res.memory?.swap = v }
        if let v = try int("memory-reservation") { res.memory = res.memory ?? LinuxMemory(); res.memory?.reservation = v }
        if let v = try int("cpu-shares") { res.cpu = res.cpu ?? LinuxCPU(); res.cpu?.shares = UInt64(max(0, v)) }
        if let v = try int("cpu-quota") { res.cpu = res.cpu ?? LinuxCPU(); res.cpu?.quota = v }
        if let v = try int("cpu-period") { res.cpu = res.cpu ?? LinuxCPU(); res.cpu?.period = UInt64(max(0, v)) }
        if let v = flags["cpuset-cpus"] { res.cpu = res.cpu ?? LinuxCPU(); res.cpu?.cpus = v }
        if let v = flags["cpuset-mems"] { res.cpu = res.cpu ?? LinuxCPU(); res.cpu?.mems = v }
        if let v = try int("pids-limit") { res.pids = LinuxPids(limit: v) }
        if let v = try int("blkio-weight") { res.blockIO = res.blockIO ?? LinuxBlockIO(); res.blockIO?.weight = UInt16(clamping: v) }
    }

    /// "64m", "1g", "512k": docker/runc style sizes.
    static func parseSize(_ s: String) -> Int64? {
        let lower = s.lowercased()
        let units: [(String, Int64)] = [("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1 << 10),
                                        ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        for (u, mult) in units where lower.hasSuffix(u) {
            if let n = Int64(lower.dropLast(u.count)) { return n * mult }
        }
        return nil
    }
}
