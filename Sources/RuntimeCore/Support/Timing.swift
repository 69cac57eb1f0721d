import Glibc

/// Phase timings on stderr when BERTH_RUNTIME_TIMING is set; for `make bench` investigations.
/// Each line also gives the phase's minor page faults: in a process this short, code pages
/// touched for the first time cost as much as the syscalls.
enum Timing {
    nonisolated(unsafe) static let enabled = getenv("BERTH_RUNTIME_TIMING") != nil
    nonisolated(unsafe) static var last = monotonicNow()
    nonisolated(unsafe) static var lastFaults = 0

    static func mark(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        let now = monotonicNow()
        var ru = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
        let faults = Int(ru.ru_minflt)
        FileHandleOut.stderr("[timing \(getpid())] \(what()): \(Int((now - last) * 1_000_000))us \(faults - lastFaults)pf\n")
        last = now
        lastFaults = faults
    }
}
