import Foundation
import XCTest

/// Checkpoints as a diverged training run leaves them (NaN weights, an infinite head, huge
/// values) and degenerate but loadable shapes, through `vcview predict`: never a signal, never
/// `nan%`; non-finite logits are reported with the site where the first one appeared, and
/// shapes that cannot run are refused at load with the key and its shape.
final class NonFiniteWeightsTests: XCTestCase {
    let image = CLI.asset("scenes/star.png")

    func predict(_ weights: String, json: Bool = false) throws -> MeasuredRun {
        try MeasuredRun.run(["predict", image, "--weights", weights] + (json ? ["--json"] : []))
    }

    func testNaNWeightsSayWhereTheyFirstAppear() throws {
        let path = try DemoVariants.write("nan", DemoVariants.fill("network.4.1.mlp.fc1.weight", .nan))
        let text = try predict(path)
        XCTAssertNil(text.signal); XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertFalse(text.stdout.contains("nan%"), text.stdout)
        XCTAssertTrue(text.stdout.contains("no prediction: the logits hold 10 non-finite values of 10 (10 NaN)"), text.stdout)
        // fc1 of block network.4.1 is the first site computed from the NaN weight.
        XCTAssertTrue(text.stdout.contains("first NaN at network.4.1.mlp.fc1"), text.stdout)

        let j = try predict(path, json: true)
        XCTAssertEqual(j.status, 0, j.stderr)
        let obj = try CLI.json(j.stdout)
        let nf = try XCTUnwrap(obj["non_finite"] as? [String: Any])
        XCTAssertEqual(nf["first_site"] as? String, "network.4.1.mlp.fc1")
        XCTAssertEqual(nf["first_kind"] as? String, "NaN")
        XCTAssertEqual(nf["nan"] as? Int, 10)
        XCTAssertEqual((obj["top"] as? [Any])?.count, 0)
        let logits = try XCTUnwrap(obj["logits"] as? [Any])
        XCTAssertEqual(logits.count, 10)
        XCTAssertTrue(logits.allSatisfy { $0 is NSNull }, "non-finite logits are null in JSON: \(logits)")
    }

    /// `vcview export` of the gradient views (and `all`, which has gradcam and erf) from the NaN
    /// checkpoint: written, not crashed on; the NaN map counted in the sidecar.
    func testNaNWeightsExportGradientViews() throws {
        let path = try DemoVariants.write("nan", DemoVariants.fill("network.4.1.mlp.fc1.weight", .nan))
        let dir = DemoVariants.directory + "/gradient-out"
        let r = try MeasuredRun.run(["export", image, "--weights", path, "--out", dir, "--quiet",
                                     "--views", "all,layercam,saliency,ig,rollout,mamba-attr", "--steps", "2"])
        XCTAssertNil(r.signal); XCTAssertEqual(r.status, 0, r.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        for part in ["__gradcam-class-", "__erf.png", "__layercam-class-", "__saliency-class-", "__ig-class-", "__rollout.png", "__mamba-attr-class-"] {
            XCTAssertTrue(names.contains { $0.contains(part) && $0.hasSuffix(".png") }, part)
        }
        let side = try XCTUnwrap(names.first { $0.contains("__gradcam-class-") && $0.hasSuffix(".json") })
        let obj = try CLI.json(String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/" + side)), as: UTF8.self))
        XCTAssertEqual((obj["non_finite"] as? [String: Any])?["nan"] as? Int, 49)
    }

    func testInfiniteHeadAndHugeValuesAreReported() throws {
        let inf = try predict(try DemoVariants.write("inf_head", DemoVariants.fill("head.weight", .infinity)))
        XCTAssertEqual(inf.status, 0, inf.stderr)
        XCTAssertFalse(inf.stdout.contains("nan%"), inf.stdout)
        // +inf weights times signed features: the head's sums are inf − inf = NaN.
        XCTAssertTrue(inf.stdout.contains("no prediction") && inf.stdout.contains("first NaN at head"), inf.stdout)

        let huge = try predict(try DemoVariants.write("huge", DemoVariants.fill("network.4.1.mlp.fc1.weight", 1e30)))
        XCTAssertNil(huge.signal); XCTAssertEqual(huge.status, 0, huge.stderr)
        XCTAssertFalse(huge.stdout.contains("nan%"), huge.stdout)
        XCTAssertTrue(huge.stdout.contains("no prediction") || huge.stdout.contains("%"), huge.stdout)
    }

    func testZeroWeightsPredictUniformly() throws {
        let path = try DemoVariants.write("zero") { t in for k in t.keys { t[k] = (t[k]!.shape, [Float](repeating: 0, count: t[k]!.values.count)) } }
        let r = try predict(path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("10.00%  (class 0, logit 0.0000)"), r.stdout)
    }

    func testDegenerateShapesAreRefusedAtLoadWithTheKey() throws {
        let classes0 = try DemoVariants.write("classes0", dropClassNames: true) { t in
            for h in ["head", "dist_head"] { DemoVariants.rows(&t, h + ".weight", 0); DemoVariants.rows(&t, h + ".bias", 0) }
        }
        let n0 = try DemoVariants.write("n0") { t in
            for l in ["network.6.1.mamba", "network.6.2.mamba"] {
                DemoVariants.columns(&t, l + ".A_log", 0); DemoVariants.columns(&t, l + ".direction_Bs", 0)
                DemoVariants.rows(&t, l + ".x_proj.weight", 6)   // dt rank only, no B and C rows
            }
        }
        let grid0 = try DemoVariants.write("posgrid0") { t in t["pos_embed"] = ([1, 96, 0, 7], []) }
        let depth0 = try DemoVariants.write("depth0") { t in for k in t.keys where k.hasPrefix("network.2.") { t[k] = nil } }
        let cases = [(classes0, "key head.weight has shape (0, 96): a classifier with 0 classes"),
                     (n0, "key network.6.1.mamba.A_log has shape (192, 0): an SSM with state size N = 0"),
                     (grid0, "key pos_embed has shape (1, 96, 0, 7): an empty position-embedding grid"),
                     (depth0, "stage 2 (network.2) has no blocks")]
        for (path, fragment) in cases {
            for command in [["predict", image], ["export", image, "--out", DemoVariants.directory + "/out", "--quiet"], [image]] {
                let r = try MeasuredRun.run(command + ["--weights", path])
                r.assertRefused(fragment)
                XCTAssertLessThan(r.wallSeconds, 10)
            }
        }
    }

    func testOneClassWorks() throws {
        let path = try DemoVariants.write("classes1", dropClassNames: true) { t in
            for h in ["head", "dist_head"] { DemoVariants.rows(&t, h + ".weight", 1); DemoVariants.rows(&t, h + ".bias", 1) }
        }
        let r = try predict(path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(" 1. class 0") && r.stdout.contains("100.00%"), r.stdout)
    }
}
