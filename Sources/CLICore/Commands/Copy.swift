/// `berth cp`: waits for the Archive module (TarReader/TarWriter) from the `archive` branch.
enum Copy {
    static var command: Command {
        Command("cp", usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
                "Copy files/folders between a container and the local filesystem", args: .exact(2), flags: [
            Flag("archive", "a", .bool, "Archive mode (copy all uid/gid information)"),
            Flag("follow-link", "L", .bool, "Always follow symbol link in SRC_PATH"),
            Flag("quiet", "q", .bool, "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached"),
        ]) { _ in
            throw CLIError("berth cp is not available yet")
        }
    }
}
