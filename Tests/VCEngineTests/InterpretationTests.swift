import Foundation
import XCTest
import VCCheckpoint
@testable import VCEngine

/// The Mamba interpretability quantities against the PyTorch reference (tools/reference/interpret.py,
/// fixtures in Tests/Fixtures/tiny/interpret), and the ablations against their definitions.
final class InterpretationTests: XCTestCase {
    var model: VCMambaModel!
    var input: Tensor!
    var rec: RecordingObserver!
    var notes: [String: Any]!

    override func setUpWithError() throws {
        let ckpt = try CheckpointLoader.load(path: Fixtures.path("tiny/weights.safetensors"))
        model = try VCMambaModel(parameters: try ParameterSet(ckpt.stateDict))
        let x = try Npy.read(path: Fixtures.path("tiny/input.npy"))
        input = Tensor(shape: x.shape, data: x.values)
        rec = RecordingObserver(SitePattern("*"))
        _ = try model.forward(input, observer: rec)
        notes = try Fixtures.json("tiny/interpret/notes.json")
    }

    func reference(_ name: String) throws -> Tensor {
        let a = try Npy.read(path: Fixtures.path("tiny/interpret/\(name).npy"))
        return Tensor(shape: a.shape, data: a.values)
    }

    func testScanOrdersEqualOfficialDefinitionOnEveryGridUpTo9x9() throws {
        let fx = try Fixtures.json("scan_orders.json")
        let grids = try XCTUnwrap(fx["grids"] as? [[String: Any]])
        XCTAssertEqual(grids.count, 81)
        for g in grids {
            let h = g["H"] as! Int, w = g["W"] as! Int
            let s = ScanOrders(height: h, width: w)
            XCTAssertEqual(s.orders, g["orders"] as? [[Int]], "\(h)x\(w) orders")
            XCTAssertEqual(s.inverse, g["inverse_orders"] as? [[Int]], "\(h)x\(w) inverse")
            XCTAssertEqual(s.directions, g["directions"] as? [[Int]], "\(h)x\(w) directions")
        }
    }

    func testHiddenStateNormsAndDecayMatchReference() throws {
        for layer in model.mambaLayers {
            for site in ["h_norm", "h_norm_map", "decay"] {
                let got = try XCTUnwrap(rec["\(layer).\(site)"], site)
                let ref = try reference("\(layer).\(site)")
                XCTAssertEqual(got.shape, ref.shape, "\(layer).\(site)")
                XCTAssertLessThan(got.relativeError(to: ref), 1e-4, "\(layer).\(site)")
            }
            // The per-state maps add up (in squares) to the total norm.
            let perN = try XCTUnwrap(rec["\(layer).h_norm_n"]), total = try XCTUnwrap(rec["\(layer).h_norm_map"])
            XCTAssertEqual(perN.shape, [4, 16, 5, 5])
            for d in 0..<4 { for p in 0..<25 {
                let s = (0..<16).reduce(Float(0)) { $0 + perN.data[(d * 16 + $1) * 25 + p] * perN.data[(d * 16 + $1) * 25 + p] }
                XCTAssertEqual(s.squareRoot(), total.data[d * 25 + p], accuracy: 1e-5 * max(1, total.data[d * 25 + p]))
            } }
        }
    }

    func testImplicitAttentionMatchesReferenceAndRebuildsY() throws {
        let token = try XCTUnwrap(notes["token"] as? [Int])
        for layer in model.mambaLayers {
            let trace = try model.trace(layer: layer, tensors: rec.tensors)
            let attn = trace.attentionMap(row: token[0], col: token[1])
            XCTAssertLessThan(attn.relativeError(to: try reference("\(layer).attn")), 1e-4, layer)
            // Tokens the scan has not read yet get zero attention.
            let p = token[0] * 5 + token[1]
            for d in 0..<4 {
                let t = trace.orders.inverse[d][p]
                for s in (t + 1)..<25 { XCTAssertEqual(attn.data[d * 25 + trace.orders.orders[d][s]], 0) }
            }
            for d in 0..<4 {
                let residual = trace.rebuiltOutput(direction: d).relativeError
                XCTAssertLessThan(residual, 1e-5, "\(layer) direction \(d + 1): y rebuilt from alpha")
            }
        }
    }

    func testClassActivationMapSumsToTheLogit() throws {
        let cls = try XCTUnwrap(notes["class"] as? Int)
        let (map, bias) = try model.classActivationMap(norm: try XCTUnwrap(rec["norm"]), classIndex: cls, height: 5, width: 5)
        XCTAssertLessThan(map.relativeError(to: try reference("cam")), 1e-4)
        let logits = try XCTUnwrap(rec["logits"])
        let mean = map.data.reduce(0, +) / Float(map.count)
        XCTAssertEqual(mean + bias, logits.data[cls], accuracy: 1e-5)
        XCTAssertEqual(Double(bias), try XCTUnwrap(notes["cam_bias"] as? Double), accuracy: 1e-6)
    }

    // MARK: ablations: each changes exactly what it should

    func stage4Input() throws -> Tensor { try XCTUnwrap(rec["network.5"]) }

    func testStage4RecomputeWithoutAblationEqualsFullForward() throws {
        let logits = model.stage4AndHead(try stage4Input())
        XCTAssertEqual(logits.data, rec["logits"]!.data)
    }

    func testDisablingADirectionZeroesExactlyItsOutput() throws {
        var ablation = MambaAblation()
        ablation.enabledDirections = [true, false, true, true]
        let r = RecordingObserver(SitePattern("network.6.*.mamba.y*,logits"))
        let logits = model.stage4AndHead(try stage4Input(), observer: r, ablation: ablation)
        let first = model.mambaLayers[0]
        XCTAssertTrue(r["\(first).y.2"]!.data.allSatisfy { $0 == 0 })
        // Upstream of the first Mamba layer nothing changed, so its other directions are untouched.
        for k in [1, 3, 4] { XCTAssertEqual(r["\(first).y.\(k)"]!.data, rec["\(first).y.\(k)"]!.data, "y.\(k)") }
        let y = r["\(first).y"]!
        for i in 0..<y.count {
            XCTAssertEqual(y.data[i], r["\(first).y.1"]!.data[i] + r["\(first).y.3"]!.data[i] + r["\(first).y.4"]!.data[i], accuracy: 1e-6)
        }
        XCTAssertNotEqual(logits.data, rec["logits"]!.data)
    }

    func testRasterScanAblationReadsTokensInRasterOrder() throws {
        var ablation = MambaAblation()
        ablation.rasterScan = true
        let r = RecordingObserver(SitePattern("network.6.*.mamba.*,network.5,logits"))
        let logits = model.stage4AndHead(try stage4Input(), observer: r, ablation: ablation)
        let first = model.mambaLayers[0]
        // Every direction now reads the same raster order: their outputs coincide.
        XCTAssertEqual(r["\(first).y.1"]!.data, r["\(first).y.3"]!.data)
        XCTAssertEqual(r["\(first).y.2"]!.data, r["\(first).y.4"]!.data)
        let trace = try model.trace(layer: first, tensors: r.tensors, rasterScan: true)
        XCTAssertEqual(trace.orders.orders[0], Array(0..<25))
        XCTAssertLessThan(trace.rebuiltOutput(direction: 0).relativeError, 1e-5)
        XCTAssertNotEqual(logits.data, rec["logits"]!.data)
    }

    func testZeroDirectionBsEqualsAModelWithZeroDirectionBs() throws {
        var ablation = MambaAblation()
        ablation.zeroDirectionBs = true
        let ablated = model.stage4AndHead(try stage4Input(), ablation: ablation)
        var params = try ParameterSet(try CheckpointLoader.load(path: Fixtures.path("tiny/weights.safetensors")).stateDict)
        for layer in model.mambaLayers {
            params.set("\(layer).direction_Bs", Tensor(zeros: [5, 16]))
        }
        let zeroed = try VCMambaModel(parameters: params).forward(input)
        XCTAssertLessThan(ablated.relativeError(to: zeroed), 1e-6)
        XCTAssertNotEqual(ablated.data, rec["logits"]!.data)
    }
}
