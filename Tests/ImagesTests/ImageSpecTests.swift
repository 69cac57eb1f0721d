import XCTest
import Digest
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
        XCTAssertEqual(c.config?.user, "1000:1000")
        XCTAssertEqual(c.config?.exposedPorts.map { Set($0.keys) }, ["80/tcp", "53/udp"])
        XCTAssertEqual(c.config?.volumes?.keys.sorted(), ["/data"])
        XCTAssertEqual(c.config?.healthcheck, HealthConfig(test: ["CMD", "true"], interval: 30_000_000_000, timeout: 1, startPeriod: 2, retries: 3))
        XCTAssertEqual(c.config?.shell, ["/bin/bash", "-c"])
        XCTAssertEqual(c.config?.argsEscaped, true)
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
        var config = ContainerConfig(env: ["A=0", "PATH=/bin"], cmd: ["old"])
        c.apply(to: &config)
        XCTAssertEqual(config.cmd, ["sh", "-c", "echo hi"])
        XCTAssertEqual(config.entrypoint, ["/bin/sh", "-c", "/bin/run --x"])
        XCTAssertEqual(config.env, ["PATH=/bin", "A=1", "B=two words", "LEGACY=some value"])
        XCTAssertEqual(config.workingDir, "/app/sub")
        XCTAssertEqual(config.user, "nobody")
        XCTAssertEqual(config.labels, ["a": "b", "c d": "e"])
        XCTAssertEqual(config.exposedPorts.map { Set($0.keys) }, ["80/tcp", "53/udp", "8000/tcp", "8001/tcp"])
        XCTAssertEqual(config.volumes.map { Array($0.keys) }, ["/data"])
        XCTAssertEqual(config.stopSignal, "SIGTERM")
        XCTAssertEqual(config.onBuild, ["RUN x"])
        XCTAssertEqual(config.healthcheck, HealthConfig(test: ["CMD", "true"], interval: 90_000_000_000, retries: 2))

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
