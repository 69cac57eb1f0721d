import Glibc

/// Phase timings on stderr when BERTH_RUNTIME_TIMING is set; for `make bench` investigations.
enum Timing {
    nonisolated(unsafe) static let enabled = getenv("BERTH_RUNTIME_TIMING") != nil
    nonisolated(unsafe) static var last = monotonicNow()

    static func mark(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        let now = monotonicNow()
        FileHandleOut.stderr("[timing \(getpid())] \(what()): \(Int((now - last) * 1_000_000))us\n")
        last = now
    }
}
