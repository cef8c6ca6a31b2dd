import Foundation

/// Where things are in this checkout, found from this source file's path so the tests run from
/// any directory; and the `vcview` binary `swift build` put beside the test bundle. Every test
/// target locates fixtures, assets and the binary through here.
public enum Repository {
    /// The checkout's root (this file is Tests/VCTestSupport/Repository.swift).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A path relative to the root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A path under Tests/Fixtures.
    public static func fixture(_ relative: String) -> String { path("Tests/Fixtures/" + relative) }

    /// A path under assets/.
    public static func asset(_ relative: String) -> String { path("assets/" + relative) }

    /// The built `vcview` executable: beside the test bundle (or a few folders up from the
    /// running test binary), else .build/debug/vcview; nil when none is built.
    public static var builtBinary: String? {
        var candidates: [URL] = []
        let bundle = Bundle.main.bundleURL
        candidates += [bundle, bundle.deletingLastPathComponent()]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<4 { candidates.append(dir); dir = dir.deletingLastPathComponent() }
        }
        for dir in candidates {
            let candidate = dir.appendingPathComponent("vcview").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let fallback = path(".build/debug/vcview")
        return FileManager.default.isExecutableFile(atPath: fallback) ? fallback : nil
    }

    /// A fresh empty directory under the system temporary directory, named for this process.
    public static func scratch(_ name: String) throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("vcview-tests-\(getpid())-\(name)")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
