// swift-tools-version:6.0
// vcview: a terminal explorer for VCMamba checkpoints, with a CPU engine of its own.
//
// Layering (dependencies point one way):
//   CCodecs / CKernels / CBLAS / CNcurses / CFreeType / CGif (C and system libraries)
//     <- VCCheckpoint (zip, pickle, .pth, safetensors, .npy: hostile-input safe)
//     <- VCImage (JPEG/PNG decode, Pillow-exact resize, eval transform)
//   VCTensor (the dense tensor, softmax, top-k; no BLAS)
//     <- VCEngine (VCMamba model, kernels, named hooks, site catalogue; re-exports VCTensor)
//     <- VCRender (tensor -> RGB: colormaps, heatmaps, canvas; VCTensor only)
//   VCSeeded (the seeded generator of docs/seeded-weights.md) <- VCEngine, VCScenes
//   VCScenes (the demo model's procedural scene generator, shared with tools/train)
//   VCRecording (one recorded run + its Mamba analysis) <- VCEngine, VCRender, VCImage
//   VCStyle (the view rules of screen and PNG: colormaps, scales, blend, masks, scan names)
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
        // The dense tensor at the engine's boundary, and softmax/top-k over logits: no BLAS.
        .target(name: "VCTensor", swiftSettings: numericFlags),
        .target(name: "VCEngine", dependencies: ["VCTensor", "VCCheckpoint", "VCSeeded", "CBLAS", "CKernels"], swiftSettings: numericFlags),
        .target(name: "VCRender", dependencies: ["VCTensor", "CFreeType"], swiftSettings: numericFlags),
        // One recorded forward pass and its Mamba analysis: what the explorer draws and the export writes.
        .target(name: "VCRecording", dependencies: ["VCEngine", "VCRender", "VCImage"]),
        // The view rules the explorer and the export share: colormaps, scales, blend, masks, names.
        .target(name: "VCStyle", dependencies: ["VCEngine", "VCRender"]),
        .target(name: "VCExport", dependencies: ["VCRecording", "VCStyle", "VCRender", "VCEngine", "VCImage", "VCCheckpoint", "CGif"]),
        .target(name: "VCTUI", dependencies: ["VCRecording", "VCStyle", "VCRender", "VCExport", "VCEngine", "CNcurses"]),
        .executableTarget(name: "vcview",
                          dependencies: ["VCEngine", "VCImage", "VCCheckpoint", "VCRecording", "VCRender", "VCStyle", "VCExport", "VCTUI",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Where the fixtures, the assets and the built binary are: shared by every test target.
        .target(name: "VCTestSupport", path: "Tests/VCTestSupport"),
        .testTarget(name: "VCCheckpointTests", dependencies: ["VCCheckpoint", "VCTestSupport"]),
        .testTarget(name: "VCImageTests", dependencies: ["VCImage", "VCTestSupport"]),
        .testTarget(name: "VCEngineTests", dependencies: ["VCEngine", "VCCheckpoint", "CKernels", "VCTestSupport"]),
        .testTarget(name: "VCRenderTests", dependencies: ["VCRender", "VCTensor"]),
        .testTarget(name: "VCTUITests", dependencies: ["VCTUI", "VCRecording", "VCStyle", "VCExport", "VCRender", "VCEngine", "VCImage", "VCTestSupport"]),
        // The real explorer under tmux: slow, so in a target of its own that a quick loop skips
        // (swift test --skip VCScreenTests).
        .testTarget(name: "VCScreenTests", dependencies: ["VCTUI", "VCImage", "VCTestSupport"]),
        .testTarget(name: "VCExportTests", dependencies: ["VCExport", "VCStyle", "VCRecording", "VCRender", "VCEngine", "VCImage", "VCCheckpoint", "CGif", "VCTestSupport"]),
        .testTarget(name: "VCViewTests", dependencies: ["VCEngine", "VCCheckpoint", "VCImage", "VCScenes", "VCTestSupport"]),
    ]
)
