import Glibc

/// `du`-style size of a directory tree (allocated bytes of regular files, each inode once).
enum DiskUsage {
    static func bytes(_ root: String) -> Int64 {
        var seen = Set<UInt64>()
        var total: Int64 = 0
        var stack = [root]
        while let dir = stack.popLast() {
            guard let d = opendir(dir) else { continue }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let path = dir + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { stack.append(path); continue }
                guard (st.st_mode & S_IFMT) == S_IFREG else { continue }
                if st.st_nlink > 1 && !seen.insert(UInt64(st.st_ino)).inserted { continue }
                total += Int64(st.st_size)
            }
        }
        return total
    }
}
