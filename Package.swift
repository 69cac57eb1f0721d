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
    ],
    targets: [
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0", providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .target(name: "CLinux", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CRuntimeInit", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "LinuxSys", dependencies: ["CLinux"]),
        .target(name: "OCISpec"),
        .target(name: "Cgroups", dependencies: ["LinuxSys", "OCISpec"]),
        .target(name: "Seccomp", dependencies: ["CSeccomp", "CLinux", "OCISpec"]),
        .target(name: "RuntimeCore", dependencies: ["LinuxSys", "OCISpec", "Cgroups", "Seccomp", "CLinux"]),
        .executableTarget(name: "berth-runtime", dependencies: ["RuntimeCore", "CRuntimeInit"], linkerSettings: staticExe),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp"]),
        .testTarget(name: "RuntimeTests", dependencies: ["OCISpec"]),
    ]
)
