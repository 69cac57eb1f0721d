import CLinux
import Glibc
import LinuxSys

/// A tree with one of everything an image layer can hold, for round trips.
enum SampleTree {
    static let longDir = "deep/" + String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60)
    static let longName = longDir + "/" + String(repeating: "f", count: 120)
    static let longTarget = String(repeating: "t", count: 150)
    static let bigUID: uid_t = 3_000_000
    /// security.capability for cap_net_raw+ep (VFS_CAP_REVISION_2), as setcap writes it.
    static let capability: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00] + [UInt8](repeating: 0, count: 12)

    /// Builds it under `root`; mtimes are fixed so trees compare across round trips.
    static func make(at root: String, in test: ArchiveTestCase) throws {
        try FileIO.mkdirAll(root)
        try test.write(root + "/file.txt", "hello\n")
        try sys("chown", "file.txt") { chown(root + "/file.txt", 1000, 1001) }
        try test.setXattr(root + "/file.txt", "user.test", Array("value".utf8))
        try test.write(root + "/bin/su", "#!/bin/sh\n", mode: 0o755)
        try sys("chown", "su") { chown(root + "/bin/su", 0, 0) }
        try sys("chmod", "su") { chmod(root + "/bin/su", 0o4755) }
        try test.write(root + "/bin/ping", "ping\n", mode: 0o755)
        try test.setXattr(root + "/bin/ping", "security.capability", capability)
        try FileIO.mkdirAll(root + "/dir")
        try sys("chmod", "dir") { chmod(root + "/dir", 0o750) }
        try FileIO.mkdirAll(root + "/sticky")
        try sys("chmod", "sticky") { chmod(root + "/sticky", 0o1777) }
        try test.write(root + "/" + longName, "long\n")
        try sys("symlink", "link") { symlink("file.txt", root + "/link") }
        try sys("symlink", "longlink") { symlink(longTarget, root + "/longlink") }
        try sys("link", "hard") { link(root + "/file.txt", root + "/dir/hard") }
        try sys("mkfifo", "fifo") { mkfifo(root + "/fifo", 0o640) }
        try sys("mknod", "null") { berth_mknod(root + "/null", S_IFCHR | 0o666, 1, 3) }
        try sys("mknod", "blk") { berth_mknod(root + "/blk", S_IFBLK | 0o600, 7, 200) }
        try test.write(root + "/bigid", "big\n")
        try sys("chown", "bigid") { chown(root + "/bigid", bigUID, 42) }
        try test.write(root + "/empty", "")
        var big = [UInt8](repeating: 0, count: 3 << 20)
        for i in stride(from: 0, to: big.count, by: 4093) { big[i] = UInt8(truncatingIfNeeded: i / 4093) }
        try test.write(root + "/dir/big.bin", big)
        try test.sh("find \(root) -exec touch -h -d '2020-01-02 03:04:05' {} +")
    }
}
