import Glibc
import OCISpec

/// Writers for cgroup v1 controller files (runc libcontainer/cgroups/fs).
enum V1 {
    static func cpu(_ dir: String, _ cpu: LinuxCPU) throws {
        if let shares = cpu.shares, shares != 0 {
            try CgroupFS.write(dir, "cpu.shares", String(shares))
            // The kernel clamps silently; say so instead of running with another value.
            let got = CgroupFS.parseUInt(try CgroupFS.read(dir, "cpu.shares"))
            if got != shares {
                let bound = shares > got ? "maximum" : "minimum"
                throw CgroupError("the \(bound) allowed cpu-shares is \(got)", path: CgroupFS.join(dir, "cpu.shares"))
            }
        }
        let quota = cpu.quota ?? 0
        var pendingPeriod: String?
        if let period = cpu.period, period != 0 {
            do {
                try CgroupFS.write(dir, "cpu.cfs_period_us", String(period))
            } catch let e as CgroupError where e.errno == EINVAL && quota != 0 {
                // A shorter period can push the old quota/period ratio over the parent's;
                // it becomes valid once the new quota is in, so retry after it.
                pendingPeriod = String(period)
            }
        }
        var pendingBurst: String?
        if let burst = cpu.burst {
            do {
                try CgroupFS.write(dir, "cpu.cfs_burst_us", String(burst))
            } catch let e as CgroupError where e.errno == EINVAL && quota != 0 {
                pendingBurst = String(burst)
            }
        }
        if quota != 0 {
            try CgroupFS.write(dir, "cpu.cfs_quota_us", String(quota))
            if let p = pendingPeriod { try CgroupFS.write(dir, "cpu.cfs_period_us", p) }
            if let b = pendingBurst { try CgroupFS.write(dir, "cpu.cfs_burst_us", b) }
        }
        // Period before runtime: the runtime must never exceed the period being replaced.
        if let rtPeriod = cpu.realtimePeriod, rtPeriod != 0 {
            try CgroupFS.write(dir, "cpu.rt_period_us", String(rtPeriod))
        }
        if let rtRuntime = cpu.realtimeRuntime, rtRuntime != 0 {
            try CgroupFS.write(dir, "cpu.rt_runtime_us", String(rtRuntime))
        }
        if let idle = cpu.idle {
            try CgroupFS.write(dir, "cpu.idle", String(idle))
        }
    }

    static func memory(_ dir: String, _ m: LinuxMemory) throws {
        try m.validate()
        let limit = m.limit ?? 0
        var swap = m.swap ?? 0
        if m.checkBeforeUpdate == true, limit > 0 {
            let usage = CgroupFS.parseUInt(try CgroupFS.read(dir, "memory.usage_in_bytes"))
            if UInt64(limit) < usage {
                throw CgroupError("rejecting memory limit \(limit) below usage \(usage)")
            }
        }
        let memsw = "memory.memsw.limit_in_bytes"
        // An unlimited memory with no swap given means "unlimited both", when swap is accounted.
        if limit == -1, swap == 0, CgroupFS.exists(CgroupFS.join(dir, memsw)) { swap = -1 }
        if limit != 0 && swap != 0 {
            // The kernel requires memory <= memory+swap at every instant, so the order of the
            // two writes depends on whether the limits grow or shrink.
            let current = CgroupFS.parseUInt(try CgroupFS.read(dir, "memory.limit_in_bytes"))
            if swap == -1 || current < UInt64(swap) {
                try CgroupFS.write(dir, memsw, String(swap))
                try CgroupFS.write(dir, "memory.limit_in_bytes", String(limit))
            } else {
                try CgroupFS.write(dir, "memory.limit_in_bytes", String(limit))
                try CgroupFS.write(dir, memsw, String(swap))
            }
        } else {
            if limit != 0 { try CgroupFS.write(dir, "memory.limit_in_bytes", String(limit)) }
            if swap != 0 { try CgroupFS.write(dir, memsw, String(swap)) }
        }
        if let reservation = m.reservation, reservation != 0 {
            try CgroupFS.write(dir, "memory.soft_limit_in_bytes", String(reservation))
        }
        // memory.kmem.limit_in_bytes is gone from current kernels; runc ignores `kernel` too.
        if let tcp = m.kernelTCP, tcp != 0 {
            try CgroupFS.write(dir, "memory.kmem.tcp.limit_in_bytes", String(tcp))
        }
        if m.disableOOMKiller == true {
            try CgroupFS.write(dir, "memory.oom_control", "1")
        }
        // UInt64.max is how a Go -1 ("unset") arrives.
        if let swappiness = m.swappiness, swappiness != UInt64.max {
            guard swappiness <= 100 else {
                throw CgroupError("invalid memory swappiness value \(swappiness): valid range is 0-100")
            }
            try CgroupFS.write(dir, "memory.swappiness", String(swappiness))
        }
    }

    static func blockIO(_ dir: String, _ io: LinuxBlockIO) throws {
        // CFQ exposes blkio.weight, BFQ blkio.bfq.weight; with neither the write below
        // fails naming blkio.weight, as with runc.
        let bfq = !CgroupFS.exists(CgroupFS.join(dir, "blkio.weight"))
            && CgroupFS.exists(CgroupFS.join(dir, "blkio.bfq.weight"))
        let weightFile = bfq ? "blkio.bfq.weight" : "blkio.weight"
        if let w = io.weight, w != 0 { try CgroupFS.write(dir, weightFile, String(w)) }
        if let lw = io.leafWeight, lw != 0 { try CgroupFS.write(dir, "blkio.leaf_weight", String(lw)) }
        for d in io.weightDevice ?? [] {
            if let w = d.weight { try CgroupFS.write(dir, weightFile + "_device", "\(d.major):\(d.minor) \(w)") }
            if let lw = d.leafWeight { try CgroupFS.write(dir, "blkio.leaf_weight_device", "\(d.major):\(d.minor) \(lw)") }
        }
        let throttles: [(String, [LinuxThrottleDevice]?)] = [
            ("blkio.throttle.read_bps_device", io.throttleReadBpsDevice),
            ("blkio.throttle.write_bps_device", io.throttleWriteBpsDevice),
            ("blkio.throttle.read_iops_device", io.throttleReadIOPSDevice),
            ("blkio.throttle.write_iops_device", io.throttleWriteIOPSDevice),
        ]
        for (file, devices) in throttles {
            for d in devices ?? [] { try CgroupFS.write(dir, file, "\(d.major):\(d.minor) \(d.rate)") }
        }
    }

    /// Rules are applied in order; a leading "deny all" switches the cgroup to a default-deny
    /// list that the following allows punch holes in (the usual OCI shape).
    static func devices(_ dir: String, _ rules: [LinuxDeviceCgroup]) throws {
        for rule in rules {
            try CgroupFS.write(dir, rule.allow ? "devices.allow" : "devices.deny", try deviceRuleLine(rule))
        }
    }

    /// "c 1:3 rwm", with "*" for an absent major or minor and "a" for an absent type.
    static func deviceRuleLine(_ rule: LinuxDeviceCgroup) throws -> String {
        let type = rule.type ?? "a"
        guard ["a", "b", "c"].contains(type) else {
            throw CgroupError("invalid device type \"\(type)\" in device cgroup rule: must be a, b or c")
        }
        let access = rule.access ?? "rwm"
        guard !access.isEmpty, access.allSatisfy({ "rwm".contains($0) }) else {
            throw CgroupError("invalid device access \"\(access)\" in device cgroup rule: must be a combination of r, w, m")
        }
        func number(_ n: Int64?) -> String {
            guard let n, n >= 0 else { return "*" }
            return String(n)
        }
        return "\(type) \(number(rule.major)):\(number(rule.minor)) \(access)"
    }
}
