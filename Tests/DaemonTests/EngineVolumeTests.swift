import Foundation
import XCTest

/// Volumes through the real docker CLI and the Python SDK: the volume API, named and
/// anonymous volumes of containers, copying the image's content into a new volume,
/// `rm -v` and prune.
final class EngineVolumeTests: EngineTestCase {
    override func tearDownWithError() throws {
        try super.tearDownWithError()
        // Volumes a test made go too (after the containers, which hold them).
        if let engine, engine.daemon != nil {
            let names = engine.curl(["-s", "http://d/volumes"]).stdout
            if let doc = try? JSONSerialization.jsonObject(with: Data(names.utf8)) as? [String: Any],
               let vols = doc["Volumes"] as? [[String: Any]] {
                for v in vols { engine.curl(["-s", "-X", "DELETE", "http://d/volumes/\(v["Name"] as? String ?? "")"]) }
            }
        }
    }

    func testCreateInspectListUseAndRemove() throws {
        let name = "vol-\(getpid())"
        let since = Int(Date().timeIntervalSince1970) - 1
        XCTAssertEqual(ok(engine.docker(["volume", "create", "--label", "team=berth", name])), name)
        // Creating an existing volume again is no error and changes nothing (Docker's behaviour).
        XCTAssertEqual(ok(engine.docker(["volume", "create", name])), name)
        XCTAssertEqual(ok(engine.docker(["volume", "inspect", "-f", "{{.Driver}} {{.Mountpoint}} {{.Labels.team}} {{.Scope}}", name])),
                       "local \(engine.dataRoot)/volumes/\(name)/_data berth local")
        XCTAssertTrue(ok(engine.docker(["volume", "inspect", "-f", "{{.CreatedAt}}", name])).hasPrefix("20"))
        XCTAssertEqual(ok(engine.docker(["volume", "ls", "-q", "--filter", "label=team=berth"])), name)
        XCTAssertEqual(ok(engine.docker(["volume", "ls", "-q", "--filter", "label=team=other"])), "")
        XCTAssertEqual(ok(engine.docker(["volume", "ls", "-q", "--filter", "name=vol-"])), name)
        XCTAssertEqual(ok(engine.docker(["volume", "ls", "-q", "--filter", "dangling=true"])), name)
        XCTAssertTrue(ok(engine.docker(["volume", "ls"])).contains("local     \(name)"))

        ok(engine.docker(["run", "--rm", "-v", "\(name):/data", "busybox", "sh", "-c", "echo kept > /data/f"]))
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "--mount", "type=volume,source=\(name),target=/v,readonly", "busybox", "cat", "/v/f"])), "kept")
        XCTAssertNotEqual(engine.docker(["run", "--rm", "-v", "\(name):/data:ro", "busybox", "touch", "/data/g"]).status, 0)

        let holder = "holder-\(getpid())"
        ok(engine.docker(["create", "--name", holder, "-v", "\(name):/data", "busybox", "true"]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}", holder])),
                       "volume \(name) /data true")
        XCTAssertEqual(ok(engine.docker(["volume", "ls", "-q", "--filter", "dangling=false"])), name)
        let inUse = engine.docker(["volume", "rm", name])
        XCTAssertNotEqual(inUse.status, 0)
        XCTAssertTrue(inUse.stderr.contains("volume is in use"), inUse.stderr)
        ok(engine.docker(["rm", holder]))
        XCTAssertEqual(ok(engine.docker(["volume", "rm", name])), name)
        let gone = engine.docker(["volume", "inspect", name])
        XCTAssertNotEqual(gone.status, 0)
        XCTAssertTrue(gone.stderr.contains("no such volume"), gone.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(engine.dataRoot)/volumes/\(name)"))
        ok(engine.docker(["volume", "rm", "-f", name]), "rm -f of a missing volume")

        let short = engine.docker(["volume", "create", "a"])
        XCTAssertTrue(short.stderr.contains("volume name is too short"), "\(short)")
        let bad = engine.curl(["-s", "-w", " %{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                               "-d", "{\"Name\": \"no/slash\"}", "http://d/volumes/create"])
        XCTAssertTrue(bad.stdout.contains("includes invalid characters") && bad.stdout.hasSuffix(" 400"), bad.stdout)
        let plugin = engine.docker(["volume", "create", "-d", "nosuchdriver", "vol2-\(getpid())"])
        XCTAssertTrue(plugin.stderr.contains("plugin \"nosuchdriver\" not found"), "\(plugin)")

        ok(engine.docker(["volume", "create", "ev-\(getpid())"]))
        ok(engine.docker(["volume", "rm", "ev-\(getpid())"]))
        let until = Int(Date().timeIntervalSince1970) + 1
        XCTAssertEqual(ok(engine.docker(["events", "--since", "\(since)", "--until", "\(until)", "--filter", "volume=ev-\(getpid())",
                                         "--format", "{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}"])),
                       "create ev-\(getpid()) local\ndestroy ev-\(getpid()) local")
        // A container's use of a volume: mount at its start, unmount at its exit.
        let used = ok(engine.docker(["events", "--since", "\(since)", "--until", "\(until)", "--filter", "volume=\(name)",
                                     "--format", "{{.Action}}{{with .Actor.Attributes.destination}} {{.}}{{end}}"]))
        XCTAssertEqual(used.split(separator: "\n").prefix(5).map(String.init), ["create", "mount /data", "unmount", "mount /v", "unmount"], used)
    }

    /// `-v /path` and an image's VOLUME get a volume each, named at create, which `rm -v`
    /// removes; a new volume gets the image's content and its directory's owner and mode.
    func testAnonymousVolumesAndCopyFromTheImage() throws {
        let base = "base-\(getpid())", image = "owned-\(getpid())"
        ok(engine.docker(["run", "--name", base, "busybox", "sh", "-c",
                          "mkdir /owned && echo from-image > /owned/f && ln -s f /owned/link && chown -R 1000:1001 /owned && chmod 700 /owned"]))
        ok(engine.docker(["commit", "--change", "VOLUME /owned", base, image]))
        ok(engine.docker(["rm", base]))

        // The image's VOLUME: an anonymous volume with the image's files in it.
        let c = "anon-\(getpid())"
        XCTAssertEqual(ok(engine.docker(["run", "--name", c, image, "sh", "-c", "cat /owned/f; stat -c '%u:%g %a' /owned; readlink /owned/link"])),
                       "from-image\n1000:1001 700\nf")
        let mount = ok(engine.docker(["inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}", c]))
        let parts = mount.split(separator: " ").map(String.init)
        XCTAssertEqual(parts.count, 3, mount)
        guard parts.count == 3 else { return }
        XCTAssertEqual(parts[0], "volume")
        XCTAssertEqual(parts[1].count, 64, "an anonymous volume is named by 64 hex digits: \(mount)")
        XCTAssertEqual(parts[2], "/owned")
        XCTAssertEqual(ok(engine.docker(["volume", "inspect", "-f", "{{json .Labels}}", parts[1]])), "{\"com.docker.volume.anonymous\":\"\"}")
        // Its content survives a restart of the container (the copy is made once).
        ok(engine.docker(["start", "-a", c]))
        ok(engine.docker(["rm", "-v", c]))
        XCTAssertNotEqual(engine.docker(["volume", "inspect", parts[1]]).status, 0, "rm -v left the anonymous volume")

        // A named volume is filled the same way, once; nocopy leaves it empty.
        let named = "filled-\(getpid())"
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "-v", "\(named):/owned", image, "sh", "-c", "cat /owned/f; echo mine > /owned/f"])),
                       "from-image")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "-v", "\(named):/owned", image, "cat", "/owned/f"])), "mine")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "-v", "nocopy-\(getpid()):/owned:nocopy", image, "ls", "-A", "/owned"])), "")
        // run --rm takes its anonymous volumes along, not the named ones.
        let before = Set(ok(engine.docker(["volume", "ls", "-q"])).split(separator: "\n").map(String.init))
        ok(engine.docker(["run", "--rm", "-v", "/gone", "-v", "\(named):/owned", image, "true"]))
        XCTAssertEqual(Set(ok(engine.docker(["volume", "ls", "-q"])).split(separator: "\n").map(String.init)), before)
        // A create that fails half-way through its volumes leaves none of the new anonymous ones.
        let failed = engine.curl(["-s", "-w", " %{http_code}", "-X", "POST", "-H", "Content-Type: application/json", "-d",
                                  "{\"Image\": \"busybox\", \"HostConfig\": {\"Binds\": [\"/anon\"], \"Mounts\": [{\"Type\": \"volume\", "
                                  + "\"Source\": \"x-\(getpid())\", \"Target\": \"/x\", \"VolumeOptions\": {\"DriverConfig\": {\"Name\": \"nosuch\"}}}]}}",
                                  "http://d/containers/create"])
        XCTAssertTrue(failed.stdout.contains("error looking up volume plugin nosuch") && failed.stdout.hasSuffix(" 404"), failed.stdout)
        XCTAssertEqual(Set(ok(engine.docker(["volume", "ls", "-q"])).split(separator: "\n").map(String.init)), before)
        // -v /path on the command line, and rm without -v keeps the volume (prune takes it).
        let keep = "keep-\(getpid())"
        ok(engine.docker(["run", "--name", keep, "-v", "/scratch", "busybox", "touch", "/scratch/x"]))
        let kept = ok(engine.docker(["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", keep]))
        ok(engine.docker(["rm", keep]))
        XCTAssertEqual(ok(engine.docker(["volume", "inspect", "-f", "{{.Name}}", kept])), kept)

        // prune: anonymous unused volumes only; --all the named ones too; never one in use.
        let used = "used-\(getpid())"
        ok(engine.docker(["create", "--name", used, "-v", "\(named):/owned", "busybox", "true"]))
        let pruned = ok(engine.docker(["volume", "prune", "-f"]))
        XCTAssertTrue(pruned.contains(kept), pruned)
        XCTAssertFalse(pruned.contains(named), pruned)
        XCTAssertNotEqual(engine.docker(["volume", "inspect", kept]).status, 0)
        let all = ok(engine.docker(["volume", "prune", "-af"]))
        XCTAssertTrue(all.contains("nocopy-\(getpid())"), all)
        XCTAssertFalse(all.contains(named), "a volume in use was pruned: \(all)")
        ok(engine.docker(["rm", used]))
        XCTAssertTrue(ok(engine.docker(["system", "df", "-v"])).contains(named))
        ok(engine.docker(["volume", "rm", named]))
        ok(engine.docker(["rmi", image]))
    }

    func testVolumesThroughThePythonSDK() throws {
        let name = "sdkvol-\(getpid())"
        let r = engine.python("""
        v = client.volumes.create(name='\(name)', labels={'team': 'berth'})
        print(v.name, v.attrs['Driver'], v.attrs['Labels']['team'])
        print([x.name for x in client.volumes.list(filters={'label': 'team=berth'})])
        out = client.containers.run('busybox', ['sh', '-c', 'echo sdk > /data/f; cat /data/f'],
                                    volumes={'\(name)': {'bind': '/data', 'mode': 'rw'}}, remove=True)
        print(out.decode().strip())
        print(client.volumes.get('\(name)').attrs['Mountpoint'].endswith('/volumes/\(name)/_data'))
        client.volumes.get('\(name)').remove()
        try:
            client.volumes.get('\(name)')
        except docker.errors.NotFound:
            print('gone')
        print(client.volumes.prune()['VolumesDeleted'] in (None, []))
        """)
        XCTAssertEqual(r.status, 0, "\(r)\n\(engine.daemonLog.suffix(2000))")
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init),
                       ["\(name) local berth", "['\(name)']", "sdk", "True", "gone", "True"])
    }

    /// The local driver's options: a filesystem mounted on the volume while a container uses
    /// it, unmounted when the last one stops (so a tmpfs volume starts empty every time).
    func testLocalDriverOptionsMountWhileInUse() throws {
        let tmp = "tmpfsvol-\(getpid())"
        ok(engine.docker(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m,uid=1000,noexec", tmp]))
        XCTAssertEqual(ok(engine.docker(["volume", "inspect", "-f", "{{json .Options}}", tmp])),
                       "{\"device\":\"tmpfs\",\"o\":\"size=1m,uid=1000,noexec\",\"type\":\"tmpfs\"}")
        let path = "\(engine.dataRoot)/volumes/\(tmp)/_data"
        func mounted() -> Bool {
            ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").split(separator: "\n")
                .contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == path }
        }
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "-v", "\(tmp):/t", "busybox", "sh", "-c",
                                         "stat -f -c %T /t; stat -c %u /t; df -k /t | tail -1 | awk '{print $2}'; grep ' /t ' /proc/mounts | grep -c noexec; touch /t/x"])),
                       "tmpfs\n1000\n1024\n1")
        XCTAssertFalse(mounted(), "the tmpfs stayed mounted after its only user exited")
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "-v", "\(tmp):/t", "busybox", "ls", "-A", "/t"])), "")

        // Two users: the mount stays until the last one stops.
        let long = "long-\(getpid())"
        ok(engine.docker(["run", "-d", "--name", long, "-v", "\(tmp):/t", "busybox", "sleep", "1000"]))
        ok(engine.docker(["run", "--rm", "-v", "\(tmp):/t", "busybox", "touch", "/t/shared"]))
        XCTAssertTrue(mounted())
        ok(engine.docker(["exec", long, "ls", "/t/shared"]), "the running container lost its volume's mount")
        ok(engine.docker(["rm", "-f", long]))
        XCTAssertFalse(mounted())
        ok(engine.docker(["volume", "rm", tmp]))

        // A bind of a host directory, the way Compose users name one.
        let host = engine.root + "/bind-src"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        let bound = "bindvol-\(getpid())"
        ok(engine.docker(["volume", "create", "--opt", "type=none", "--opt", "device=\(host)", "--opt", "o=bind", bound]))
        ok(engine.docker(["run", "--rm", "-v", "\(bound):/b", "busybox", "sh", "-c", "echo through > /b/f"]))
        XCTAssertEqual(try String(contentsOfFile: host + "/f", encoding: .utf8), "through\n")
        ok(engine.docker(["volume", "rm", bound]))
        XCTAssertTrue(FileManager.default.fileExists(atPath: host + "/f"), "removing the volume must not touch the bound directory")

        let badKey = engine.docker(["volume", "create", "--opt", "color=blue", "badkey-\(getpid())"])
        XCTAssertTrue(badKey.stderr.contains("invalid option key: \"color\""), "\(badKey)")
        let badFS = "badfs-\(getpid())"
        ok(engine.docker(["volume", "create", "--opt", "type=nosuchfs", "--opt", "device=x", badFS]))
        let failed = engine.docker(["run", "--rm", "-v", "\(badFS):/x", "busybox", "true"])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("error while mounting volume"), "\(failed)")
    }


    /// `--volumes-from`: the other container's volumes and binds, read-only when asked.
    func testVolumesFrom() throws {
        let host = engine.root + "/vf-host"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: host + "/seen", contents: Data())
        let src = "vf-src-\(getpid())", named = "vf-data-\(getpid())"
        ok(engine.docker(["create", "--name", src, "-v", "\(named):/data", "-v", "/anon", "-v", "\(host):/hb:ro", "busybox", "true"]))
        XCTAssertEqual(ok(engine.docker(["run", "--rm", "--volumes-from", src, "busybox", "sh", "-c",
                                         "echo x > /data/f && echo y > /anon/g && ls /hb && cat /data/f /anon/g"])), "seen\nx\ny")
        let user = "vf-user-\(getpid())"
        ok(engine.docker(["create", "--name", user, "--volumes-from", "\(src):ro", "-v", "/own", "busybox", "sh", "-c", "cat /anon/g; touch /data/z"]))
        XCTAssertEqual(ok(engine.docker(["inspect", "-f", "{{json .HostConfig.VolumesFrom}}", user])), "[\"\(src):ro\"]")
        let mounts = ok(engine.docker(["inspect", "-f", "{{range .Mounts}}{{.Destination}}={{.RW}} {{end}}", user]))
        XCTAssertEqual(Set(mounts.split(separator: " ").map(String.init)), ["/data=false", "/anon=false", "/hb=false", "/own=true"])
        let ro = engine.docker(["start", "-a", user])
        XCTAssertNotEqual(ro.status, 0, "\(ro)")
        XCTAssertTrue(ro.stdout.contains("y") && ro.stderr.contains("Read-only file system"), "\(ro)")
        // The volume is in use by both; removing the source keeps it for the other.
        ok(engine.docker(["rm", "-v", src]))
        XCTAssertEqual(ok(engine.docker(["volume", "inspect", "-f", "{{.Name}}", named])), named)
        ok(engine.docker(["rm", "-v", user]))

        // A 404, as dockerd answers (the docker CLI would take any 404 of a create for a missing image and pull).
        let missing = engine.curl(["-s", "-w", " %{http_code}", "-X", "POST", "-H", "Content-Type: application/json", "-d",
                                   "{\"Image\": \"busybox\", \"HostConfig\": {\"VolumesFrom\": [\"no-such-\(getpid())\"]}}",
                                   "http://d/containers/create"])
        XCTAssertTrue(missing.stdout.contains("No such container: no-such-\(getpid())") && missing.stdout.hasSuffix(" 404"), missing.stdout)
        let other = "vf-other-\(getpid())"
        ok(engine.docker(["create", "--name", other, "busybox", "true"]))
        let mode = engine.docker(["create", "--volumes-from", "\(other):wx", "busybox", "true"])
        XCTAssertTrue(mode.stderr.contains("invalid mode for volumes-from: \(other):wx"), "\(mode)")
    }

}
