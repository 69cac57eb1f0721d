import DockerAPI
import XCTest
@testable import ContainerSpec

final class MountParserTests: XCTestCase {
    func testBindForms() throws {
        let bind = try MountParser.parseBind("/host/dir:/data:ro,rshared")
        XCTAssertEqual(bind.type, .bind)
        XCTAssertEqual(bind.source, "/host/dir")
        XCTAssertEqual(bind.destination, "/data")
        XCTAssertFalse(bind.readWrite)
        XCTAssertEqual(bind.propagation, "rshared")
        XCTAssertEqual(bind.mode, "ro,rshared")

        let plain = try MountParser.parseBind("/host//dir/:/data/")
        XCTAssertEqual(plain.source, "/host/dir")
        XCTAssertEqual(plain.destination, "/data")
        XCTAssertTrue(plain.readWrite)
        XCTAssertEqual(plain.propagation, "rprivate")

        let volume = try MountParser.parseBind("cache:/var/cache:nocopy,z")
        XCTAssertEqual(volume.type, .volume)
        XCTAssertEqual(volume.source, "cache")
        XCTAssertEqual(volume.propagation, "")
        XCTAssertFalse(volume.copyData)
        XCTAssertTrue(try MountParser.parseBind("cache:/var/cache").copyData)

        let anonymous = try MountParser.parseBind("/scratch")
        XCTAssertEqual(anonymous.type, .volume)
        XCTAssertEqual(anonymous.source, "")
        XCTAssertEqual(anonymous.destination, "/scratch")
    }

    func testBindErrorsAreDockers() {
        XCTAssertThrowsMessage(try MountParser.parseBind(":/x"), "invalid volume specification: ':/x'")
        XCTAssertThrowsMessage(try MountParser.parseBind("/foo:rw"), "invalid volume specification: '/foo:rw'")
        XCTAssertThrowsMessage(try MountParser.parseBind("/a:/b:ro:x"), "invalid volume specification: '/a:/b:ro:x'")
        XCTAssertThrowsMessage(try MountParser.parseBind("/a:/b:rx"), "invalid mode: rx")
        XCTAssertThrowsMessage(try MountParser.parseBind("/a:/b:ro,rw"), "invalid mode: ro,rw")
        XCTAssertThrowsMessage(try MountParser.parseBind("/a:/"),
            "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'")
        XCTAssertThrowsMessage(try MountParser.parseBind("/a:relative"),
            "invalid volume specification: '/a:relative': invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute")
        XCTAssertThrowsMessage(try MountParser.parseBind("vol:/x:shared"),
            "invalid volume specification: 'vol:/x:shared': invalid mount config for type \"volume\": field BindOptions must not be specified")
        XCTAssertThrowsMessage(try MountParser.parseBind("/a:/x:nocopy"),
            "invalid volume specification: '/a:/x:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified")
    }

    func testMountObjects() throws {
        let dir = try TempDir("mounts")
        defer { dir.remove() }
        let ok = try MountParser.parseMount(DockerAPI.Mount(Type: "bind", Source: dir.path, Target: "/srv", ReadOnly: true))
        XCTAssertEqual(ok.source, dir.path)
        XCTAssertFalse(ok.readWrite)
        XCTAssertFalse(ok.createSource)
        XCTAssertThrowsMessage(try MountParser.parseMount(DockerAPI.Mount(Type: "bind", Source: "/x/does/not/exist", Target: "/x")),
                               "invalid mount config for type \"bind\": bind source path does not exist: /x/does/not/exist")
        XCTAssertThrowsMessage(try MountParser.parseMount(DockerAPI.Mount(Type: "bind", Source: "", Target: "/x")),
                               "invalid mount config for type \"bind\": field Source must not be empty")
        XCTAssertThrowsMessage(try MountParser.parseMount(DockerAPI.Mount(Type: "tmpfs", Source: "x", Target: "/x")),
                               "invalid mount config for type \"tmpfs\": field Source must not be specified")
        XCTAssertThrowsMessage(try MountParser.parseMount(DockerAPI.Mount(Type: "weird", Source: nil, Target: "/x")),
                               "invalid mount config for type \"weird\": mount type unknown")
        XCTAssertThrowsMessage(try MountParser.parseMount(DockerAPI.Mount(Type: "volume", Source: nil, Target: nil)),
                               "invalid mount config for type \"volume\": field Target must not be empty")
    }

    func testTmpfsOptions() throws {
        let options = try Fixtures.hostConfig(#"{"Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":67108864,"Mode":1023,"Options":[["exec"]]}}]}"#)
        let mount = try XCTUnwrap(options.Mounts?.first)
        XCTAssertEqual(try MountParser.tmpfsData(mount.TmpfsOptions, readOnly: true), "ro,mode=1777,size=64m,exec")
        let odd = try Fixtures.hostConfig(#"{"Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1000,"Options":[["uid","5"]]}}]}"#)
        XCTAssertThrowsMessage(try MountParser.parseMount(try XCTUnwrap(odd.Mounts?.first)),
                               "invalid mount config for type \"tmpfs\": invalid option: uid")
    }

    func testMergeTmpfsOptionsKeepsTheLastOfEachFlag() throws {
        XCTAssertEqual(try MountParser.mergeTmpfsOptions(["noexec", "nosuid", "nodev", "rprivate", "rw", "size=64m", "mode=1777"]),
                       ["noexec", "nosuid", "nodev", "rprivate", "rw", "size=64m", "mode=1777"])
        XCTAssertEqual(try MountParser.mergeTmpfsOptions(["noexec", "nosuid", "nodev", "rprivate", "exec", "size=1m", "size=2m", "shared"]),
                       ["nosuid", "nodev", "exec", "size=2m", "shared"])
        XCTAssertThrowsMessage(try MountParser.mergeTmpfsOptions(["noexec", "bogus=1"]), "invalid tmpfs option \"bogus\"")
        XCTAssertThrowsMessage(try MountParser.mergeTmpfsOptions(["wat"]), "invalid tmpfs option \"wat\"")
    }
}
