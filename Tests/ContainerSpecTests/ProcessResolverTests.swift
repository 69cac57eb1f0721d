import DockerAPI
import JSON
import OCISpec
import XCTest
@testable import ContainerSpec

final class ProcessResolverTests: XCTestCase {
    func testEntrypointAndCmdRules() throws {
        let image = ContainerConfig(Entrypoint: ["/entry"], Cmd: ["image-cmd"])
        var c = ContainerConfig()
        XCTAssertEqual(try ProcessResolver.command(config: c, image: image), ["/entry", "image-cmd"])
        c.Cmd = ["mine"]
        XCTAssertEqual(try ProcessResolver.command(config: c, image: image), ["/entry", "mine"])
        // A request entrypoint drops the image's Cmd.
        c = ContainerConfig()
        c.Entrypoint = ["/other"]
        XCTAssertEqual(try ProcessResolver.command(config: c, image: image), ["/other"])
        // `--entrypoint ""`: no entrypoint, the image's Cmd stays.
        c.Entrypoint = []
        XCTAssertEqual(try ProcessResolver.command(config: c, image: image), ["image-cmd"])
        c.Cmd = ["sh"]
        XCTAssertEqual(try ProcessResolver.command(config: c, image: image), ["sh"])
    }

    func testNoCommandIsDockersError() {
        XCTAssertThrowsMessage(try ProcessResolver.command(config: ContainerConfig(), image: ContainerConfig()), "no command specified")
        var c = ContainerConfig()
        c.Entrypoint = []
        XCTAssertThrowsMessage(try ProcessResolver.command(config: c, image: ContainerConfig(Entrypoint: ["/x"])),
                               "no command specified")
    }

    func testEnvironmentOrderAndOverrides() {
        var c = ContainerConfig()
        c.Hostname = "abc"
        c.Env = ["A=request", "PATH=/mine", "UNSET_ME"]
        let image = ContainerConfig(Env: ["PATH=/image/bin", "A=image", "B=image", "UNSET_ME=image"])
        XCTAssertEqual(ProcessResolver.env(config: c, image: image),
                       ["PATH=/mine", "HOSTNAME=abc", "A=request", "B=image"])
        // The image's PATH replaces the default one in place; TERM comes with a TTY.
        c.Env = nil
        c.Tty = true
        XCTAssertEqual(ProcessResolver.env(config: c, image: ContainerConfig(Env: ["PATH=/image/bin", "X=1"])),
                       ["PATH=/image/bin", "HOSTNAME=abc", "TERM=xterm", "X=1"])
        c.Env = ["TERM=vt100", "HOSTNAME="]
        XCTAssertEqual(ProcessResolver.env(config: c, image: ContainerConfig()),
                       [ProcessResolver.defaultPath, "HOSTNAME=", "TERM=vt100"])
    }

    func testUnsetWithoutEqualsRemovesADefault() {
        var c = ContainerConfig()
        c.Hostname = "h"
        c.Env = ["HOSTNAME"]
        XCTAssertEqual(ProcessResolver.env(config: c, image: ContainerConfig()), [ProcessResolver.defaultPath])
    }

    func testMergeIsIdempotentAndFillsFromImage() {
        var c = ContainerConfig()
        c.Env = ["A=1"]
        let image = ContainerConfig(User: "bob", Env: ["A=2", "B=2"], Cmd: ["run"], Volumes: ["/data": EmptyObject()],
                                    WorkingDir: "/srv", Labels: ["l": "image"], StopSignal: "SIGQUIT")
        let once = ProcessResolver.merge(c, image: image)
        XCTAssertEqual(once.User, "bob")
        XCTAssertEqual(once.Env, ["A=1", "B=2"])
        XCTAssertEqual(once.Cmd, ["run"])
        XCTAssertEqual(once.WorkingDir, "/srv")
        XCTAssertEqual(once.StopSignal, "SIGQUIT")
        XCTAssertEqual(once.Labels, ["l": "image"])
        XCTAssertEqual(once.Volumes?.keys.sorted(), ["/data"])
        XCTAssertEqual(ProcessResolver.merge(once, image: image), once)
    }

    func testWorkingDirectory() throws {
        XCTAssertEqual(try ProcessResolver.workingDir(nil), "/")
        XCTAssertEqual(try ProcessResolver.workingDir(""), "/")
        XCTAssertEqual(try ProcessResolver.workingDir("/srv//app/../web/"), "/srv/web")
        XCTAssertThrowsMessage(try ProcessResolver.workingDir("srv"),
                               "the working directory 'srv' is invalid, it needs to be an absolute path")
    }
}

final class ExecProcessTests: XCTestCase {
    func testExecStartsFromTheContainersProcess() throws {
        let dir = try TempDir("exec")
        defer { dir.remove() }
        let rootfs = try makeRootfs(dir)
        var container = ContainerConfig()
        container.Hostname = "web"
        container.Env = ["A=1", "PATH=/app/bin"]
        container.WorkingDir = "/srv"
        let base = OCISpec.Process(user: User(uid: 0, gid: 0, additionalGids: [0]), args: ["server"],
                                   env: ["PATH=/app/bin", "HOSTNAME=web", "A=1", "HOME=/root"], cwd: "/srv",
                                   capabilities: LinuxCapabilities(bounding: ["CAP_KILL"]))
        let plain = try ProcessResolver.exec(containerProcess: base, container: container, cmd: ["sh"], env: ["B=2", "A=3"],
                                             rootfs: rootfs, host: Fixtures.host)
        XCTAssertEqual(plain.args, ["sh"])
        XCTAssertEqual(plain.env, ["PATH=/app/bin", "HOSTNAME=web", "A=3", "B=2", "HOME=/root"])
        XCTAssertEqual(plain.cwd, "/srv")
        XCTAssertEqual(plain.user, base.user)
        XCTAssertEqual(plain.capabilities, base.capabilities)

        let other = try ProcessResolver.exec(containerProcess: base, container: container, cmd: ["id"], user: "bob",
                                             workingDir: "/tmp", tty: true, privileged: true, rootfs: rootfs, host: Fixtures.host)
        XCTAssertEqual(other.user, User(uid: 1000, gid: 1000, additionalGids: [1000, 29, 44]))
        XCTAssertEqual(other.env, ["PATH=/app/bin", "HOSTNAME=web", "TERM=xterm", "A=1", "HOME=/home/bob"])
        XCTAssertEqual(other.cwd, "/tmp")
        XCTAssertEqual(other.terminal, true)
        XCTAssertEqual(other.capabilities?.bounding, CapabilityNames.all)
        XCTAssertThrowsMessage(try ProcessResolver.exec(containerProcess: base, container: container, cmd: [], rootfs: rootfs,
                                                        host: Fixtures.host), "No exec command specified")
    }
}
