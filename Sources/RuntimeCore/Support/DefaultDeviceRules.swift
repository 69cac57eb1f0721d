import OCISpec

/// The device cgroup rules every container gets after its own, as runc adds
/// them: the default /dev nodes, ptys, and mknod of any node (access to a node
/// still needs an allow rule).
enum DefaultDeviceRules {
    static func effective(_ res: LinuxResources?) -> LinuxResources? {
        guard var r = res else { return nil }
        guard r.devices != nil else { return r }
        var rules = r.devices ?? []
        func allow(_ type: String, _ major: Int64?, _ minor: Int64?, _ access: String) {
            rules.append(LinuxDeviceCgroup(allow: true, type: type, major: major, minor: minor, access: access))
        }
        allow("c", nil, nil, "m")
        allow("b", nil, nil, "m")
        for (ma, mi) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (10, 200)] {
            allow("c", Int64(ma), Int64(mi), "rwm")
        }
        allow("c", 136, nil, "rwm")
        // Nodes listed in linux.devices get no rule of their own: as with runc, the spec's
        // rules decide (`docker run --device /dev/x:/dev/x:r` must not become rwm).
        r.devices = rules
        return r
    }
}
