import CLinux
import Glibc

/// Writes a file that will be fsynced once complete, starting the writeback of each
/// `interval` bytes as soon as they are written (sync_file_range, without waiting): the
/// final fsync then waits for the last stretch only, not for the whole file, which for a
/// 40 MB layer blob was tens of milliseconds on a pull's critical path.
public final class WritebackSink: ByteSink {
    private let file: FDSink
    private let interval: Int64
    private var written: Int64 = 0
    private var started: Int64 = 0

    public init(fd: Int32, interval: Int64 = 8 << 20) {
        file = FDSink(fd: fd)
        self.interval = max(interval, 1 << 20)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try file.write(bytes)
        written += Int64(bytes.count)
        if written - started >= interval {
            // Only a head start for the fsync: a failure here shows up there.
            _ = berth_start_writeback(file.fd, started, written - started)
            started = written
        }
    }

    public func finish() throws {}
}
