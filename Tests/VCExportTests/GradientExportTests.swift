import Foundation
import XCTest
import VCCheckpoint
import VCEngine
import VCImage
import VCRender
import VCStyle
@testable import VCExport

/// The gradient views of the tiny fixture model on the demo photo at 160×160 (stage-4 grid 5×5):
/// the .npy beside each PNG is VCEngine's `Attribution` map itself, the panels are the picture,
/// the map's colours and their 55 % blend over the picture, pixel for pixel; selectors and their
/// errors; repeat runs byte-identical; a NaN checkpoint exports without crashing.
final class GradientExportTests: XCTestCase {
    static let gradients: VCMambaGradients = {
        let params = try! ParameterSet(try! CheckpointLoader.load(path: Paths.tinyWeights).stateDict)
        return try! VCMambaGradients(model: TinyRun.model, parameters: params)
    }()

    func exporter() -> Exporter { Exporter(source: TinyRun.source, gradients: Self.gradients) }
    var input: Tensor { TinyRun.source.tensors["input"]! }
    var top: Int { TinyRun.exporter().topClasses(1)[0] }

    func testSelectorsResolveSiteAndClass() throws {
        let ex = exporter()
        XCTAssertEqual(try ex.views(["gradcam"]), [.gradient(method: .gradcam, site: "network.6", classIndex: top)])
        XCTAssertEqual(try ex.views(["gradcam:network.4:3", "gradcam::3", "layercam:network.2"]),
                       [.gradient(method: .gradcam, site: "network.4", classIndex: 3), .gradient(method: .gradcam, site: "network.6", classIndex: 3),
                        .gradient(method: .layercam, site: "network.2", classIndex: top)])
        XCTAssertEqual(try ex.views(["saliency:2", "ig", "rollout", "mamba-attr:9", "erf", "erf:network.4"]),
                       [.gradient(method: .saliency, site: "input", classIndex: 2), .gradient(method: .ig, site: "input", classIndex: top),
                        .gradient(method: .rollout, site: "network.6", classIndex: nil), .gradient(method: .mambaAttr, site: "network.6", classIndex: 9),
                        .gradient(method: .erf, site: "network.6", classIndex: nil), .gradient(method: .erf, site: "network.4", classIndex: nil)])
        XCTAssertEqual(ex.fileNames(.gradient(method: .gradcam, site: "network.6", classIndex: 3)), ["chelsea__network.6__gradcam-class-3.png"])
        XCTAssertEqual(ex.fileNames(.gradient(method: .erf, site: "network.4", classIndex: nil)), ["chelsea__network.4__erf.png"])
        // `all`: gradcam and erf at their defaults, with a reverse pass; without one, neither.
        let all = ex.allViews()
        XCTAssertTrue(all.contains(.gradient(method: .gradcam, site: "network.6", classIndex: top)))
        XCTAssertTrue(all.contains(.gradient(method: .erf, site: "network.6", classIndex: nil)))
        XCTAssertEqual(all.filter { if case .gradient = $0 { return true } else { return false } }.count, 2)
        XCTAssertEqual(TinyRun.exporter().allViews().count, all.count - 2)
        XCTAssertTrue(ViewSelector.needsGradients(["stages,gradcam:network.4"]) && ViewSelector.needsGradients(["all"]))
        XCTAssertFalse(ViewSelector.needsGradients(["stages", "cam:3", "attention:1,2"]))
        XCTAssertFalse(ViewSelector.needsGradients(["all"], countingAll: false))

        let errors = [("gradcam:nowhere", "gradcam: no recorded site nowhere"),
                      ("gradcam:norm", "gradcam needs a (1, C, H, W) map site; norm has shape (1, 25, 32)"),
                      ("erf:network.6.1.mamba.decay", "erf needs a (1, C, H, W) map site"),
                      ("erf:input", "erf needs a site after the input"),
                      ("gradcam:network.6:10", "gradcam class 10 is out of range: the model has classes 0…9"),
                      ("saliency:-1", "saliency class -1 is out of range"),
                      ("ig:x", "ig: CLASS must be a class index 0…9, got x"),
                      ("rollout:3", "rollout takes no argument"),
                      ("erf:network.6:2", "erf takes a SITE only, no class")]
        for (bad, message) in errors {
            XCTAssertThrowsError(try ex.views([bad]), bad) { e in
                XCTAssertTrue("\(e)".hasPrefix("--views: ") && "\(e)".contains(message), "\(bad): \(e)")
                XCTAssertFalse("\(e)".contains("\n"), "one line")
            }
        }
        XCTAssertThrowsError(try TinyRun.exporter().views(["gradcam"])) { XCTAssertTrue("\($0)".contains("needs the model's reverse pass"), "\($0)") }
    }

    /// Each view's .npy is `Attribution.compute`'s map, exactly; the sidecar says what it is.
    func testNpyIsTheAttributionMapAndSidecarSaysWhatItIs() throws {
        let dir = try Paths.scratch("gradient-npy")
        let ex = exporter()
        let options = ExportOptions(igSteps: 4)
        for (sel, shape) in [("gradcam", [5, 5]), ("layercam:network.4:3", [10, 10]), ("saliency:3", [160, 160]), ("ig:3", [160, 160]),
                             ("rollout", [5, 5]), ("mamba-attr:3", [5, 5]), ("erf:network.4", [160, 160])] {
            let view = try XCTUnwrap(try ex.views([sel]).first)
            guard case .gradient(let method, let site, let k) = view else { return XCTFail(sel) }
            let paths = try ex.export(view: view, to: dir, options: options)
            XCTAssertEqual(paths.map { ($0 as NSString).pathExtension }, ["png", "json", "npy"], sel)
            let npy = try Npy.read(path: paths[2])
            let expected = try Attribution.compute(method, gradients: Self.gradients, input: input, classIndex: k ?? 0, site: site, steps: 4)
            XCTAssertEqual(npy.shape, shape, sel)
            XCTAssertEqual(npy.values, expected.values, sel)
            XCTAssertGreaterThan(npy.values.map(abs).max()!, 0, sel)
            let w = try Written(paths[0])
            XCTAssertEqual(w.sidecar["view"] as? String, method.rawValue)
            XCTAssertEqual(w.sidecar["method"] as? String, method.rawValue)
            XCTAssertEqual(w.sidecar["site"] as? String, expected.site)
            XCTAssertEqual(w.sidecar["formula"] as? String, expected.formula)
            XCTAssertEqual(w.sidecar["raw"] as? String, (paths[2] as NSString).lastPathComponent)
            XCTAssertEqual(w.sidecar["model"] as? String, "tiny fixture")
            XCTAssertEqual(w.sidecar["shape"] as? [Int], shape)
            XCTAssertEqual(w.sidecar["steps"] as? Int, method == .ig ? 4 : nil, sel)
            if let k = k {
                XCTAssertEqual(w.sidecar["class"] as? Int, k)
                XCTAssertEqual(w.sidecar["label"] as? String, "class \(k)")
                XCTAssertEqual(number(w.sidecar["logit"]), TinyRun.source.recording.logits[k])
            } else {
                XCTAssertTrue(w.sidecar["class"] is NSNull && w.sidecar["label"] is NSNull, sel)
            }
            XCTAssertEqual(w.sidecar["colormap"] as? String, method == .ig ? "diverging" : "viridis", sel)
            XCTAssertEqual(w.sidecar["display"] as? String, method == .erf ? "(m / max m)^0.2" : "m")
        }
        XCTAssertTrue(ex.missingGlyphs.isEmpty, "characters without a glyph: \(ex.missingGlyphs)")
    }

    struct Panels { let x: [Int]; let y: Int; let width: Int }

    func panels(_ w: Written) throws -> Panels {
        let layout = try XCTUnwrap(w.sidecar["layout"] as? [String: Any])
        let p = try XCTUnwrap(layout["panels"] as? [[String: Any]])
        XCTAssertEqual(p.map { $0["name"] as? String }, ["input", "map", "overlay"])
        return Panels(x: p.map { $0["x"] as! Int }, y: try XCTUnwrap(layout["panels_y"] as? Int), width: p[0]["width"] as! Int)
    }

    /// Grad-CAM (5×5 grid) and saliency (160×160 pixels), every pixel of the three panels: the
    /// picture; the map's colour under the sidecar's scale; that colour blended 55 % over the
    /// picture. So the overlay departs from the picture most where the map is high, and where it
    /// is at its low end it is the picture under the bottom colour's blend.
    func testPanelsArePictureMapAndBlendPixelForPixel() throws {
        let dir = try Paths.scratch("gradient-overlay")
        let ex = exporter()
        let pic = try XCTUnwrap(TinyRun.source.inputPicture)
        XCTAssertEqual(pic.width, 160)
        for (sel, grid) in [("gradcam:network.6:3", 5), ("saliency:3", 160)] {
            let paths = try ex.export(view: try ex.views([sel])[0], to: dir, options: ExportOptions(colormap: .magma, clip: .none))
            let w = try Written(paths[0])
            let map = try Npy.read(path: paths[2]).values
            let p = try panels(w)
            XCTAssertEqual(p.width, 160, "drawn at the picture's size")
            let scale = HeatmapScale(lo: number(w.scale["lo"]), hi: number(w.scale["hi"]))
            XCTAssertEqual(scale.lo, map.min()!); XCTAssertEqual(scale.hi, map.max()!)
            let lut = Colormap.magma.lut
            let cell = 160 / grid
            var moved = [Float](repeating: 0, count: map.count)
            for y in 0..<160 { for x in 0..<160 {
                let i = (y * 160 + x) * 3, under = RGB8(pic.rgb[i], pic.rgb[i + 1], pic.rgb[i + 2])
                let m = (y / cell) * grid + x / cell
                let c = lut[Colormap.index(scale.normalised(map[m]))]
                XCTAssertEqual(w.pixel(p.x[0] + x, p.y + y), under)
                XCTAssertEqual(w.pixel(p.x[1] + x, p.y + y), c)
                let o = w.pixel(p.x[2] + x, p.y + y)
                XCTAssertEqual(o, Overlay.blend(c, over: under))
                moved[m] = max(moved[m], Float(abs(Int(o.r) - Int(under.r)) + abs(Int(o.g) - Int(under.g)) + abs(Int(o.b) - Int(under.b))))
            } }
            // magma's top is near-white, its bottom near-black: over this photo the overlay moves
            // bright where the map is high.
            let hi = map.indices.max { map[$0] < map[$1] }!
            XCTAssertGreaterThan(moved[hi], 0, sel)
            XCTAssertEqual(w.sidecar["upscale"] as? Int, 1)
        }
    }

    /// The ERF is drawn as (m / max m)^0.2 of the .npy; `--upscale` scales all three panels.
    func testERFIsShownAsPowerAndUpscaleScalesPanels() throws {
        let dir = try Paths.scratch("gradient-erf")
        let ex = exporter()
        let paths = try ex.export(view: try ex.views(["erf"])[0], to: dir, options: ExportOptions(colormap: .grey, upscale: 2, clip: .none))
        let w = try Written(paths[0])
        let m = try Npy.read(path: paths[2]).values
        let top = m.max()!
        let shown = m.map { powf($0 / top, 0.2) }
        XCTAssertEqual(Attribution.erfPowerDisplay(m), shown)
        XCTAssertEqual(number(w.scale["hi"]), 1)
        XCTAssertEqual(number(w.scale["lo"]), shown.min()!)
        let p = try panels(w)
        XCTAssertEqual(p.width, 320)
        XCTAssertEqual(w.sidecar["upscale"] as? Int, 2)
        let scale = HeatmapScale(lo: number(w.scale["lo"]), hi: 1)
        let argmax = m.indices.max { m[$0] < m[$1] }!
        for i in [argmax, 0, 80 * 160 + 80, 159 * 160 + 3] {
            let (y, x) = (i / 160, i % 160)
            let c = Colormap.grey.lut[Colormap.index(scale.normalised(shown[i]))]
            for (dx, dy) in [(0, 0), (1, 1)] { XCTAssertEqual(w.pixel(p.x[1] + 2 * x + dx, p.y + 2 * y + dy), c, "pixel \(i)") }
        }
        XCTAssertEqual(w.pixel(p.x[1] + 2 * (argmax % 160), p.y + 2 * (argmax / 160)), Colormap.grey.lut[255])
    }

    /// Every gradient view twice, serially and on 3 threads: byte-identical files.
    func testRepeatRunsAreByteIdentical() throws {
        var listings: [[String: Data]] = []
        for run in 0..<2 {
            let dir = try Paths.scratch("gradient-repeat\(run)")
            let ex = exporter()
            let views = try ex.views(["erf", "gradcam", "layercam:network.4", "saliency", "ig", "rollout", "mamba-attr"])
            _ = try ex.export(views: views, to: dir, options: ExportOptions(igSteps: 3), threads: run == 0 ? 1 : 3)
            var files: [String: Data] = [:]
            for n in try FileManager.default.contentsOfDirectory(atPath: dir) {
                files[n] = try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(n)))
            }
            XCTAssertEqual(files.count, 7 * 3)
            listings.append(files)
        }
        XCTAssertEqual(listings[0].keys.sorted(), listings[1].keys.sorted())
        for (name, data) in listings[0] { XCTAssertEqual(data, listings[1][name], "\(name) differs between runs") }
    }

    /// The demo model with NaN weights in network.4.1's MLP: every gradient view is written (NaN
    /// maps painted in the NaN mark, counted in the sidecar), scales stay finite, no crash.
    func testNaNWeightsExportEveryGradientView() throws {
        let loaded = try CheckpointLoader.load(path: NonFiniteExportTests.demo)
        var entries: [(String, TensorData)] = []
        for k in loaded.stateDict.keys {
            let t = try XCTUnwrap(loaded.stateDict[k])
            entries.append((k, k == "network.4.1.mlp.fc1.weight" ? try TensorData(shape: t.shape, values: [Float](repeating: .nan, count: t.count)) : t))
        }
        let gm = try VCMambaGradients(parameters: try ParameterSet(StateDict(entries)))
        let picture = try ImageDecoder.decode(path: NonFiniteExportTests.image)
        let (tensor, cropped) = EvalTransform.apply(picture, size: 224)
        let source = try ExportSource.run(model: gm.model, input: Tensor(shape: [1, 3, 224, 224], data: tensor), picture: Picture(cropped),
                                          provenance: Provenance(imageName: "star.png", model: "demo, nan", version: "test"))
        let ex = Exporter(source: source, gradients: gm)
        let dir = try Paths.scratch("gradient-nan")
        let views = try ex.views(["all", "layercam:network.4.1", "saliency", "ig:0", "rollout", "mamba-attr", "erf:network.2"])
        let files = try ex.export(views: views, to: dir, options: ExportOptions(igSteps: 2))
        for sel in ["network.6__gradcam-class-", "network.6__erf.png", "input__saliency-class-", "input__ig-class-0", "network.6__rollout.png",
                    "network.6__mamba-attr-class-", "network.2__erf.png"] {
            XCTAssertTrue(files.contains { $0.contains(sel) && $0.hasSuffix(".png") }, sel)
        }
        let gradcam = try Written(try XCTUnwrap(files.first { $0.contains("__gradcam-class-") && $0.hasSuffix(".png") }))
        let nf = try XCTUnwrap(gradcam.sidecar["non_finite"] as? [String: Any], "the NaN map is counted")
        XCTAssertEqual(nf["nan"] as? Int, 7 * 7)
        XCTAssertEqual(nf["first_site"] as? String, "network.4.1.mlp.fc1")
        let p = try panels(gradcam)
        XCTAssertEqual(gradcam.pixel(p.x[1] + 100, p.y + 100), Marked.nan.color)
        XCTAssertEqual(gradcam.pixel(p.x[2] + 100, p.y + 100), Marked.nan.color, "NaN is not blended away")
        // Stage 2 lies before the NaN weights: its ERF is finite and unmarked.
        let erf2 = try Written(try XCTUnwrap(files.first { $0.hasSuffix("network.2__erf.png") }))
        XCTAssertNil(erf2.sidecar["non_finite"])
        for png in files where png.hasSuffix(".png") {
            let w = try Written(png)
            for key in ["lo", "hi"] where w.scale[key] != nil { XCTAssertTrue(number(w.scale[key]).isFinite, "\(png): scale.\(key)") }
        }
    }
}
