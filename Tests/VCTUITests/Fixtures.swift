import VCEngine
import VCRecording
import VCRender
@testable import VCTUI

/// The seeded small model of the engine's tests, run once and shared by every test.
enum Fixtures {
    static let config = VCMambaConfig(depths: [1, 1, 2, 3], widths: [8, 16, 24, 32], nMamba: 2, numClasses: 10, resolution: 224)
    static let rail = Rail(config: config, inputHeight: 224, inputWidth: 224)

    static let model = try! VCMambaModel(parameters: SeededWeights.parameters(for: config, seed: 1))

    static let store: Recording = {
        let input = SeededWeights.input(seed: 1, height: 224, width: 224)
        let rec = RecordingObserver(SitePattern("*"))
        let logits = try! model.forward(input, observer: rec)
        return Recording(order: rec.order, tensors: rec.tensors, catalogue: rail.sites, logits: logits)
    }()

    static let picture: Picture = {
        var rgb = [UInt8](repeating: 0, count: 32 * 32 * 3)
        for y in 0..<32 { for x in 0..<32 { rgb[(y * 32 + x) * 3] = UInt8(x * 8); rgb[(y * 32 + x) * 3 + 2] = UInt8(y * 8) } }
        return Picture(width: 32, height: 32, rgb: rgb)
    }()

    static let info = ExplorerInfo(imageName: "test.png", modelDescription: "seeded small", inputHeight: 224, inputWidth: 224,
                                   picture: picture, labels: (0..<10).map { "label\($0)" }, colorDepthLabel: "truecolor", config: config)

    static let lab = MambaAnalysis(model: model, recording: store)

    /// A state before the forward pass ends.
    static func running(_ w: Int = 120, _ h: Int = 40) -> ExplorerState {
        ExplorerState(info: info, rail: rail, size: Size(width: w, height: h))
    }

    /// A state after the forward pass.
    static func done(_ w: Int = 120, _ h: Int = 40) -> ExplorerState {
        update(running(w, h), .forwardDone(store, milliseconds: 12))
    }
}

extension ExplorerState {
    /// Applies events in order.
    func after(_ events: Event...) -> ExplorerState { events.reduce(self, update) }
    func pressing(_ keys: Key...) -> ExplorerState { keys.reduce(self) { update($0, .key($1)) } }

    /// Runs the computations the screen asks for, as the explorer's loop does (synchronously).
    func computed() -> ExplorerState {
        var s = self
        let jobs = jobsToStart(s)
        s = update(s, .jobsStarted(jobs))
        for j in jobs { s = update(s, .computed(Fixtures.lab.run(j))) }
        return s
    }
}
