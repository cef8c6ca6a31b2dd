import Foundation
import XCTest
import VCCheckpoint

/// `vcview erf` and `vcview attribute` on the tiny fixture model: files written, sidecars with the
/// formulas, ablations that change only what lies after the Mamba layers, errors in one line.
final class GradientCommandTests: XCTestCase {
    func tempDir() -> String {
        let d = NSTemporaryDirectory() + "vcview-grad-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testERFWritesEverySiteAndAblation() throws {
        let out = tempDir()
        // Two bundled scenes through the tiny model at 160 (the map's values are checked against
        // PyTorch in GradientParityTests; here the command's files and the ablations' effect).
        let r = try CLI.run(["erf", CLI.asset("scenes/star.png"), CLI.asset("scenes/ring.png"), "--weights", CLI.fixture("tiny/weights.safetensors"),
                             "--size", "160", "--site", "network.6,network.4", "--ablations", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        for stem in ["erf_network.6", "erf_network.6_raster", "erf_network.6_scan2-off", "erf_network.4"] {
            for ext in ["png", "npy", "json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(stem).\(ext)"), "\(stem).\(ext)")
            }
        }
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/erf_network.6.json"))) as! [String: Any]
        XCTAssertEqual(side["objective"] as? String, "L = sum_c relu(network.6[0, c, h // 2, w // 2])")
        XCTAssertEqual((side["images"] as? [Any])?.count, 2)
        let m = try Npy.read(path: "\(out)/erf_network.6.npy")
        XCTAssertEqual(m.shape, [160, 160])
        XCTAssertGreaterThan(m.values.max()!, 0)
        // Ablating a scan changes the stage-4 ERF; stage 3 lies before the Mamba layers and does not change.
        let off = try Npy.read(path: "\(out)/erf_network.6_scan2-off.npy")
        XCTAssertNotEqual(off.values, m.values)
        let s3 = try Npy.read(path: "\(out)/erf_network.4.npy"), s3off = try Npy.read(path: "\(out)/erf_network.4_scan2-off.npy")
        XCTAssertEqual(s3.values, s3off.values)
    }

    func testAttributionMethodsWriteMapsOfTheSiteSize() throws {
        let out = tempDir()
        for (method, site, shape) in [("gradcam", "network.6", [5, 5]), ("layercam", "network.4", [10, 10]), ("saliency", "network.6", [160, 160]), ("ig", "network.6", [160, 160]),
                                    ("rollout", "network.6", [5, 5]), ("mamba-attr", "network.6", [5, 5])] {
            let r = try CLI.run(["attribute", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", CLI.fixture("tiny/weights.safetensors"),
                                 "--method", method, "--site", site, "--class", "3", "--steps", "4", "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let used = method == "saliency" || method == "ig" ? "input" : site
            let m = try Npy.read(path: "\(out)/\(method)_\(used)_class3.npy")
            XCTAssertEqual(m.shape, shape, method)
            XCTAssertGreaterThan(m.values.map(abs).max()!, 0, method)
        }
    }

    func testBadArgumentsGiveOneLine() throws {
        let r = try CLI.run(["attribute", "--input-tensor", CLI.fixture("tiny/input.npy"), "--weights", CLI.fixture("tiny/weights.safetensors"), "--class", "10"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--class 10 is out of range: the model has 10 classes"), r.stderr)
        let e = try CLI.run(["erf", "--weights", CLI.fixture("tiny/weights.safetensors"), "--seeded-inputs", "1", "--size", "64", "--site", "nowhere", "--out", tempDir()])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.stderr.contains("no site named nowhere"), e.stderr)
        XCTAssertEqual(e.stderr.split(separator: "\n").count, 1, e.stderr)
    }
}
