import Foundation

/// Looks at processes through /proc. The daemons a test starts are not its children once
/// `berth-shim start` has exited (they are re-parented to the nearest subreaper, usually pid 1),
/// so the harness finds them by what their command line or environment mentions: every daemon
/// gets the test's private directory on its command line, every container carries
/// `BERTH_TEST_ID=<id>` in its environment.
enum ProcessTable {
    /// Pids whose command line or environment contains `token` (never the test process itself).
    static func pidsMentioning(_ token: String) -> [Int32] {
        let needle = Data(token.utf8)
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != me, isAlive(pid) else { return false }
            for file in ["cmdline", "environ"] {
                if let data = FileManager.default.contents(atPath: "/proc/\(pid)/\(file)"), data.range(of: needle) != nil {
                    return true
                }
            }
            return false
        }
    }

    /// Pids of container `id` or of daemons serving it: an argument equal to `id` (`--id ID`,
    /// a runtime's `kill ID`) or `BERTH_TEST_ID=<id>` in the environment. Exact matches, so
    /// `c-1` does not find `c-10`.
    static func pidsOf(container id: String) -> [Int32] {
        let me = getpid()
        let mark = Data("BERTH_TEST_ID=\(id)".utf8)
        let arg = Data(id.utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != me, isAlive(pid) else { return false }
            let argv = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(separator: 0)
            if argv.contains(where: { Data($0) == arg }) { return true }
            let env = (FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()).split(separator: 0)
            return env.contains { Data($0) == mark }
        }
    }

    /// Pids whose command line contains `token` (cheaper than pidsMentioning; daemons only).
    static func pidsWithCommandLine(containing token: String) -> [Int32] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            pid != me && isAlive(pid) && commandLine(pid).contains(token)
        }
    }

    /// "pid argv..." for messages.
    static func describe(_ pid: Int32) -> String {
        "\(pid) \(commandLine(pid).trimmingCharacters(in: .whitespaces))"
    }

    /// argv joined by spaces.
    static func commandLine(_ pid: Int32) -> String {
        let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// Exists and is neither a zombie nor dead. A killed daemon that is not our child stays a
    /// zombie until its new parent reaps it (this machine's pid 1 does so every few seconds).
    static func isAlive(_ pid: Int32) -> Bool {
        state(pid).map { $0 != "Z" && $0 != "X" } ?? false
    }

    /// The state letter of /proc/<pid>/stat (R, S, D, T, Z...), nil when there is no such process.
    static func state(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// A field of /proc/<pid>/status ("VmRSS", "PPid"...), without the unit.
    static func status(_ pid: Int32, _ field: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Resident memory in KiB.
    static func rssKiB(_ pid: Int32) -> Int? {
        status(pid, "VmRSS").flatMap { Int($0.split(separator: " ").first ?? "") }
    }

    /// SIGKILLs each pid and waits until none is alive.
    @discardableResult
    static func killAndWait(_ pids: [Int32], timeout: TimeInterval = 10) -> Bool {
        for pid in pids { kill(pid, SIGKILL) }
        return eventually(timeout: timeout) { pids.allSatisfy { !isAlive($0) } }
    }
}
