import Foundation
import XCTest

/// The `berth` CLI's image verbs, prune, disk usage, version, info and events against
/// berthd, compared with the docker CLI where their output must be the same.
final class EngineCLISystemTests: EngineTestCase {
    func testImageListsAndInspect() throws {
        for args in [["images"], ["image", "ls"], ["images", "-q"], ["images", "--no-trunc"], ["images", "-a", "busybox"],
                     ["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.CreatedAt}}"],
                     ["images", "--format", "table {{.Repository}}\t{{.Digest}}\t{{.Containers}}"], ["images", "--digests"],
                     ["images", "--filter", "reference=busy*", "-q"], ["images", "--filter", "dangling=true"],
                     ["image", "inspect", "busybox"], ["image", "inspect", "-f", "{{.Id}} {{.Os}}/{{.Architecture}} {{json .Config.Cmd}}", "busybox"],
                     ["image", "inspect", "-f", "{{.Size}} {{len .RootFS.Layers}} {{.RepoTags}}", "busybox"],
                     ["image", "inspect", "no-such:1"], ["history", "busybox"], ["image", "history", "--no-trunc", "-q", "busybox"],
                     ["history", "--format", "{{.ID}} {{.CreatedBy}} {{.Size}} {{.Comment}}", "busybox"], ["history", "-H=false", "busybox"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
    }

    func testTagRemoveSaveLoadImport() throws {
        try berthOK(["tag", "busybox", "example.com/team/app:v1"])
        try sameAsDocker(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
        XCTAssertEqual(try berthOK(["rmi", "example.com/team/app:v1"]), "Untagged: example.com/team/app:v1")
        try berthOK(["image", "tag", "busybox", "second:tag"])
        let id = try berthOK(["image", "inspect", "-f", "{{.Id}}", "busybox"])
        let byID = try berthExpect(1, ["image", "rm", id])
        XCTAssertTrue(byID.stderr.contains("must be forced"), byID.stderr)
        XCTAssertEqual(try berthOK(["image", "rm", "second:tag"]), "Untagged: second:tag")
        try sameAsDocker(["rmi", "no-such:1"], stderr: true)

        let dir = try scratchDirectory("save")
        try berthOK(["tag", "busybox", "roundtrip:1"])
        try berthOK(["save", "-o", dir + "/rt.tar", "roundtrip:1"])
        let listing = ChildProcess.run("/bin/tar", ["-tf", dir + "/rt.tar"], outputDir: engine.ioDir).stdout
        XCTAssertTrue(listing.contains("manifest.json") && listing.contains("index.json"), listing)
        try berthOK(["rmi", "roundtrip:1"])
        XCTAssertEqual(try berthOK(["load", "-i", dir + "/rt.tar"]), "Loaded image: roundtrip:1")
        XCTAssertEqual(try berthOK(["image", "inspect", "-f", "{{.Id}}", "roundtrip:1"]), id)
        try berthOK(["rmi", "roundtrip:1"])
        XCTAssertEqual(try berthOK(["load", "-q", "-i", dir + "/rt.tar"]), "Loaded image: roundtrip:1")
        try berthOK(["rmi", "roundtrip:1"])
        try "not a tar".write(toFile: dir + "/bad.tar", atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try engine.berth(["load", "-i", dir + "/bad.tar"]).status, 0)

        let rootfs = try EngineHarness.imageDir.get() + "/busybox-rootfs.tar"
        let imported = try berthOK(["import", "-c", "CMD [\"echo\", \"imported\"]", "-m", "by berth", rootfs, "imported:v1"])
        XCTAssertTrue(imported.hasPrefix("sha256:") && imported.count == 71, imported)
        XCTAssertEqual(try berthOK(["run", "--rm", "imported:v1"]), "imported")
        XCTAssertEqual(try berthOK(["history", "--format", "{{.Comment}}", "imported:v1"]), "by berth")
        try berthOK(["image", "rm", "imported:v1"])
    }

    func testPruneAndDiskUsage() throws {
        let rootfs = try EngineHarness.imageDir.get() + "/busybox-rootfs.tar"
        let dangling = try berthOK(["image", "import", rootfs])
        XCTAssertEqual(try berthOK(["images", "-q", "--no-trunc", "--filter", "dangling=true"]), dangling)
        try berthOK(["run", "--name", "stopped1", "busybox", "true"])
        try berthOK(["create", "--name", "created1", "busybox", "true"])
        try berthOK(["run", "-d", "--name", "running1", "busybox", "sleep", "100"])
        for args in [["system", "df"], ["system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}} {{.Reclaimable}}"],
                     ["system", "df", "-v"], ["system", "df", "--format", "{{json .}}"]] {
            try sameAsDocker(args, parallel: true)
        }
        let pruned = try berthOK(["container", "prune", "-f"]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(pruned.first, "Deleted Containers:")
        XCTAssertEqual(pruned.count, 5, "\(pruned)")
        XCTAssertEqual(pruned[3], "", "\(pruned)")
        XCTAssertTrue(pruned.last?.hasPrefix("Total reclaimed space: ") ?? false, "\(pruned)")
        XCTAssertEqual(try berthOK(["ps", "-a", "--format", "{{.Names}}"]), "running1")
        let images = try berthOK(["image", "prune", "-f"])
        XCTAssertTrue(images.contains("deleted: \(dangling)"), images)
        XCTAssertEqual(try berthOK(["images", "-q", "--filter", "dangling=true"]), "")

        try berthOK(["run", "--name", "stopped2", "busybox", "true"])
        let again = try berthOK(["image", "import", rootfs])
        let system = try berthOK(["system", "prune", "-f"])
        XCTAssertTrue(system.contains("Deleted Containers:") && system.contains("deleted: \(again)")
                      && system.contains("Total reclaimed space:"), system)
        XCTAssertEqual(try berthOK(["ps", "-a", "--format", "{{.Names}}"]), "running1")
        XCTAssertEqual(try berthOK(["images", "--format", "{{.Repository}}"]), "busybox", "system prune without -a removed a used image")
        let nothing = try sameAsDocker(["container", "prune", "-f"]).stdout
        XCTAssertEqual(nothing, "Total reclaimed space: 0B\n")
    }

    func testVersionAndInfo() throws {
        for args in [["version", "--format", "{{.Server.APIVersion}} {{.Server.Os}} {{.Server.Arch}} {{.Server.Version}}"],
                     ["version", "--format", "{{json .Server.Components}} {{json .Server}}"],
                     ["version", "--format", "{{.Server.ApiVersion}}"], ["version", "--format", "{{.Server"],
                     ["info", "--format", "{{.Driver}} {{.DockerRootDir}} {{.Images}} {{.Containers}} {{.CgroupVersion}}"],
                     ["info", "--format", "{{json .Runtimes}} {{.DefaultRuntime}} {{.OSType}} {{.NCPU}}"],
                     ["system", "info", "--format", "{{.ContainersRunning}} {{.ContainersStopped}} {{.ContainersPaused}}"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
        let v = try berthOK(["version"])
        XCTAssertTrue(v.hasPrefix("Client:") && v.contains("\nServer:") && v.contains("API version:"), v)
        let info = try berthOK(["info"])
        XCTAssertTrue(info.contains("Storage Driver: overlay2") && info.contains("Docker Root Dir: \(engine.dataRoot)"), info)
        XCTAssertTrue(info.contains(" Images: 1"), info)
    }

    /// Events in a window that has ended: the command prints what happened in it and exits.
    func testEventsWindow() throws {
        // Fractional seconds, as both CLIs accept: the window closes as soon as the work is done.
        let since = String(format: "%.3f", unixNow() - 0.001)
        try berthOK(["run", "--rm", "--name", "evt", "-l", "ev=1", "busybox", "true"])
        try berthOK(["tag", "busybox", "evt:tag"])
        try berthOK(["rmi", "evt:tag"])
        let until = String(format: "%.3f", unixNow() + 0.001)
        let window = ["--since", since, "--until", until]
        let actions = try berthOK(["events", "--filter", "container=evt", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"] + window)
        XCTAssertEqual(actions.split(separator: "\n").map(String.init), [
            "container create evt", "container attach evt", "container start evt", "container die evt", "container destroy evt",
        ])
        for args in [["events", "--filter", "container=evt", "--format", "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.ev}}"],
                     ["events", "--filter", "type=image"], ["events", "--filter", "event=die", "--format", "{{json .}}"],
                     ["events", "--format", "{{.Status}} {{.From}} {{.TimeNano}} {{.Scope}} {{json .Actor}}"],
                     ["events", "--format", "json", "--filter", "type=container"], ["events", "--format", "{{.NoSuchField}}"]] {
            try sameAsDocker(args + window, stderr: true, parallel: true)
        }
        // A window entirely in the past before any of it: nothing, at once.
        let past = Int(unixNow()) - 100
        let empty = try engine.berth(["events", "--since", String(past), "--until", String(past + 50)], timeout: 10)
        XCTAssertEqual(empty.status, 0, "\(empty)")
        XCTAssertEqual(empty.stdout, "")
    }

    /// `berth volume ...` against the docker CLI on the same daemon.
    func testVolumeVerbs() throws {
        let a = "cliv-a-\(getpid())", b = "cliv-b-\(getpid())"
        XCTAssertEqual(try berthOK(["volume", "create", "--label", "tier=db", "--label", "x=1", a]), a)
        XCTAssertEqual(try berthOK(["volume", "create", "--name", b]), b)
        let user = "cliv-user-\(getpid())"
        try berthOK(["create", "--name", user, "-v", "\(a):/data", "busybox", "true"])
        defer {
            _ = try? engine.berth(["rm", "-f", user])
            _ = try? engine.berth(["volume", "rm", "-f", a, b])
        }
        for args in [["volume", "ls"], ["volume", "ls", "-q"], ["volume", "ls", "--format", "json"],
                     ["volume", "ls", "--format", "{{.Name}} {{.Labels}} {{.Scope}} {{.Mountpoint}}"],
                     ["volume", "ls", "-f", "label=tier=db"], ["volume", "ls", "-f", "dangling=true", "-q"],
                     ["volume", "inspect", a], ["volume", "inspect", "-f", "{{.Name}} {{.Labels.tier}}", a, b],
                     ["volume", "inspect", "no-such-volume"], ["volume", "rm", a], ["volume", "create", "x"],
                     ["volume", "ls", "-f", "nosuch=1"]] {
            try sameAsDocker(args, stderr: true, parallel: true)
        }
        try berthOK(["rm", user])
        XCTAssertEqual(try berthOK(["volume", "rm", a, b]), "\(a)\n\(b)")
        let missing = try berthExpect(1, ["volume", "rm", a])
        XCTAssertTrue(missing.stderr.contains("no such volume"), "\(missing)")

        let anon = "cliv-anon-\(getpid())"
        try berthOK(["run", "--name", anon, "-v", "/scratch", "busybox", "true"])
        let name = try berthOK(["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", anon])
        try berthOK(["rm", anon])
        XCTAssertEqual(try berthOK(["volume", "prune", "-f"]), "Deleted Volumes:\n\(name)\n\nTotal reclaimed space: 0B")
        XCTAssertEqual(try berthOK(["volume", "prune", "-f"]), "Total reclaimed space: 0B")
    }

}
