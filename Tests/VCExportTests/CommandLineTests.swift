import Foundation
import XCTest
import VCTestSupport

/// `vcview export` as a user runs it: the binary `swift build` put beside the test bundle.
final class CommandLineTests: XCTestCase {
    static var binary: String? { Repository.builtBinary }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    func run(_ args: [String]) throws -> Result {
        guard let bin = CommandLineTests.binary else { throw XCTSkip("the vcview binary is not built") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func tiny(_ out: String, _ extra: [String]) -> [String] {
        ["export", Paths.photo, "--weights", Paths.tinyWeights, "--size", "160", "--out", out] + extra
    }

    func testQuietExportWritesFilesAndNothingOnStderr() throws {
        let dir = try Paths.scratch("cli-quiet")
        let r = try run(tiny(dir, ["--views", "stages,cam:1", "--views", "attention:0,4", "--quiet", "--raw", "--colormap", "magma", "--scale", "global"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.contains("wrote 8 PNG files (24 files in all) for 8 views"), r.stdout)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        for n in ["chelsea__patch_embed__channels", "chelsea__network.6__channels", "chelsea__head__cam-class-1",
                  "chelsea__network.6.2.mamba__attention-r0-c4"] {
            for ext in ["png", "json", "npy"] { XCTAssertTrue(names.contains("\(n).\(ext)"), "\(n).\(ext)") }
        }
        let w = try Written((dir as NSString).appendingPathComponent("chelsea__network.4__channels.png"))
        XCTAssertEqual(w.sidecar["colormap"] as? String, "magma")
        XCTAssertEqual(w.scale["scope"] as? String, "global")
        XCTAssertNotNil(w.scale["clip"], "global on a photo is clipped by default (--clip auto)")
        XCTAssertEqual(w.sidecar["vcview"] as? String, "0.1.0")
        XCTAssertEqual(w.sidecar["model"] as? String, "custom (10 classes, 0.08M params)", "no path in the sidecar")
    }

    /// `--clip none` gives the full range; `--clip p99` clips at p1…p99 and says so.
    func testClipFlag() throws {
        let dir = try Paths.scratch("cli-clip")
        for (clip, expect) in [("none", nil), ("p99", 99.0)] as [(String, Double?)] {
            let r = try run(tiny(dir, ["--views", "channel:network.4:0", "--scale", "global", "--clip", clip, "--quiet"]))
            XCTAssertEqual(r.status, 0, r.stderr)
            let w = try Written((dir as NSString).appendingPathComponent("chelsea__network.4__channel-0.png"))
            XCTAssertEqual((w.scale["clip"] as? [String: Any])?["percentile"] as? Double, expect, clip)
        }
    }

    func testProgressOnStderrAndRepeatRunsIdentical() throws {
        var listings: [[String: Data]] = []
        for i in 0..<2 {
            let dir = try Paths.scratch("cli-repeat\(i)")
            let r = try run(tiny(dir, ["--views", "scans,hidden,channel:network.2:3"]))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("vcview export: forward pass"), r.stderr)
            XCTAssertTrue(r.stderr.contains("vcview export: 4/4 views"), r.stderr)
            var files: [String: Data] = [:]
            for n in try FileManager.default.contentsOfDirectory(atPath: dir) {
                files[n] = try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(n)))
            }
            XCTAssertEqual(files.keys.filter { $0.hasSuffix(".png") }.count, 1 + 2 * 3 + 1)
            listings.append(files)
        }
        XCTAssertEqual(listings[0], listings[1])
    }

    func testInputTensorAndErrors() throws {
        let dir = try Paths.scratch("cli-errors")
        var r = try run(["export", "--input-tensor", Paths.tinyInput, "--weights", Paths.tinyWeights, "--out", dir, "--views", "cam", "--topk", "1", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(written.filter { $0.hasPrefix("input__head__cam-class-") && $0.hasSuffix(".png") }.count, 1, "\(written)")
        for (args, message) in [(["--views", "bogus"], "unknown view bogus"),
                                (["--views", "channel:network.2:999"], "has channels 0…15, not 999"),
                                (["--colormap", "jet"], "--colormap must be"),
                                (["--scale", "page"], "--scale must be"),
                                (["--upscale", "0"], "--upscale must be"),
                                (["--clip", "p50"], "--clip must be auto, none, p99 or p99.5, got p50"),
                                (["--attention-self", "maybe"], "--attention-self must be excluded or included"),
                                (["--text-size", "2"], "--text-size must be between 6 and 96 pixels, got 2")] {
            r = try run(tiny(dir, args + ["--quiet"]))
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertTrue(r.stderr.hasPrefix("vcview: error: ") && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        r = try run(["export", "--help"])
        for name in ["scan-frames", "attention[:R,C][:LAYER]", "channel:SITE:C", "--upscale", "--raw", "--quiet", "--text-size", "--clip", "--attention-self"] {
            XCTAssertTrue(r.stdout.contains(name), name)
        }
    }

    /// The gradient views through the binary: files and sidecars, `all` with gradcam and erf,
    /// repeat runs identical, bad specs in one line with exit status 1.
    func testGradientViews() throws {
        var listings: [[String: Data]] = []
        for i in 0..<2 {
            let dir = try Paths.scratch("cli-gradient\(i)")
            let r = try run(tiny(dir, ["--views", "gradcam:network.4:3,erf,ig:3", "--steps", "2", "--quiet"]))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("wrote 3 PNG files (9 files in all) for 3 views"), r.stdout)
            var files: [String: Data] = [:]
            for n in try FileManager.default.contentsOfDirectory(atPath: dir) {
                files[n] = try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(n)))
            }
            for stem in ["chelsea__network.4__gradcam-class-3", "chelsea__network.6__erf", "chelsea__input__ig-class-3"] {
                for ext in ["png", "json", "npy"] { XCTAssertNotNil(files["\(stem).\(ext)"], "\(stem).\(ext)") }
            }
            let ig = try Written((dir as NSString).appendingPathComponent("chelsea__input__ig-class-3.png"))
            XCTAssertEqual(ig.sidecar["steps"] as? Int, 2)
            listings.append(files)
        }
        XCTAssertEqual(listings[0], listings[1])

        let all = try Paths.scratch("cli-gradient-all")
        let r = try run(tiny(all, ["--quiet"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: all)
        XCTAssertTrue(names.contains("chelsea__network.6__erf.png"), "all has erf")
        XCTAssertEqual(names.filter { $0.hasPrefix("chelsea__network.6__gradcam-class-") && $0.hasSuffix(".png") }.count, 1, "all has gradcam")

        for (args, message) in [(["--views", "gradcam:nowhere"], "--views: gradcam: no recorded site nowhere"),
                                (["--views", "gradcam:network.6:10"], "--views: gradcam class 10 is out of range: the model has classes 0…9"),
                                (["--views", "layercam:norm"], "--views: layercam needs a (1, C, H, W) map site; norm has shape (1, 25, 32)"),
                                (["--views", "rollout:1"], "--views: rollout takes no argument"),
                                (["--views", "ig", "--steps", "0"], "--steps must be between 1 and 1024, got 0")] {
            let e = try run(tiny(all, args + ["--quiet"]))
            XCTAssertEqual(e.status, 1, "\(args)")
            XCTAssertTrue(e.stderr.hasPrefix("vcview: error: ") && e.stderr.contains(message), "\(args): \(e.stderr)")
            XCTAssertEqual(e.stderr.split(separator: "\n").count, 1, e.stderr)
        }
        let help = try run(["export", "--help"])
        for name in ["erf[:SITE]", "gradcam[:SITE[:CLASS]]", "layercam[:SITE[:CLASS]]", "saliency[:CLASS]", "ig[:CLASS]", "rollout",
                     "mamba-attr[:CLASS]", "--steps", "cam, gradcam, erf"] {
            XCTAssertTrue(help.stdout.contains(name), name)
        }
    }
}
