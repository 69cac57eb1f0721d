// swift-tools-version:6.0
import PackageDescription

// Binaries that are exec'd once per container (the runtime) link statically:
// see ../shared/SWIFT-SYSTEMS-NOTES.md (0.7 ms start-up instead of 3-9 ms).
let staticExe: [LinkerSetting] = [
    .unsafeFlags(["-static-executable"]),
    .linkedLibrary("_FoundationCollections"), .linkedLibrary("_FoundationCShims"), .linkedLibrary("swiftSynchronization"),
]

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
        .target(name: "LinuxSys", dependencies: ["CLinux"]),
        .target(name: "OCISpec"),
        .target(name: "Wire", dependencies: ["CLinux"]),
        .target(name: "ShimAPI", dependencies: ["Wire", "OCISpec", "Cgroups"]),
        .target(name: "SupervisorAPI", dependencies: ["Wire", "OCISpec", "ShimAPI"]),
        .target(name: "Cgroups", dependencies: ["LinuxSys", "OCISpec", "CLinux"]),
        .target(name: "Seccomp", dependencies: ["CSeccomp", "CLinux", "OCISpec"]),
        .target(name: "RuntimeCore", dependencies: ["LinuxSys", "OCISpec", "Cgroups", "Seccomp", "CLinux"]),
        .target(name: "ShimCore", dependencies: ["ShimAPI", "Wire", "LinuxSys", "OCISpec", "Cgroups", "CLinux"]),
        .target(name: "SupervisorCore", dependencies: ["SupervisorAPI", "ShimAPI", "Wire", "LinuxSys", "OCISpec", "CLinux"]),
        // The shim is exec'd once per container: static, like the runtime.
        .executableTarget(name: "berth-shim", dependencies: ["ShimCore"], linkerSettings: staticExe),
        .executableTarget(name: "berth-supervisor", dependencies: ["SupervisorCore"], linkerSettings: staticExe),
        .executableTarget(name: "berth-ctl", dependencies: ["SupervisorAPI", "ShimAPI", "Wire", "OCISpec"], linkerSettings: staticExe),
        .executableTarget(name: "berth-runtime", dependencies: ["RuntimeCore", "CRuntimeInit"], linkerSettings: staticExe),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp"]),
        .testTarget(name: "RuntimeTests", dependencies: ["OCISpec"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "ShimAPI", "SupervisorAPI"]),
        .testTarget(name: "DaemonTests", dependencies: ["Wire", "ShimAPI", "SupervisorAPI", "OCISpec"]),
    ]
)
