import Glibc
import LinuxSys
import OCISpec

/// Host files the spec refers to: device nodes for `--device` and `--privileged`.
enum HostFiles {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The device node at `path` (not following a final symlink), nil when it is not one.
    static func device(at path: String) throws -> LinuxDevice? {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SyscallError("lstat", path) }
        let type: String
        switch st.st_mode & S_IFMT {
        case S_IFBLK: type = "b"
        case S_IFCHR: type = "c"
        case S_IFIFO: type = "p"
        default: return nil
        }
        return LinuxDevice(path: path, type: type, major: Int64(major(st.st_rdev)), minor: Int64(minor(st.st_rdev)),
                           fileMode: UInt32(st.st_mode & 0o7777), uid: st.st_uid, gid: st.st_gid)
    }

    static func major(_ dev: dev_t) -> UInt64 { (UInt64(dev) >> 8) & 0xfff | (UInt64(dev) >> 32) & ~UInt64(0xfff) }
    static func minor(_ dev: dev_t) -> UInt64 { UInt64(dev) & 0xff | (UInt64(dev) >> 12) & ~UInt64(0xff) }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// `--device`, `--device-cgroup-rule` and the device list of privileged containers.
public enum DeviceRules {
    /// One `--device` mapping: the node (or every node under a directory) and the matching
    /// cgroup allow rules, as moby's oci.DevicesFromPath.
    public static func devices(pathOnHost: String, pathInContainer: String, permissions: String) throws
        -> (devices: [LinuxDevice], rules: [LinuxDeviceCgroup]) {
        var resolved = pathOnHost
        var st = stat()
        if lstat(pathOnHost, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, let real = HostFiles.realPath(pathOnHost) {
            resolved = real
        }
        let failure: String
        do {
            if var device = try HostFiles.device(at: resolved) {
                device.path = pathInContainer
                return ([device], [rule(for: device, permissions)])
            }
            failure = "not a device node"
        } catch let error as SyscallError {
            failure = "\(error.call) \(error.detail): \(Errno.describe(error.errno).lowercased())"
        }
        if failure == "not a device node", FileIO.isDirectory(resolved) {
            var devices: [LinuxDevice] = []
            walk(resolved) { path in
                guard var device = try? HostFiles.device(at: path) else { return }
                device.path = pathInContainer + path.dropFirst(resolved.count)
                devices.append(device)
            }
            if !devices.isEmpty { return (devices, devices.map { rule(for: $0, permissions) }) }
        }
        throw ContainerSpecError.invalid(
            "error gathering device information while adding custom device \"\(pathOnHost)\": \(failure)")
    }

    /// Every device node under /dev (not pts, shm, fd, mqueue, console or FIFOs), for privileged containers.
    public static func hostDevices(root: String = "/dev") -> [LinuxDevice] {
        var out: [LinuxDevice] = []
        walk(root, skipping: ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]) { path in
            guard FileIO.base(of: path) != "console", let device = try? HostFiles.device(at: path), device.type != "p" else { return }
            out.append(device)
        }
        return out
    }

    /// `--device-cgroup-rule` values: "c 1:3 rwm", "a *:* m"...
    public static func cgroupRule(_ text: String) throws -> LinuxDeviceCgroup {
        let invalid = ContainerSpecError.invalid("invalid device cgroup rule format: '\(text)'")
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, ["a", "b", "c"].contains(fields[0]) else { throw invalid }
        let numbers = fields[1].split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2 else { throw invalid }
        func number(_ s: Substring, _ which: String) throws -> Int64 {
            if s == "*" { return -1 }
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw invalid }
            guard let n = Int64(s) else {
                throw ContainerSpecError.invalid("invalid \(which) value in device cgroup rule format: '\(text)'")
            }
            return n
        }
        let access = fields[2]
        guard (1...3).contains(access.count), access.allSatisfy({ "rwm".contains($0) }) else { throw invalid }
        return LinuxDeviceCgroup(allow: true, type: String(fields[0]), major: try number(numbers[0], "major"),
                                 minor: try number(numbers[1], "minor"), access: String(access))
    }

    static func rule(for device: LinuxDevice, _ permissions: String) -> LinuxDeviceCgroup {
        LinuxDeviceCgroup(allow: true, type: device.type, major: device.major, minor: device.minor, access: permissions)
    }

    /// Depth-first, files in directory order; directories named in `skipping` are left out.
    static func walk(_ dir: String, skipping: Set<String> = [], _ visit: (String) -> Void) {
        for name in ((try? FileIO.listDirectory(dir)) ?? []).sorted() {
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if !skipping.contains(name) { walk(path, skipping: skipping, visit) }
            } else {
                visit(path)
            }
        }
    }
}

/// moby's default device cgroup rules: deny all, then the nodes every container gets.
enum DefaultDevices {
    static var cgroupRules: [LinuxDeviceCgroup] {
        [LinuxDeviceCgroup(allow: false, access: "rwm")]
            + [(1, 5), (1, 3), (1, 9), (1, 8), (5, 0), (5, 1)].map {
                LinuxDeviceCgroup(allow: true, type: "c", major: $0.0, minor: $0.1, access: "rwm")
            }
            + [LinuxDeviceCgroup(allow: false, type: "c", major: 10, minor: 229, access: "rwm")]
    }
}
