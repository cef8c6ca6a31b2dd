import Foundation
import XCTest
import VCCheckpoint
import VCEngine
import VCImage
import VCRecording
import VCRender
@testable import VCExport

/// Seeded VCMamba-S (SeededWeights, seed 0): the timing of a full export, on demand.
///
/// `VCEXPORT_SEEDED_S=FILE` writes the seeded weights to FILE (safetensors, f32), to drive
/// `vcview export --weights FILE` by hand; `VCEXPORT_TIME_S=1` times every view of the seeded model
/// on the demo photo in-process. Both are skipped otherwise: the debug build is not the one to time.
final class SeededModelTests: XCTestCase {
    func testWriteSeededSWeights() throws {
        guard let path = ProcessInfo.processInfo.environment["VCEXPORT_SEEDED_S"] else { throw XCTSkip("set VCEXPORT_SEEDED_S=FILE") }
        let params = SeededWeights.parameters(for: .S, seed: 0)
        try Safetensors.write(path: path, tensors: params.keys.map { ($0, params[$0]!.shape, params[$0]!.data) })
        let back = try VCMambaModel(parameters: try ParameterSet(CheckpointLoader.load(path: path).stateDict))
        XCTAssertEqual(back.config.variantName, "VCMamba-S")
    }

    func testTimeAllViewsSeededS() throws {
        guard ProcessInfo.processInfo.environment["VCEXPORT_TIME_S"] != nil else { throw XCTSkip("set VCEXPORT_TIME_S=1") }
        let model = try VCMambaModel(parameters: SeededWeights.parameters(for: .S, seed: 0))
        let (tensor, cropped) = EvalTransform.apply(try ImageDecoder.decode(path: Paths.photo), size: 224)
        let t0 = Date()
        let source = try ExportSource.run(model: model, input: Tensor(shape: [1, 3, 224, 224], data: tensor), picture: Picture(cropped),
                                          provenance: Provenance(imageName: "chelsea.png", model: "seeded VCMamba-S", version: "test"))
        let ex = Exporter(source: source)
        let views = ex.allViews()
        let paths = try ex.export(views: views, to: try Paths.scratch("seeded-s"))
        print(String(format: "seeded VCMamba-S, all %d views (%d PNGs): %.1f s", views.count, paths.filter { $0.hasSuffix(".png") }.count,
                     Date().timeIntervalSince(t0)))
    }
}
