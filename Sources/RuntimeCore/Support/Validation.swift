import OCISpec
import LinuxSys

/// Checks of config.json that need no system call, each naming the field.
enum Validation {
    static func check(_ spec: Spec) throws {
        guard spec.ociVersion.hasPrefix("1.") else {
            throw RuntimeError("config.json: ociVersion \"\(spec.ociVersion)\" is not supported (want 1.x)")
        }
        guard let root = spec.root, !root.path.isEmpty else {
            throw RuntimeError("config.json: root.path is required")
        }
        for (i, m) in (spec.mounts ?? []).enumerated() {
            guard m.destination.hasPrefix("/") else {
                throw RuntimeError("mounts[\(i)].destination \"\(m.destination)\" must be an absolute path")
            }
            _ = try MountOptions(parsing: m.options ?? [])
        }
        for (i, m) in (spec.linux?.uidMappings ?? []).enumerated() where m.size == 0 {
            throw RuntimeError("linux.uidMappings[\(i)].size must be greater than 0")
        }
        if let p = spec.linux?.rootfsPropagation, !p.isEmpty, MountOptions.propagationTable[p] == nil {
            throw RuntimeError("linux.rootfsPropagation: unknown propagation \"\(p)\"")
        }
        if let t = spec.linux?.timeOffsets {
            for k in t.keys where k != "monotonic" && k != "boottime" {
                throw RuntimeError("linux.timeOffsets: unknown clock \"\(k)\" (monotonic or boottime)")
            }
        }
        if spec.linux?.intelRdt != nil {
            throw RuntimeError("linux.intelRdt is set but Intel RDT is not supported by berth-runtime")
        }
    }
}
