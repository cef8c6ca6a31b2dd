// swift-tools-version:6.0
// vcview: a terminal explorer for VCMamba checkpoints, with a CPU engine of its own.
//
// Layering (dependencies point one way):
//   CCodecs / CKernels / CBLAS / CNcurses / CFreeType / CGif (C and system libraries)
//     <- VCCheckpoint (zip, pickle, .pth, safetensors, .npy: hostile-input safe)
//     <- VCImage (JPEG/PNG decode, Pillow-exact resize, eval transform)
//     <- VCEngine (VCMamba model, kernels, named hooks)
//   VCSeeded (the seeded generator of docs/seeded-weights.md) <- VCEngine, VCScenes
//   VCScenes (the demo model's procedural scene generator, shared with tools/train)
//     <- VCRender (tensor -> RGB: colormaps, heatmaps, shared by the terminal and PNG export)
//     <- VCExport (views as PNG files with title, colour bar and JSON sidecar; `vcview export`)
//     <- VCTUI (state + update + view, pure; a thin ncurses screen layer)
//     <- vcview (command line)
import PackageDescription

// Numeric code is unusable without optimisation (SIMD debug builds are ~300x slower), so the
// compute targets are optimised in debug builds too; `swift test` stays fast.
let numericFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-Xcc", "-march=native", "-Xcc", "-mprefer-vector-width=512"]),
]

let package = Package(
    name: "vcview",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vcview", targets: ["vcview"]),
        .library(name: "VCEngine", targets: ["VCEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses", pkgConfig: "ncursesw",
                       providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2",
                       providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CGif", path: "Sources/CGif", providers: [.apt(["libgif-dev"])]),
        .target(name: "CCodecs", path: "Sources/CCodecs",
                cSettings: [.unsafeFlags(["-O2", "-I/usr/include/libpng16"])],
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]),
        // The engine's hot loops in C with clang vector extensions (see Sources/CKernels/vmath.h).
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: [.unsafeFlags(["-O3", "-march=native", "-mprefer-vector-width=512"])]),
        .target(name: "VCCheckpoint", dependencies: ["CCodecs"], swiftSettings: numericFlags),
        .target(name: "VCImage", dependencies: ["CCodecs"], swiftSettings: numericFlags),
        .target(name: "VCSeeded", swiftSettings: numericFlags),
        .target(name: "VCScenes", dependencies: ["VCSeeded"], swiftSettings: numericFlags),
        .target(name: "VCEngine", dependencies: ["VCCheckpoint", "VCSeeded", "CBLAS", "CKernels"], swiftSettings: numericFlags),
        .target(name: "VCRender", dependencies: ["VCEngine", "CFreeType"], swiftSettings: numericFlags),
        .target(name: "VCExport", dependencies: ["VCRender", "VCEngine", "VCImage", "VCCheckpoint", "CGif"]),
        .target(name: "VCTUI", dependencies: ["VCRender", "VCExport", "VCEngine", "VCImage", "CNcurses"]),
        .executableTarget(name: "vcview",
                          dependencies: ["CCodecs", "VCEngine", "VCImage", "VCCheckpoint", "VCScenes", "VCRender", "VCExport", "VCTUI",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "VCCheckpointTests", dependencies: ["VCCheckpoint"]),
        .testTarget(name: "VCImageTests", dependencies: ["VCImage"]),
        .testTarget(name: "VCEngineTests", dependencies: ["VCEngine", "VCCheckpoint"]),
        .testTarget(name: "VCTUITests", dependencies: ["VCTUI", "VCRender", "VCEngine", "VCImage"]),
        .testTarget(name: "VCExportTests", dependencies: ["VCExport", "VCRender", "VCEngine", "VCImage", "VCCheckpoint", "CGif"]),
        .testTarget(name: "VCViewTests", dependencies: ["VCEngine", "VCCheckpoint", "VCImage", "VCScenes"]),
    ]
)
