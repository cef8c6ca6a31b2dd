import Dispatch
import Foundation
import XCTest
import VCEngine
import VCRecording
@testable import VCTUI

/// What each Mamba computation costs: attention of one token, the parity residual, an ablation
/// (stage 4 and the head), the CAM, and drawing each view. Prints a table, and checks what each
/// computation produced (shapes, the parity residual, the CAM's exactness, that an ablation
/// changes the logits, that each view draws); runs on the seeded small model always, and on a
/// seeded published variant when VCTUI_COST_VARIANT=S|M|B is set.
final class MambaCostTests: XCTestCase {
    func testCostsOnTheSmallModel() throws { try measureCosts(config: Fixtures.config, name: "seeded small (depths 1-1-2-3, widths 8-32)") }

    func testCostsOnAPublishedVariant() throws {
        guard let v = ProcessInfo.processInfo.environment["VCTUI_COST_VARIANT"], var c = VCMambaConfig.preset(v) else {
            throw XCTSkip("set VCTUI_COST_VARIANT=S|M|B to time a published variant")
        }
        c.numClasses = 1000
        let size = Int(ProcessInfo.processInfo.environment["VCTUI_COST_SIZE"] ?? "224") ?? 224
        try measureCosts(config: c, name: "seeded VCMamba-\(v.uppercased())", size: size)
    }

    func ms(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    }

    func measureCosts(config: VCMambaConfig, name: String, size: Int = 224) throws {
        let model = try VCMambaModel(parameters: SeededWeights.parameters(for: config, seed: 1))
        let input = SeededWeights.input(seed: 1, height: size, width: size)
        let rail = Rail(config: model.config, inputHeight: size, inputWidth: size)
        let rec = RecordingObserver(SitePattern("*"))
        var logits: Tensor!
        let forward = ms { logits = try! model.forward(input, observer: rec) }
        var store: Recording!
        let storeMs = ms { store = Recording(order: rec.order, tensors: rec.tensors, catalogue: rail.sites, logits: logits) }
        let lab = MambaAnalysis(model: model, recording: store)
        let l = try XCTUnwrap(store.mamba.first)
        var rows: [(String, Double)] = [("forward pass (all sites recorded)", forward), ("activation store", storeMs)]
        @discardableResult
        func job(_ label: String, _ j: MambaJob) -> MambaOutput? {
            let r = lab.run(j)
            rows.append((label, r.milliseconds))
            switch r.output {
            case .success(let o): return o
            case .failure(let e): XCTFail("\(label): \(e)"); return nil
            }
        }
        func logitsOf(_ o: MambaOutput?) -> [Float] { if case .logits(let v)? = o { return v }; XCTFail("logits"); return [] }
        for (label, row, col, ch) in [("attention map, token at the centre (mean over E)", l.height / 2, l.width / 2, nil as Int?),
                                      ("attention map, last token (mean over E)", l.height - 1, l.width - 1, nil),
                                      ("attention map, one channel", l.height / 2, l.width / 2, 0 as Int?)] {
            guard case .attention(let a)? = job(label, .attention(layer: 0, row: row, col: col, channel: ch)) else { XCTFail(label); continue }
            XCTAssertEqual(a.shape, [4, l.height, l.width], label)
            XCTAssertGreaterThan(a.maxAbs, 0, label)
        }
        if case .residual(let errs)? = job("parity residual: y rebuilt from α, 4 scans", .residual(layer: 0)) {
            XCTAssertEqual(errs.count, 4)
            XCTAssertLessThan(errs.max() ?? 1, 1e-4, "α rebuilds y at float rounding")
        } else { XCTFail("residual") }
        let original = store.logits
        for (label, a) in [("ablation: scan 1 off (stage 4 + head)", MambaAblation(enabledDirections: [false, true, true, true])),
                           ("ablation: raster scan (stage 4 + head)", MambaAblation(rasterScan: true)),
                           ("ablation: direction_Bs = 0 (stage 4 + head)", MambaAblation(zeroDirectionBs: true))] {
            let ablated = logitsOf(job(label, .ablation(a)))
            XCTAssertEqual(ablated.count, original.count, label)
            XCTAssertNotEqual(ablated, original, "\(label) changes the logits")
        }
        let top = store.top(1)[0].index
        if case .cam(let map, let bias)? = job("CAM, top class", .cam(classIndex: top)) {
            let mean = map.data.reduce(0, +) / Float(map.count)
            XCTAssertEqual(mean + bias, original[top], accuracy: 1e-4 * max(1, abs(original[top])), "mean + bias is the logit")
        } else { XCTFail("cam") }
        // Drawing each view (pure `view`, 120×40), results in the cache.
        let info = ExplorerInfo(imageName: "seeded", modelDescription: name, inputHeight: size, inputWidth: size,
                                picture: Recording.picture(ofNormalisedInput: input), config: model.config)
        var s = update(ExplorerState(info: info, rail: rail, size: Size(width: 120, height: 40)), .forwardDone(store, milliseconds: forward))
        s = s.pressing(.char("m"))
        for p in MambaPanel.allCases {
            var done = s
            for j in jobsToStart(done) { done = update(done, .computed(lab.run(j))) }
            XCTAssertTrue(view(done).text.contains(" \(p.title) "), "the \(p.title) view draws its tab")
            rows.append(("draw the \(p.title) view (debug build of VCTUI)", ms { _ = view(done) }))
            s = s.pressing(.char("v"))
        }
        print("\nMamba computations on \(name) at \(size)×\(size): grid \(l.height)×\(l.width), E \(l.inner), N \(l.state)")
        for (label, t) in rows { print("  " + label.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: " %9.2f ms", t)) }
    }
}
