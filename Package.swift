// swift-tools-version:6.0
import PackageDescription
import Foundation

// The runtime and the daemons link no Foundation at all (the JSON module replaces
// JSONDecoder/JSONEncoder) and are static executables: see ../shared/SWIFT-SYSTEMS-NOTES.md
// (0.7 ms start-up instead of 3-9 ms). lld places the functions listed in the target's
// startup.order (made by Tests/bench/make_startup_order.py) next to each other: fewer
// executable pages get mapped, a lower peak RSS for the runtime and a lower idle RSS for
// each per-container shim. Names the binary no longer has are ignored, so a stale order
// file costs only locality; a missing one is skipped.
func staticExe(_ target: String, static: Bool = true) -> [LinkerSetting] {
    var flags = [`static` ? "-static-executable" : "-static-stdlib", "-use-ld=lld"]
    let order = "\(Context.packageDirectory)/Sources/\(target)/startup.order"
    if FileManager.default.fileExists(atPath: order) {
        flags += ["-Xlinker", "--symbol-ordering-file=\(order)", "-Xlinker", "--no-warn-symbol-ordering"]
    }
    return [.unsafeFlags(flags)]
}

// For the modules of the runtime and the daemons: type metadata through direct accessor calls
// instead of mangled-name lookups, which check generic requirements by scanning every
// protocol conformance record at run time (CPU on each exec of the runtime, and pages of the
// static binary that a shim would otherwise keep resident).
let runtimeSwift: [SwiftSetting] = [.unsafeFlags([
    "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors",
    // Each function in its own section, so --gc-sections drops unused ones and startup.order can move them.
    "-Xfrontend", "-function-sections",
])]

let package = Package(
    name: "Berth",
    products: [
        .executable(name: "berth-runtime", targets: ["berth-runtime"]),
        .executable(name: "berth-shim", targets: ["berth-shim"]),
        .executable(name: "berth-supervisor", targets: ["berth-supervisor"]),
        .executable(name: "berth-ctl", targets: ["berth-ctl"]),
        .executable(name: "berthd", targets: ["berthd"]),
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "berth-https", targets: ["berth-https"]),
    ],
    targets: [
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0", providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .target(name: "CLinux", cSettings: [.define("_GNU_SOURCE")]),
        // entry.c runs before glibc is set up: no stack protector, no implicit memcpy/memset.
        .target(name: "CRuntimeInit", cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-fno-builtin", "-fno-stack-protector"])]),
        // SHA-256 (x86 SHA extensions when present). Optimised even in debug builds: tests hash
        // whole layers, and unoptimised C is several times slower.
        .target(name: "CDigest", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "LinuxSys", dependencies: ["CLinux"], swiftSettings: runtimeSwift),
        // Codable JSON without Foundation, so the runtime need not link FoundationEssentials.
        .target(name: "JSON", swiftSettings: runtimeSwift),
        .target(name: "OCISpec", dependencies: ["JSON"], swiftSettings: runtimeSwift),
        .target(name: "Digest", dependencies: ["CDigest", "LinuxSys"], swiftSettings: runtimeSwift),
        .target(name: "Wire", dependencies: ["CLinux", "LinuxSys", "JSON"], swiftSettings: runtimeSwift),
        // Tar, gzip, layer apply/diff for berthd's images, `docker load/save/export/cp/diff`.
        .target(name: "Archive", dependencies: ["LinuxSys", "CLinux", "CZlib", "CZstd"], swiftSettings: runtimeSwift),
        // berthd's image store: references, content store, unpacked layers, load/save/import.
        // An image config's `config` section is DockerAPI.ContainerConfig, the type a container's Config has.
        .target(name: "Images", dependencies: ["Digest", "DockerAPI", "JSON", "LinuxSys", "Archive"], swiftSettings: runtimeSwift),
        .target(name: "HTTP", dependencies: ["CLinux", "LinuxSys"]),
        // The distribution API v2 client (plain HTTP for now) and pull/push into the image store.
        .target(name: "Registry", dependencies: ["Images", "Digest", "JSON", "LinuxSys", "Wire", "CLinux"], swiftSettings: runtimeSwift),
        // HTTPS for the registry client through URLSession. The only module that links
        // Foundation (and, through URLSession, the system's libcurl): only the berth-https
        // helper uses it, a dynamically linked executable with a static Swift stdlib, so
        // berthd stays static and lean.
        .target(name: "HTTPSTransport", dependencies: ["Registry", "LinuxSys"],
                swiftSettings: [.unsafeFlags(["-static-stdlib"])]),
        .executableTarget(name: "berth-https", dependencies: ["HTTPSTransport", "Registry", "Wire", "JSON", "LinuxSys", "CLinux"],
                          swiftSettings: [.unsafeFlags(["-static-stdlib"])],
                          linkerSettings: staticExe("berth-https", static: false)),
        // The Docker Engine API's request and response shapes, shared by berthd and the berth CLI.
        .target(name: "DockerAPI", dependencies: ["JSON"]),
        // A Docker container's configuration turned into an OCI spec, as dockerd does it.
        .target(name: "ContainerSpec", dependencies: ["DockerAPI", "OCISpec", "JSON", "LinuxSys"], swiftSettings: runtimeSwift),
        // The Engine API client of the berth CLI: HTTP/1.1 over unix/tcp, streams, hijack, stdcopy.
        .target(name: "APIClient", dependencies: ["CLinux", "LinuxSys", "JSON"], swiftSettings: runtimeSwift),
        .target(name: "ShimAPI", dependencies: ["Wire", "OCISpec", "Cgroups"], swiftSettings: runtimeSwift),
        .target(name: "SupervisorAPI", dependencies: ["Wire", "OCISpec", "ShimAPI"], swiftSettings: runtimeSwift),
        .target(name: "Cgroups", dependencies: ["LinuxSys", "OCISpec", "CLinux"], swiftSettings: runtimeSwift),
        .target(name: "Seccomp", dependencies: ["CSeccomp", "CLinux", "OCISpec"], swiftSettings: runtimeSwift),
        .target(name: "RuntimeCore", dependencies: ["CRuntimeInit", "LinuxSys", "JSON", "OCISpec", "Cgroups", "Seccomp", "CLinux"], swiftSettings: runtimeSwift),
        .target(name: "ShimCore", dependencies: ["ShimAPI", "Wire", "JSON", "LinuxSys", "OCISpec", "Cgroups", "CLinux"],
                swiftSettings: runtimeSwift),
        .target(name: "SupervisorCore", dependencies: ["SupervisorAPI", "ShimAPI", "Wire", "LinuxSys", "OCISpec", "CLinux"],
                swiftSettings: runtimeSwift),
        // One shim per container stays resident for the container's life: its idle RSS is
        // mostly the pages of this binary it has touched, hence the order file.
        .executableTarget(name: "berth-shim", dependencies: ["ShimCore"], exclude: ["startup.order"],
                         swiftSettings: runtimeSwift, linkerSettings: staticExe("berth-shim")),
        .executableTarget(name: "berth-supervisor", dependencies: ["SupervisorCore"],
                         swiftSettings: runtimeSwift, linkerSettings: staticExe("berth-supervisor")),
        .executableTarget(name: "berth-ctl", dependencies: ["SupervisorAPI", "ShimAPI", "Wire", "JSON", "LinuxSys", "OCISpec"],
                         linkerSettings: staticExe("berth-ctl")),
        .executableTarget(name: "berth-runtime", dependencies: ["RuntimeCore", "CRuntimeInit"], exclude: ["startup.order"],
                         swiftSettings: runtimeSwift,
                         // The overlay re-exec of create/run/exec happens before glibc starts (CRuntimeInit/entry.c).
                         linkerSettings: staticExe("berth-runtime") + [.unsafeFlags(["-Xlinker", "-e", "-Xlinker", "berth_entry"])]),
        // berthd's container logic, free of HTTP: the API layer in berthd maps onto it.
        .target(name: "EngineCore", dependencies: ["DockerAPI", "ContainerSpec", "Archive", "SupervisorAPI", "ShimAPI", "Wire",
                                                   "OCISpec", "Cgroups", "LinuxSys", "JSON", "CLinux"]),
        .executableTarget(name: "berthd", dependencies: ["EngineCore", "Images", "Registry", "HTTP", "DockerAPI", "ContainerSpec", "Archive", "Digest",
                                                         "Wire", "LinuxSys", "JSON"],
                         linkerSettings: staticExe("berthd")),
        // The docker-compatible CLI: verbs, flags, Go templates, tables (CLICore); `berth` is its main.
        .target(name: "CLICore", dependencies: ["APIClient", "Archive", "JSON", "LinuxSys", "CLinux"], swiftSettings: runtimeSwift),
        .executableTarget(name: "berth", dependencies: ["CLICore"],
                         swiftSettings: runtimeSwift, linkerSettings: staticExe("berth")),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "OCISpec"]),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"]),
        .testTarget(name: "DigestTests", dependencies: ["Digest", "LinuxSys", "JSON"]),
        .testTarget(name: "ImagesTests", dependencies: ["Images", "DockerAPI", "Digest", "Archive", "JSON", "LinuxSys", "CLinux"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp"]),
        .testTarget(name: "RuntimeTests", dependencies: ["OCISpec"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "LinuxSys"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Images", "Digest", "JSON", "LinuxSys"]),
        .testTarget(name: "ContainerSpecTests", dependencies: ["ContainerSpec", "DockerAPI", "OCISpec", "JSON", "LinuxSys"]),
        .testTarget(name: "CLITests", dependencies: ["CLICore", "APIClient", "Archive", "HTTP", "JSON", "LinuxSys"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "LinuxSys", "ShimAPI", "SupervisorAPI"]),
        .testTarget(name: "EngineCoreTests", dependencies: ["EngineCore"]),
        .testTarget(name: "DaemonTests", dependencies: ["Wire", "ShimAPI", "SupervisorAPI", "OCISpec"]),
    ]
)
