import Foundation
import XCTest
import VCCheckpoint
@testable import VCEngine

/// Opt-in: the reverse pass on seeded S / M / B at 224 against PyTorch, from folders written by
///
///     /work/venv/bin/python tools/reference/make_gradient_fixtures.py --variant S --out DIR/S
///
/// with VCVIEW_GRADIENT_VARIANTS=DIR (each of DIR/S, DIR/M, DIR/B that exists is checked): the ERF
/// objective's and logit 1's input gradients against autograd, logit 1's also against central
/// differences at 48 inputs. 1e-4 relative.
final class GradientVariantTests: XCTestCase {
    func testSeededVariantsAgainstPyTorch() throws {
        guard let dir = ProcessInfo.processInfo.environment["VCVIEW_GRADIENT_VARIANTS"] else {
            throw XCTSkip("set VCVIEW_GRADIENT_VARIANTS to folders written by make_gradient_fixtures.py --variant")
        }
        var checked = 0
        for v in ["S", "M", "B"] {
            let d = (dir as NSString).appendingPathComponent(v)
            guard FileManager.default.fileExists(atPath: d + "/weights.safetensors") else { continue }
            let ckpt = try CheckpointLoader.load(path: d + "/weights.safetensors")
            let g = try VCMambaGradients(parameters: try ParameterSet(ckpt.stateDict))
            let xa = try Npy.read(path: d + "/input.npy")
            let x = Tensor(shape: xa.shape, data: xa.values)
            let erfRef = try Npy.read(path: d + "/erf/input.npy")
            let erf = try g.gradient(of: .centreReLU(at: "network.6"), input: x)
            let e1 = erf.input.relativeError(to: Tensor(shape: erfRef.shape, data: erfRef.values))
            let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/logit/case.json"))) as! [String: Any]
            let cd = meta["central_differences"] as! [String: Any]
            let idx = ints(cd["indices"]), fd = floats(cd["values"])
            let logit = try g.gradient(of: .logit(1), input: x)
            let e2 = Tensor(shape: [idx.count], data: idx.map { logit.input.data[$0] }).relativeError(to: Tensor(shape: [fd.count], data: fd))
            let logitRef = try Npy.read(path: d + "/logit/input.npy")
            let e3 = logit.input.relativeError(to: Tensor(shape: logitRef.shape, data: logitRef.values))
            print("gradient parity \(v) at 224: ERF input gradient \(e1), logit 1 input gradient \(e3), "
                  + "logit 1 vs central differences \(e2)")
            XCTAssertLessThan(e1, 1e-4, v)
            XCTAssertLessThan(e2, 1e-4, v)
            XCTAssertLessThan(e3, 1e-4, v)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no S, M or B folder under \(dir)")
    }
}
