import XCTest
import Digest
import DockerAPI
import Images
import JSON

final class ImageSpecTests: XCTestCase {
    private let diff = "sha256:" + String(repeating: "a", count: 64)

    func testImageConfigDecodesDockerAndOCIFieldsAndIgnoresUnknownOnes() throws {
        let text = """
        {"architecture":"arm64","variant":"v8","os":"linux","os.version":"1","created":"2024-05-01T10:20:30.5Z",
         "author":"me","docker_version":"24.0.7","comment":"hi","unknown_top":{"x":[1,2]},
         "container_config":{"Hostname":"abc"},
         "config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{},"53/udp":null},"Env":["A=b"],"Entrypoint":["/e"],
                   "Cmd":["sh"],"Volumes":{"/data":{}},"WorkingDir":"/w","Labels":{"k":"v"},"StopSignal":"SIGINT",
                   "Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":1,"StartPeriod":2,"Retries":3},
                   "OnBuild":["RUN x"],"Shell":["/bin/bash","-c"],"ArgsEscaped":true,"Hostname":"","Tty":false,"Future":1},
         "rootfs":{"type":"layers","diff_ids":["\(diff)"]},
         "history":[{"created":"2024-05-01T10:20:30Z","created_by":"/bin/sh -c x","author":"a","comment":"c","empty_layer":true,"x":1}]}
        """
        let c = try JSON.decode(ImageConfig.self, from: Array(text.utf8))
        XCTAssertEqual(c.architecture, "arm64")
        XCTAssertEqual(c.variant, "v8")
        XCTAssertEqual(c.osVersion, "1")
        XCTAssertEqual(c.dockerVersion, "24.0.7")
        XCTAssertEqual(c.comment, "hi")
        XCTAssertEqual(c.config?.User, "1000:1000")
        XCTAssertEqual(c.config?.ExposedPorts.map { Set($0.keys) }, ["80/tcp", "53/udp"])
        XCTAssertEqual(c.config?.Volumes?.keys.sorted(), ["/data"])
        XCTAssertEqual(c.config?.Healthcheck, HealthConfig(Test: ["CMD", "true"], Interval: 30_000_000_000, Timeout: 1, StartPeriod: 2, Retries: 3))
        XCTAssertEqual(c.config?.Shell, ["/bin/bash", "-c"])
        XCTAssertEqual(c.config?.ArgsEscaped, true)
        XCTAssertEqual(c.rootfs.diffIDs.map(\.encoded), [diff])
        XCTAssertEqual(c.history?.first?.emptyLayer, true)
        XCTAssertEqual(c.history?.first?.createdBy, "/bin/sh -c x")

        // Encoding uses the spec's names; ExposedPorts values are {}.
        let out = String(decoding: try JSON.encode(c), as: UTF8.self)
        XCTAssertTrue(out.contains("\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}}"), out)
        XCTAssertTrue(out.contains("\"rootfs\":{\"diff_ids\":[\"\(diff)\"],\"type\":\"layers\"}"), out)
        XCTAssertTrue(out.contains("\"os.version\":\"1\""), out)
        XCTAssertTrue(out.contains("\"created_by\":\"/bin/sh -c x\""), out)
        XCTAssertEqual(try JSON.decode(ImageConfig.self, from: Array(out.utf8)), c)
    }

    func testBadDiffIDIsAnError() {
        let text = #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:zz"]}}"#
        XCTAssertThrowsError(try JSON.decode(ImageConfig.self, from: Array(text.utf8)))
    }

    func testManifestIndexAndArchiveManifest() throws {
        let m = ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: try Digest(parsing: diff), size: 3),
                              layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: try Digest(parsing: diff), size: 9,
                                                  annotations: ["a": "b"])])
        let bytes = try JSON.encode(m)
        XCTAssertEqual(try JSON.decode(ImageManifest.self, from: bytes), m)
        let index = #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"\#(diff)","size":5,"platform":{"architecture":"amd64","os":"linux","os.features":["x"]},"annotations":{"org.opencontainers.image.ref.name":"latest"},"extra":true}]}"#
        let i = try JSON.decode(ImageIndex.self, from: Array(index.utf8))
        XCTAssertEqual(i.manifests.first?.platform?.osFeatures, ["x"])
        XCTAssertTrue(MediaType.isManifest(i.manifests.first?.mediaType))
        let archive = #"[{"Config":"abc.json","RepoTags":["busybox:latest"],"Layers":["x/layer.tar"]},{"Config":"d.json","RepoTags":null,"Layers":[]}]"#
        let a = try JSON.decode([ArchiveManifestEntry].self, from: Array(archive.utf8))
        XCTAssertEqual(a[0].repoTags, ["busybox:latest"])
        XCTAssertNil(a[1].repoTags)
        let encoded = String(decoding: try JSON.encode(a[0]), as: UTF8.self)
        XCTAssertTrue(encoded.hasPrefix(#"{"Config":"abc.json","Layers":["#), encoded)
        XCTAssertEqual(try JSON.decode(ArchiveManifestEntry.self, from: Array(encoded.utf8)), a[0])
    }

    func testConfigChangesFromDockerfileInstructions() throws {
        let c = try ImageConfigChanges.parse([
            #"CMD ["sh", "-c", "echo hi"]"#, "ENTRYPOINT /bin/run --x", #"ENV A=1 B="two words""#, "ENV LEGACY some value",
            "WORKDIR /app", "WORKDIR sub", "USER nobody", #"LABEL a=b "c d"=e"#, "EXPOSE 80 53/udp 8000-8001",
            #"VOLUME ["/data"]"#, "STOPSIGNAL SIGTERM", "ONBUILD RUN x",
            #"HEALTHCHECK --interval=1m30s --retries=2 CMD ["true"]"#,
        ])
        var config = ContainerConfig(Env: ["A=0", "PATH=/bin"], Cmd: ["old"])
        c.apply(to: &config)
        XCTAssertEqual(config.Cmd, ["sh", "-c", "echo hi"])
        XCTAssertEqual(config.Entrypoint, ["/bin/sh", "-c", "/bin/run --x"])
        XCTAssertEqual(config.Env, ["PATH=/bin", "A=1", "B=two words", "LEGACY=some value"])
        XCTAssertEqual(config.WorkingDir, "/app/sub")
        XCTAssertEqual(config.User, "nobody")
        XCTAssertEqual(config.Labels, ["a": "b", "c d": "e"])
        XCTAssertEqual(config.ExposedPorts.map { Set($0.keys) }, ["80/tcp", "53/udp", "8000/tcp", "8001/tcp"])
        XCTAssertEqual(config.Volumes.map { Array($0.keys) }, ["/data"])
        XCTAssertEqual(config.StopSignal, "SIGTERM")
        XCTAssertEqual(config.OnBuild, ["RUN x"])
        XCTAssertEqual(config.Healthcheck, HealthConfig(Test: ["CMD", "true"], Interval: 90_000_000_000, Retries: 2))

        XCTAssertThrowsError(try ImageConfigChanges.parse(["RUN rm -rf /"])) { error in
            XCTAssertEqual("\(error)", "run is not a valid change command")
        }
        for bad in ["EXPOSE 80/xyz", "EXPOSE -", "EXPOSE /tcp", "EXPOSE 9-1", "EXPOSE 70000", "HEALTHCHECK --interval=5x CMD true",
                    "HEALTHCHECK", "ENV"] {
            XCTAssertThrowsError(try ImageConfigChanges.parse([bad]), bad)
        }
        XCTAssertThrowsError(try ImageConfigChanges.parse(["ENV =x"]))
    }
}

/// The image config's `config` section is DockerAPI.ContainerConfig, shared with containers.
final class ImageConfigSectionTests: XCTestCase {
    func testEncodesInTheImageSpecOrderAsImageInspectWritesIt() throws {
        var c = ContainerConfig(User: "u", ExposedPorts: ["80/tcp": EmptyObject()], Env: ["A=1"], Entrypoint: ["/e"], Cmd: ["c"],
                                Volumes: ["/v": EmptyObject()], WorkingDir: "/w", Labels: ["l": "1"], StopSignal: "SIGINT",
                                Healthcheck: HealthConfig(Test: ["CMD", "true"], Interval: 1, Timeout: 2, StartPeriod: 3,
                                                          StartInterval: 4, Retries: 5),
                                OnBuild: ["RUN x"], Shell: ["/bin/sh", "-c"])
        c.StopTimeout = 9
        c.ArgsEscaped = true
        c.Hostname = "h"
        c.Image = "busybox"
        let out = String(decoding: try JSON.encode(c, sortedKeys: false), as: UTF8.self)
        XCTAssertEqual(out, #"{"User":"u","ExposedPorts":{"80/tcp":{}},"Env":["A=1"],"Entrypoint":["/e"],"Cmd":["c"],"#
            + #""Volumes":{"/v":{}},"WorkingDir":"/w","Labels":{"l":"1"},"StopSignal":"SIGINT","StopTimeout":9,"#
            + #""Healthcheck":{"Test":["CMD","true"],"Interval":1,"Timeout":2,"StartPeriod":3,"StartInterval":4,"Retries":5},"#
            + #""OnBuild":["RUN x"],"Shell":["/bin/sh","-c"],"ArgsEscaped":true,"Hostname":"h","Image":"busybox"}"#)
    }

    func testDecodesDockersShellFormStringsAndNullPortValues() throws {
        let c = try JSON.decode(ContainerConfig.self, from: Array(#"{"Cmd":"echo hi","Entrypoint":null,"ExposedPorts":{"53/udp":null},"X":1}"#.utf8))
        XCTAssertEqual(c.Cmd, ["echo hi"])
        XCTAssertNil(c.Entrypoint)
        XCTAssertEqual(String(decoding: try JSON.encode(c), as: UTF8.self), #"{"Cmd":["echo hi"],"ExposedPorts":{"53/udp":{}}}"#)
    }
}
