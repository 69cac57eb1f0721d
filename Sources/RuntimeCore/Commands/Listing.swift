import Glibc
import LinuxSys
import CLinux
import OCISpec

/// list and ps.
enum Listing {
    static func list(_ rt: Runtime, format: String, quiet: Bool) throws -> String {
        let records = rt.store.ids().compactMap { try? rt.store.load($0) }
        if quiet { return records.map { $0.id + "\n" }.joined() }
        if format == "json" {
            let items = try records.map { try Lifecycle.stateJSON($0, rt.store).replacingNewlines() }
            return "[" + items.joined(separator: ",") + "]\n"
        }
        guard format == "table" else { throw RuntimeError("invalid format option \"\(format)\": table or json") }
        var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        for r in records {
            let s = r.status(store: rt.store)
            rows.append([r.id, s == .stopped ? "0" : String(r.initPid), s.rawValue, r.bundle, r.created, r.owner])
        }
        return table(rows)
    }

    static func ps(_ rt: Runtime, id: String, format: String, psArgs: [String]) throws -> String {
        let r = try rt.store.load(id)
        guard r.status(store: rt.store) != .stopped else { throw RuntimeError("container not running") }
        let pids = try r.cgroup.pids()
        if format == "json" {
            return "[" + pids.map(String.init).joined(separator: ",") + "]\n"
        }
        guard format == "table" else { throw RuntimeError("invalid format option \"\(format)\": table or json") }
        // As runc: the host's ps, filtered to the container's processes.
        let out = try Capture.run("/bin/ps", psArgs.isEmpty ? ["-ef"] : psArgs)
        var lines = out.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { return "" }
        let header = lines.removeFirst()
        guard let col = header.split(separator: " ", omittingEmptySubsequences: true).firstIndex(of: "PID") else {
            throw RuntimeError("ps output has no PID column")
        }
        let set = Set(pids)
        var result = header + "\n"
        for l in lines {
            let fields = l.split(separator: " ", omittingEmptySubsequences: true)
            if col < fields.count, let p = Int32(fields[col]), set.contains(p) { result += l + "\n" }
        }
        return result
    }

    static func table(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows.first?.count ?? 0)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        // Plain appends: the generic joined() resolves associated types at run time.
        var out = ""
        for r in rows {
            for (i, c) in r.enumerated() {
                out += c
                if i < r.count - 1 { out += String(repeating: " ", count: widths[i] - c.count + 3) }
            }
            out += "\n"
        }
        return out
    }
}

extension String {
    func replacingNewlines() -> String { String(filter { $0 != "\n" }) }
}

/// Runs a helper program and returns its stdout (for ps).
enum Capture {
    static func run(_ path: String, _ args: [String]) throws -> String {
        var fds: [Int32] = [-1, -1]
        try sys("pipe2", "") { berth_pipe_cloexec(&fds) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        var cargs: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, path, &actions, nil, &cargs, environ)
        close(fds[1])
        defer { close(fds[0]) }
        if r != 0 { throw SyscallError("exec", path, errno: r) }
        let out = try FileIO.readAll(fd: fds[0])
        var st: Int32 = 0
        _ = waitpid(pid, &st, 0)
        return String(decoding: out, as: UTF8.self)
    }
}
