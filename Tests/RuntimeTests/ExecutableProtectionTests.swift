import Foundation
import XCTest

/// CVE-2019-5736: a process in the container can reach the runtime's binary through
/// /proc/<runtime pid>/exe while the runtime is inside or beside the container (the created
/// init before start, the foreground `exec` or `run`), reopen it for writing once the runtime
/// exits, and overwrite it on the host. berth-runtime therefore runs from a read-only overlayfs
/// view of itself, or a sealed memfd copy. Checked from the host on the live processes.
final class ExecutableProtectionTests: RuntimeTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        guard isBerth else { throw XCTSkip("how the binary is protected is berth-runtime's own design") }
    }

    /// open(O_WRONLY) fails for good (EROFS or EPERM, not ETXTBSY), and the file is a read-only
    /// overlayfs view or a write-sealed memfd.
    private func assertProtected(pid: Int32, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let found = try ExecutableProtection.inspect(pid: pid)
        XCTAssertTrue(found.refusesWriteOpenForGood, "\(what) \(pid): the binary must refuse writers: \(found)", file: file, line: line)
        XCTAssertTrue(found.isReadOnlyOverlay || found.isSealedMemfd, "\(what) \(pid): \(found)", file: file, line: line)
        XCTAssertNotEqual(URL(fileURLWithPath: found.target).resolvingSymlinksInPath().path,
                          URL(fileURLWithPath: runtimeBinary.path).resolvingSymlinksInPath().path,
                          "\(what) \(pid) does not run the host's binary itself: \(found)", file: file, line: line)
    }

    func testCreatedInitRunsFromProtectedBinary() throws {
        let id = newID("cve-init")
        XCTAssertEqual(try create(id, try makeBundle(["sleep", "1000"])).status, 0)
        XCTAssertEqual(status(id), "created")
        let pid = try XCTUnwrap(pidOf(id))
        try assertProtected(pid: pid, "the created container's init")
    }

    /// `exec` forks the helper that enters the container from the runtime process, so the
    /// helper's /proc/<pid>/exe is the foreground runtime's (the original attack went through
    /// `runc exec`). Checked while the runtime waits for the exec'd process.
    func testForegroundExecRunsFromProtectedBinary() throws {
        let id = newID("cve-exec")
        try createAndStart(id, try makeBundle(["sleep", "1000"]))
        let exec = try Command(runtimeBinary.path, ["--root", env.stateRoot, "exec", id, "/bin/sleep", "5"], outputDir: env.ioDir)
        try exec.start()
        defer { exec.terminate() }
        XCTAssertTrue(eventually { processesOf(id).count >= 2 }, "the exec'd sleep joined the container: \(processesOf(id))")
        try assertProtected(pid: exec.pid, "the foreground exec")
    }

    func testForegroundRunRunsFromProtectedBinary() throws {
        let id = newID("cve-run")
        let runner = try runInBackground(id, try makeBundle(["sleep", "1000"]))
        XCTAssertTrue(waitForStatus(id, "running"))
        try assertProtected(pid: runner.pid, "the foreground run")
    }

    /// Without overlayfs (BERTH_NO_OVERLAY_SEAL), the fallback is a memfd copy sealed against
    /// writes. Its write-open reports ETXTBSY while it runs, so the seal is what is checked.
    func testSealedMemfdFallback() throws {
        setenv("BERTH_NO_OVERLAY_SEAL", "1", 1)
        defer { unsetenv("BERTH_NO_OVERLAY_SEAL") }
        let id = newID("cve-memfd")
        XCTAssertEqual(try create(id, try makeBundle(["sleep", "1000"])).status, 0)
        let pid = try XCTUnwrap(pidOf(id))
        let found = try ExecutableProtection.inspect(pid: pid)
        XCTAssertTrue(found.isSealedMemfd, "a write-sealed memfd: \(found)")
        XCTAssertTrue(found.target.hasPrefix("/memfd:"), "\(found)")
        XCTAssertNotNil(found.writeOpenErrno, "opening it for writing fails: \(found)")
        XCTAssertEqual(runtime(["start", id]).status, 0, "the sealed copy runs the container")
        XCTAssertEqual(status(id), "running")
    }

    private func processesOf(_ id: String) -> [Int32] {
        let result = runtime(["ps", "--format", "json", id])
        guard result.status == 0 else { return [] }
        return ((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [NSNumber] ?? []).map(\.int32Value)
    }
}
