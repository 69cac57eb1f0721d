import Foundation

/// How well a running process's executable is shielded from being overwritten through
/// /proc/<pid>/exe (CVE-2019-5736: a container process reopens the runtime's binary for writing
/// and replaces it on the host). Read from the host.
struct ExecutableProtection: CustomStringConvertible {
    /// Where /proc/<pid>/exe points.
    let target: String
    /// errno of open(/proc/<pid>/exe, O_WRONLY), nil when that open succeeded.
    let writeOpenErrno: Int32?
    /// fstatfs of a read-only open of it: the filesystem type and whether it is mounted read-only.
    let fsType: Int
    let fsReadOnly: Bool
    /// F_GET_SEALS of a read-only open of it, nil when it is not a sealable file (not a memfd).
    let seals: Int32?

    static let overlayfsMagic = 0x794c7630
    // Not exported by Glibc's Swift overlay.
    static let getSeals: Int32 = 1024 + 10
    static let sealSeal: Int32 = 0x1
    static let sealWrite: Int32 = 0x8
    static let mountReadOnly = 0x1

    /// A read-only overlayfs view (berth-runtime's first choice).
    var isReadOnlyOverlay: Bool { fsType == Self.overlayfsMagic && fsReadOnly }
    /// A memfd copy sealed against writes and against removing the seal.
    var isSealedMemfd: Bool { (seals ?? 0) & (Self.sealWrite | Self.sealSeal) == (Self.sealWrite | Self.sealSeal) }
    /// The write-open failed for a lasting reason. ETXTBSY does not count: it only says the file
    /// is being executed right now, and the write succeeds as soon as the runtime has exited.
    var refusesWriteOpenForGood: Bool { writeOpenErrno == EROFS || writeOpenErrno == EPERM }

    var description: String {
        let open = writeOpenErrno.map { "open(O_WRONLY) failed: \(String(cString: strerror($0)))" } ?? "open(O_WRONLY) SUCCEEDED"
        let seal = seals.map { String(format: "seals 0x%x", $0) } ?? "no seals"
        return "exe -> \(target); \(open); fs type 0x\(String(fsType, radix: 16))\(fsReadOnly ? " (ro)" : " (rw)"); \(seal)"
    }

    static func inspect(pid: Int32) throws -> ExecutableProtection {
        let path = "/proc/\(pid)/exe"
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
        var writeErrno: Int32?
        let writable = open(path, O_WRONLY | O_CLOEXEC)
        if writable >= 0 {
            close(writable)
        } else {
            writeErrno = errno
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HarnessError("open \(path) O_RDONLY: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let fs = try StatFS(fd: fd, path: path)
        let seals = fcntl(fd, getSeals)
        return ExecutableProtection(target: target, writeOpenErrno: writeErrno, fsType: fs.type,
                                    fsReadOnly: fs.flags & mountReadOnly != 0, seals: seals >= 0 ? seals : nil)
    }
}

/// fstatfs(2), which the Glibc module does not import (no sys/statfs.h), looked up at run time.
/// struct statfs on 64-bit Linux is eleven longs (fsid counts as one) then spare words: f_type
/// is the first, f_flags the eleventh.
private struct StatFS {
    let type: Int
    let flags: Int

    private typealias FStatFS = @convention(c) (Int32, UnsafeMutableRawPointer) -> Int32
    private static let call: FStatFS? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "fstatfs") else { return nil }
        return unsafeBitCast(symbol, to: FStatFS.self)
    }()

    init(fd: Int32, path: String) throws {
        guard MemoryLayout<Int>.size == 8, let call = Self.call else { throw HarnessError("fstatfs is not available here") }
        var words = [Int](repeating: 0, count: 16)
        let rc = words.withUnsafeMutableBytes { buffer in buffer.baseAddress.map { call(fd, $0) } ?? -1 }
        guard rc == 0 else { throw HarnessError("fstatfs \(path): \(String(cString: strerror(errno)))") }
        type = words[0]
        flags = words[10]
    }
}
