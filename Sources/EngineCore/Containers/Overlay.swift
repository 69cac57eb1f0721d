import Glibc
import CLinux
import LinuxSys

/// The container's root filesystem: an overlay of the image layers (read-only) and the
/// container's own upper directory, mounted at `merged` while the container runs.
enum Overlay {
    static func mount(lower: [String], _ p: ContainerPaths) throws {
        unmount(p)
        try FileIO.mkdirAll(p.merged)
        // An image without layers still needs a lower directory.
        var lowers = lower
        if lowers.isEmpty {
            let empty = "\(p.layer)/empty"
            try FileIO.mkdirAll(empty)
            lowers = [empty]
        }
        let data = "lowerdir=\(lowers.joined(separator: ":")),upperdir=\(p.upper),workdir=\(p.work)"
        if data.utf8.count >= 4000 {
            throw EngineError.internal("overlay mount options for \(p.merged) exceed a page (\(lowers.count) layers)")
        }
        try sys("mount", "overlay on \(p.merged) (\(data))") { berth_mount("overlay", p.merged, "overlay", 0, data) }
    }

    static func unmount(_ p: ContainerPaths) {
        while berth_umount2(p.merged, Int32(MNT_DETACH)) == 0 {}
    }

    static func isMounted(_ path: String) -> Bool {
        guard let info = FileIO.readStringIfPresent("/proc/self/mountinfo") else { return false }
        for line in info.split(separator: "\n") {
            let f = line.split(separator: " ", maxSplits: 5)
            if f.count > 4, f[4] == path { return true }
        }
        return false
    }
}
