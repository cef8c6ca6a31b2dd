import Foundation
import XCTest
import VCCheckpoint
import VCEngine
import VCImage
import VCRender
@testable import VCExport

/// Every view exported from a diverged checkpoint (the bundled demo model with NaN, +inf or
/// 1e30 weights, made in memory): no crash; NaN pixels in their marked colour; colour scales and
/// bar labels over the finite values only; sidecars that count the non-finite values and name
/// the first site of the forward pass that held any.
final class NonFiniteExportTests: XCTestCase {
    static let demo = Paths.repo("assets/vcmamba-demo.safetensors")
    static let image = Paths.repo("assets/scenes/star.png")

    /// The demo model with every value of `key` set to `value`.
    static func model(_ key: String, _ value: Float) throws -> VCMambaModel {
        let loaded = try CheckpointLoader.load(path: demo)
        var entries: [(String, TensorData)] = []
        for k in loaded.stateDict.keys {
            let t = try XCTUnwrap(loaded.stateDict[k])
            entries.append((k, k == key ? try TensorData(shape: t.shape, values: [Float](repeating: value, count: t.count)) : t))
        }
        return try VCMambaModel(parameters: try ParameterSet(StateDict(entries)))
    }

    static func exportAll(_ model: VCMambaModel, _ name: String) throws -> (dir: String, files: [String]) {
        let picture = try ImageDecoder.decode(path: image)
        let (tensor, cropped) = EvalTransform.apply(picture, size: 224)
        let source = try ExportSource.run(model: model, input: Tensor(shape: [1, 3, 224, 224], data: tensor), picture: Picture(cropped),
                                          provenance: Provenance(imageName: "star.png", model: "demo, \(name)", version: "test"))
        let exporter = Exporter(source: source)
        let dir = try Paths.scratch("nonfinite-\(name)")
        // Every view (`all`), and the sheet of the site where the NaN weight is first used.
        let files = try exporter.export(views: exporter.allViews() + [.channels(site: "network.4.1.mlp.fc1")], to: dir)
        return (dir, files)
    }

    func count(_ w: Written, _ color: RGB8) -> Int {
        var n = 0
        for y in 0..<w.image.height { for x in 0..<w.image.width where w.pixel(x, y) == color { n += 1 } }
        return n
    }

    /// Scales in sidecars are finite numbers (JSON has no NaN: a non-finite one would be null).
    func assertFiniteScales(_ files: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for png in files where png.hasSuffix(".png") {
            let w = try Written(png)
            for key in ["lo", "hi"] where w.scale[key] != nil {
                XCTAssertTrue(number(w.scale[key]).isFinite, "\(png): scale.\(key) = \(String(describing: w.scale[key]))", file: file, line: line)
            }
            for t in w.tiles where t["lo"] != nil {
                XCTAssertTrue(number(t["lo"]).isFinite && number(t["hi"]).isFinite, "\(png): tile range \(t)", file: file, line: line)
            }
        }
    }

    func testNaNWeightsExportEveryViewWithMarkedPixels() throws {
        let (dir, files) = try Self.exportAll(try Self.model("network.4.1.mlp.fc1.weight", .nan), "nan")
        XCTAssertGreaterThan(files.filter { $0.hasSuffix(".png") }.count, 20)
        try assertFiniteScales(files)
        // The first site computed from the NaN weight: all its pixels magenta, counted in the sidecar.
        let sheet = try Written(dir + "/star__network.4.1.mlp.fc1__channels.png")
        let nf = try XCTUnwrap(sheet.sidecar["non_finite"] as? [String: Any], "sidecar counts the NaN")
        XCTAssertEqual(nf["nan"] as? Int, 256 * 14 * 14)
        XCTAssertEqual(nf["first_site"] as? String, "network.4.1.mlp.fc1")
        XCTAssertEqual(nf["first_kind"] as? String, "NaN")
        let body = try sheet.rect("body")
        let magenta = count(sheet, Marked.nan.color)
        XCTAssertGreaterThan(magenta, body.width * body.height / 2, "NaN tiles painted magenta")
        // The site before it is finite: no marked pixels, no non_finite member.
        let before = try Written(dir + "/star__network.4.0__channels.png")
        XCTAssertNil(before.sidecar["non_finite"])
        XCTAssertEqual(count(before, Marked.nan.color), 0)
        // Views downstream (hidden-state curves, CAM) were written, not crashed on.
        XCTAssertTrue(files.contains { $0.hasSuffix("__hidden-curves.png") })
        XCTAssertTrue(files.contains { $0.contains("__cam-class-") })
    }

    func testInfiniteAndHugeWeightsExportEveryView() throws {
        for (name, key, value) in [("inf", "head.weight", Float.infinity), ("huge", "network.4.1.mlp.fc1.weight", 1e30)] {
            let (_, files) = try Self.exportAll(try Self.model(key, value), name)
            XCTAssertGreaterThan(files.filter { $0.hasSuffix(".png") }.count, 20, name)
            try assertFiniteScales(files)
        }
    }

    /// No colormap contains a mark's colour, so a marked pixel never reads as a value.
    func testMarkedColoursAreInNoColormap() {
        for cmap in Colormap.allCases {
            for m in Marked.allCases {
                let nearest = cmap.lut.map { abs(Int($0.r) - Int(m.color.r)) + abs(Int($0.g) - Int(m.color.g)) + abs(Int($0.b) - Int(m.color.b)) }.min()!
                XCTAssertGreaterThan(nearest, 60, "\(m) vs \(cmap)")
            }
        }
    }

    /// Scales ignore non-finite values and survive huge ones; resampling keeps NaN visible.
    func testScaleAndResamplingPrimitives() {
        let s = ChannelStats([1, 2, .nan, .infinity, -.infinity, 3])
        XCTAssertEqual(s.count, 3); XCTAssertEqual(s.marked, NonFiniteCount(nan: 1, posInf: 1, negInf: 1))
        XCTAssertEqual(HeatmapScale(s, symmetric: false), HeatmapScale(lo: 1, hi: 3))
        let flat = HeatmapScale(ChannelStats([1e30, 1e30]), symmetric: false)
        XCTAssertTrue(flat.hi > flat.lo && flat.normalised(1e30) == 0.5, "\(flat)")
        let wide = HeatmapScale(lo: -3e38, hi: 3e38)
        XCTAssertEqual(wide.normalised(0), 0.5); XCTAssertEqual(wide.normalised(3e38), 1)
        let hm = Heatmap(width: 4, height: 1, values: [1, .nan, 2, Heatmap.noValue])
        let half = hm.resampled(width: 2, height: 1)
        XCTAssertTrue(half.values[0].isNaN && !Heatmap.isNoValue(half.values[0]), "a NaN in the footprint shows")
        XCTAssertEqual(half.values[1], 2, "padding does not")
        XCTAssertEqual(hm.rgb(scale: HeatmapScale(lo: 0, hi: 2), colormap: .grey, nanColor: .white)[1], Marked.nan.color)
        XCTAssertEqual(hm.rgb(scale: HeatmapScale(lo: 0, hi: 2), colormap: .grey, nanColor: .white)[3], .white)
    }
}
