import Glibc
import OCISpec

/// Writers for cgroup v2 files (runc libcontainer/cgroups/fs2).
enum V2 {
    /// A v2 controller file is missing when the controller is not enabled for this cgroup;
    /// say which controller rather than leave a bare ENOENT.
    static func write(_ dir: String, _ file: String, _ value: String) throws {
        do {
            try CgroupFS.write(dir, file, value)
        } catch let e as CgroupError where e.errno == ENOENT {
            let controller = file.split(separator: ".").first.map(String.init) ?? file
            let enabled = CgroupFS.fields(Substring(CgroupFS.readIfPresent(dir, "cgroup.controllers") ?? ""))
            if controller != "cgroup", !enabled.contains(Substring(controller)) {
                throw CgroupError(e.description + " (controller \"\(controller)\" is not available in \(dir))",
                                  path: e.path, errno: e.errno)
            }
            throw e
        }
    }

    static func cpu(_ dir: String, _ cpu: LinuxCPU) throws {
        if (cpu.realtimeRuntime ?? 0) != 0 || (cpu.realtimePeriod ?? 0) != 0 {
            throw CgroupError("realtime cpu limits (realtimeRuntime, realtimePeriod) are not supported on cgroup v2")
        }
        if let idle = cpu.idle { try write(dir, "cpu.idle", String(idle)) }
        if let shares = cpu.shares, shares != 0 {
            try write(dir, "cpu.weight", String(CgroupConvert.cpuWeight(fromShares: shares)))
        }
        let quota = cpu.quota ?? 0
        let period = cpu.period ?? 0
        var pendingBurst: String?
        if let burst = cpu.burst {
            do {
                try write(dir, "cpu.max.burst", String(burst))
            } catch let e as CgroupError where e.errno == EINVAL && (quota != 0 || period != 0) {
                // A burst above the old quota is refused; it fits once the new cpu.max is in.
                pendingBurst = String(burst)
            }
        }
        if quota != 0 || period != 0 {
            let q = quota > 0 ? String(quota) : "max"
            // 100ms is the kernel's default period (Documentation/admin-guide/cgroup-v2.rst).
            try write(dir, "cpu.max", "\(q) \(period != 0 ? period : 100_000)")
            if let b = pendingBurst { try write(dir, "cpu.max.burst", b) }
        }
    }

    static func memory(_ dir: String, _ m: LinuxMemory) throws {
        try m.validate()
        let limit = m.limit ?? 0
        let swapMax = try CgroupConvert.swapMax(swap: m.swap ?? 0, limit: limit)
        if m.checkBeforeUpdate == true, limit > 0 {
            let usage = CgroupFS.parseUInt(try CgroupFS.read(dir, "memory.current"))
            if UInt64(limit) < usage {
                throw CgroupError("rejecting memory limit \(limit) below usage \(usage)")
            }
        }
        if swapMax != 0 {
            let file = "memory.swap.max"
            // Without swap accounting the file is absent; "unlimited" then needs no write.
            if swapMax != -1 || CgroupFS.exists(CgroupFS.join(dir, file)) {
                try write(dir, file, limitString(swapMax))
            }
        }
        if limit != 0 { try write(dir, "memory.max", limitString(limit)) }
        if let reservation = m.reservation, reservation != 0 {
            try write(dir, "memory.low", limitString(reservation))
        }
        // swappiness, kernel, kernelTCP and disableOOMKiller have no v2 file; runc ignores them too.
    }

    static func limitString(_ v: Int64) -> String {
        v < 0 ? "max" : String(v)
    }

    static func io(_ dir: String, _ io: LinuxBlockIO) throws {
        let bfq = CgroupFS.exists(CgroupFS.join(dir, "io.bfq.weight"))
        if let w = io.weight, w != 0 {
            // io.bfq.weight takes the blkio range as is; io.weight has its own 1-10000 scale.
            if bfq {
                try write(dir, "io.bfq.weight", String(w))
            } else {
                try write(dir, "io.weight", String(CgroupConvert.ioWeight(fromBlkioWeight: w)))
            }
        }
        for d in io.weightDevice ?? [] {
            guard let w = d.weight else { continue }
            if bfq {
                try write(dir, "io.bfq.weight", "\(d.major):\(d.minor) \(w)")
            } else {
                try write(dir, "io.weight", "\(d.major):\(d.minor) \(CgroupConvert.ioWeight(fromBlkioWeight: w))")
            }
        }
        let throttles: [(String, [LinuxThrottleDevice]?)] = [
            ("rbps", io.throttleReadBpsDevice),
            ("wbps", io.throttleWriteBpsDevice),
            ("riops", io.throttleReadIOPSDevice),
            ("wiops", io.throttleWriteIOPSDevice),
        ]
        for (key, devices) in throttles {
            for d in devices ?? [] {
                // v1 removes a rule when given 0; "max" is v2's way to say the same.
                let rate = d.rate == 0 ? "max" : String(d.rate)
                try write(dir, "io.max", "\(d.major):\(d.minor) \(key)=\(rate)")
            }
        }
    }

    static func unified(_ dir: String, _ files: [String: String]) throws {
        for key in files.keys.sorted() {
            guard let value = files[key] else { continue }
            guard !key.isEmpty, !key.contains("/"), key != ".", key != ".." else {
                throw CgroupError("invalid unified resource \"\(key)\": must be a file name in the cgroup directory")
            }
            guard key.contains(".") else {
                throw CgroupError("unified resource \"\(key)\" must be in the form CONTROLLER.PARAMETER")
            }
            try write(dir, key, value)
        }
    }
}
