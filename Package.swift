// swift-tools-version:6.0
import PackageDescription

// Binaries that are exec'd once per container (the runtime) link statically:
// see ../shared/SWIFT-SYSTEMS-NOTES.md (0.7 ms start-up instead of 3-9 ms).
let staticExe: [LinkerSetting] = [
    .unsafeFlags(["-static-executable"]),
    .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"), .linkedLibrary("swiftSynchronization"),
]

// The runtime links no Foundation at all (JSON replaces JSONDecoder), so it needs none of its libraries.
// lld places the functions its commands run next to each other (startup.order, made by
// Tests/bench/make_startup_order.py): fewer executable pages get mapped, a lower peak RSS.
let runtimeExe: [LinkerSetting] = [.unsafeFlags([
    "-static-executable", "-use-ld=lld",
    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/berth-runtime/startup.order",
    "-Xlinker", "--no-warn-symbol-ordering",
])]
// For the modules the runtime is built from: type metadata through direct accessor calls
// instead of mangled-name lookups, which check generic requirements by scanning every
// protocol conformance record at run time (page faults and CPU on each exec of the runtime).
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
    ],
    targets: [
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0", providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .target(name: "CLinux", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CRuntimeInit", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "LinuxSys", dependencies: ["CLinux"], swiftSettings: runtimeSwift),
        // Codable JSON without Foundation, so the runtime need not link FoundationEssentials.
        .target(name: "JSON", swiftSettings: runtimeSwift),
        .target(name: "OCISpec", dependencies: ["JSON"], swiftSettings: runtimeSwift),
        .target(name: "Wire", dependencies: ["CLinux"]),
        .target(name: "ShimAPI", dependencies: ["Wire", "OCISpec", "Cgroups"]),
        .target(name: "SupervisorAPI", dependencies: ["Wire", "OCISpec", "ShimAPI"]),
        .target(name: "Cgroups", dependencies: ["LinuxSys", "OCISpec", "CLinux"], swiftSettings: runtimeSwift),
        .target(name: "Seccomp", dependencies: ["CSeccomp", "CLinux", "OCISpec"], swiftSettings: runtimeSwift),
        .target(name: "RuntimeCore", dependencies: ["LinuxSys", "JSON", "OCISpec", "Cgroups", "Seccomp", "CLinux"], swiftSettings: runtimeSwift),
        .target(name: "ShimCore", dependencies: ["ShimAPI", "Wire", "LinuxSys", "OCISpec", "Cgroups", "CLinux"]),
        .target(name: "SupervisorCore", dependencies: ["SupervisorAPI", "ShimAPI", "Wire", "LinuxSys", "OCISpec", "CLinux"]),
        // The shim is exec'd once per container: static, like the runtime.
        .executableTarget(name: "berth-shim", dependencies: ["ShimCore"], linkerSettings: staticExe),
        .executableTarget(name: "berth-supervisor", dependencies: ["SupervisorCore"], linkerSettings: staticExe),
        .executableTarget(name: "berth-ctl", dependencies: ["SupervisorAPI", "ShimAPI", "Wire", "OCISpec"], linkerSettings: staticExe),
        .executableTarget(name: "berth-runtime", dependencies: ["RuntimeCore", "CRuntimeInit"], exclude: ["startup.order"],
                         swiftSettings: runtimeSwift, linkerSettings: runtimeExe),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "OCISpec"]),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp"]),
        .testTarget(name: "RuntimeTests", dependencies: ["OCISpec"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "ShimAPI", "SupervisorAPI"]),
        .testTarget(name: "DaemonTests", dependencies: ["Wire", "ShimAPI", "SupervisorAPI", "OCISpec"]),
    ]
)
