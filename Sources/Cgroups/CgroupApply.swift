import OCISpec

extension CgroupManager {
    /// Where a controller's files live: its own v1 hierarchy, or the cgroup2 directory.
    enum Place {
        case v1(String)
        case v2(String)

        /// On v2 a missing file is explained as a controller that is not enabled.
        func write(_ file: String, _ value: String) throws {
            switch self {
            case .v1(let dir): try CgroupFS.write(dir, file, value)
            case .v2(let dir): try V2.write(dir, file, value)
            }
        }

        func exists(_ file: String) -> Bool {
            switch self {
            case .v1(let dir), .v2(let dir): return CgroupFS.exists(CgroupFS.join(dir, file))
            }
        }
    }

    /// v1 wins in hybrid mode; cgroup2 serves the controllers that are not mounted on v1
    /// (on this kind of host: hugetlb).
    func place(_ controller: String) -> Place? {
        if mode != .unified, let dir = paths[controller] { return .v1(dir) }
        if mode != .legacy, let dir = paths[""] { return .v2(dir) }
        return nil
    }

    func notMounted(_ controller: String) -> CgroupError {
        CgroupError("cannot set \(controller) limits: the \(controller) cgroup controller is not mounted")
    }

    /// Writes every resource that is set. Device rules go to the v1 devices controller when
    /// there is one, else into an eBPF program on the cgroup2 directory (`needsDeviceBPF`).
    public func apply(_ r: LinuxResources) throws {
        if let unified = r.unified, !unified.isEmpty, mode == .legacy || paths[""] == nil {
            throw CgroupError("unified resources require cgroup v2")
        }
        if let cpu = r.cpu {
            if cpu.hasSchedulerFields {
                switch place("cpu") {
                case .v1(let dir): try V1.cpu(dir, cpu)
                case .v2(let dir): try V2.cpu(dir, cpu)
                case nil: throw notMounted("cpu")
                }
            }
            if cpu.cpus?.isEmpty == false || cpu.mems?.isEmpty == false {
                guard let p = place("cpuset") else { throw notMounted("cpuset") }
                try Self.cpuset(p, cpu)
            }
        }
        if let memory = r.memory, memory.hasFields {
            switch place("memory") {
            case .v1(let dir): try V1.memory(dir, memory)
            case .v2(let dir): try V2.memory(dir, memory)
            case nil: throw notMounted("memory")
            }
        }
        if let pids = r.pids {
            guard let p = place("pids") else { throw notMounted("pids") }
            try p.write("pids.max", pids.limit > 0 ? String(pids.limit) : "max")
        }
        if let io = r.blockIO, io.hasFields {
            switch place("blkio") {
            case .v1(let dir): try V1.blockIO(dir, io)
            case .v2(let dir): try V2.io(dir, io)
            case nil: throw notMounted("blkio")
            }
        }
        if let limits = r.hugepageLimits, !limits.isEmpty {
            guard let p = place("hugetlb") else { throw notMounted("hugetlb") }
            try Self.hugetlb(p, limits)
        }
        if let network = r.network { try applyNetwork(network) }
        if let rdma = r.rdma, !rdma.isEmpty {
            guard let p = place("rdma") else { throw notMounted("rdma") }
            try Self.rdma(p, rdma)
        }
        // An empty list changes nothing, as on v1, where rules are written one by one: a v2
        // filter built from it would deny every device.
        if let devices = r.devices, !devices.isEmpty {
            if let dir = paths["devices"], mode != .unified {
                try V1.devices(dir, devices)
            } else if needsDeviceBPF, let dir = paths[""] {
                try DeviceFilterV2.apply(devices, cgroupDir: dir)
            } else {
                throw notMounted("devices")
            }
        }
        // Raw cgroup2 files go last so that they override what the fields above wrote.
        if let unified = r.unified, let dir = paths[""] {
            try V2.unified(dir, unified)
        }
    }

    static func cpuset(_ p: Place, _ cpu: LinuxCPU) throws {
        if let cpus = cpu.cpus, !cpus.isEmpty { try p.write("cpuset.cpus", cpus) }
        if let mems = cpu.mems, !mems.isEmpty { try p.write("cpuset.mems", mems) }
    }

    static func hugetlb(_ p: Place, _ limits: [LinuxHugepageLimit]) throws {
        let limitFile: String
        switch p {
        case .v1: limitFile = "limit_in_bytes"
        case .v2: limitFile = "max"
        }
        for l in limits {
            guard !l.pageSize.isEmpty, !l.pageSize.contains("/") else {
                throw CgroupError("invalid hugepage size \"\(l.pageSize)\"")
            }
            try p.write("hugetlb.\(l.pageSize).\(limitFile)", String(l.limit))
            // Newer kernels also account reservations; keep that limit in step as runc does.
            let rsvd = "hugetlb.\(l.pageSize).rsvd.\(limitFile)"
            if p.exists(rsvd) { try p.write(rsvd, String(l.limit)) }
        }
    }

    static func rdma(_ p: Place, _ rdma: [String: LinuxRdma]) throws {
        for device in rdma.keys.sorted() {
            guard let limit = rdma[device] else { continue }
            var line = device
            if let h = limit.hcaHandles { line += " hca_handle=\(h)" }
            if let o = limit.hcaObjects { line += " hca_object=\(o)" }
            guard line != device else { continue }
            try p.write("rdma.max", line)
        }
    }

    /// net_cls/net_prio exist only on v1; cgroup v2 has no equivalent, so there the
    /// settings are ignored as runc does.
    func applyNetwork(_ n: LinuxNetwork) throws {
        guard mode != .unified else { return }
        if let classID = n.classID, classID != 0 {
            guard let dir = paths["net_cls"] else { throw notMounted("net_cls") }
            try CgroupFS.write(dir, "net_cls.classid", String(classID))
        }
        if let priorities = n.priorities, !priorities.isEmpty {
            guard let dir = paths["net_prio"] else { throw notMounted("net_prio") }
            for p in priorities {
                try CgroupFS.write(dir, "net_prio.ifpriomap", "\(p.name) \(p.priority)")
            }
        }
    }
}

// MARK: conversions shared by tests and the runtime

public enum CgroupConvert {
    /// cpu.shares (2...262144, default 1024) to cpu.weight (1...10000, default 100).
    public static func cpuWeight(fromShares shares: UInt64) -> UInt64 {
        guard shares != 0 else { return 0 }
        let s = min(max(shares, 2), 262_144)
        return 1 + ((s - 2) * 9999) / 262_142
    }

    /// blkio.weight (10...1000) to io.weight (1...10000).
    public static func ioWeight(fromBlkioWeight weight: UInt16) -> UInt64 {
        guard weight != 0 else { return 0 }
        let w = UInt64(min(max(weight, 10), 1000))
        return 1 + (w - 10) * 9999 / 990
    }

    /// The spec's swap is memory+swap (v1 memsw); v2's memory.swap.max is swap alone.
    /// Returns -1 for "max", 0 for "leave unset".
    public static func swapMax(swap: Int64, limit: Int64) throws -> Int64 {
        if limit == -1 && swap == 0 { return -1 }
        if swap == -1 || swap == 0 { return swap }
        if limit == 0 || limit == -1 {
            throw CgroupError("unable to set swap limit without memory limit")
        }
        if limit < 0 { throw CgroupError("invalid memory value: \(limit)") }
        if swap < limit { throw CgroupError("memory+swap limit (\(swap)) should be >= memory limit (\(limit))") }
        return swap - limit
    }
}

extension LinuxCPU {
    var hasSchedulerFields: Bool {
        (shares ?? 0) != 0 || (quota ?? 0) != 0 || (period ?? 0) != 0 || burst != nil
            || (realtimeRuntime ?? 0) != 0 || (realtimePeriod ?? 0) != 0 || idle != nil
    }
}

extension LinuxMemory {
    /// -1 is "unlimited"; any other negative number is a mistake, not a huge limit.
    func validate() throws {
        let values: [(String, Int64?)] = [
            ("limit", limit), ("reservation", reservation), ("swap", swap), ("kernelTCP", kernelTCP),
        ]
        for case let (name, value?) in values where value < -1 {
            throw CgroupError("invalid memory \(name) \(value): must be -1 (unlimited) or a byte count")
        }
    }

    var hasFields: Bool {
        (limit ?? 0) != 0 || (reservation ?? 0) != 0 || (swap ?? 0) != 0 || (kernelTCP ?? 0) != 0
            || swappiness != nil || disableOOMKiller == true
    }
}

extension LinuxBlockIO {
    var hasFields: Bool {
        (weight ?? 0) != 0 || (leafWeight ?? 0) != 0 || weightDevice?.isEmpty == false
            || throttleReadBpsDevice?.isEmpty == false || throttleWriteBpsDevice?.isEmpty == false
            || throttleReadIOPSDevice?.isEmpty == false || throttleWriteIOPSDevice?.isEmpty == false
    }
}
