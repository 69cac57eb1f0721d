import OCISpec

/// NetworkMode / PidMode / IpcMode / UTSMode / CgroupnsMode values and their meaning, as
/// moby's container types define them.
enum NamespaceMode {
    /// "container:<name|id>" → the name or id; nil for other modes.
    static func container(_ mode: String) -> String? {
        mode.hasPrefix("container:") ? String(mode.dropFirst("container:".count)) : nil
    }

    static func isHost(_ mode: String?) -> Bool { mode == "host" }

    /// Network modes that get a namespace of their own: everything but host and container:.
    static func networkIsPrivate(_ mode: String?) -> Bool {
        let m = mode ?? ""
        return !isHost(m) && container(m) == nil
    }

    static func validatePID(_ mode: String) throws {
        if mode.isEmpty || mode == "host" { return }
        if let name = container(mode), !name.isEmpty { return }
        throw ContainerSpecError.invalid("invalid PID mode: \(mode)")
    }

    static func validateIPC(_ mode: String) throws {
        if ["", "host", "private", "shareable", "none"].contains(mode) { return }
        if let name = container(mode), !name.isEmpty { return }
        throw ContainerSpecError.invalid("invalid IPC mode: \(mode)")
    }

    static func validateUTS(_ mode: String) throws {
        guard mode.isEmpty || mode == "host" else { throw ContainerSpecError.invalid("invalid UTS mode: \(mode)") }
    }

    static func validateCgroupns(_ mode: String) throws {
        guard ["", "host", "private"].contains(mode) else {
            throw ContainerSpecError.invalid("invalid cgroup namespace mode: \(mode)")
        }
    }
}

extension Array where Element == LinuxNamespace {
    /// moby's setNamespace: replace the entry of that type in place, or append it.
    mutating func set(_ type: LinuxNamespaceType, path: String? = nil) {
        let entry = LinuxNamespace(type: type, path: path)
        if let i = firstIndex(where: { $0.type == type.rawValue }) { self[i] = entry } else { append(entry) }
    }

    mutating func remove(_ type: LinuxNamespaceType) {
        removeAll { $0.type == type.rawValue }
    }

    func contains(_ type: LinuxNamespaceType) -> Bool {
        contains { $0.type == type.rawValue }
    }
}
