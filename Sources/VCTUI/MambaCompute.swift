import Dispatch
import VCEngine

/// Runs the Mamba views' derived computations from one forward pass: implicit attention, the
/// parity residual, ablations (stage 4 and the head only, from the recorded `network.5`) and
/// class activation maps. No terminal, no state: the explorer calls `run` on a background queue
/// and posts the result as an event; tests call it directly.
public struct MambaLab: Sendable {
    public let model: VCMambaModel
    public let store: ActivationStore

    public init(model: VCMambaModel, store: ActivationStore) {
        self.model = model; self.store = store
    }

    /// Runs one job, timing it.
    public func run(_ job: MambaJob) -> MambaResult {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let output: Result<MambaOutput, MambaJobError>
        do { output = .success(try compute(job)) } catch let e as MambaJobError { output = .failure(e) } catch {
            output = .failure(MambaJobError("\(error)"))
        }
        return MambaResult(job: job, output: output, milliseconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }

    func compute(_ job: MambaJob) throws -> MambaOutput {
        switch job {
        case .attention(let layer, let row, let col, let channel):
            let trace = try self.trace(layer)
            guard row >= 0, row < trace.height, col >= 0, col < trace.width else { throw MambaJobError("token (\(row), \(col)) is off the \(trace.height)×\(trace.width) grid") }
            if let c = channel, c < 0 || c >= trace.inner { throw MambaJobError("channel \(c) is out of range (E = \(trace.inner))") }
            return .attention(trace.attentionMap(row: row, col: col, channel: channel))
        case .residual(let layer):
            let trace = try self.trace(layer)
            return .residual((0..<4).map { trace.rebuiltOutput(direction: $0).relativeError })
        case .ablation(let ablation):
            guard let x = store.mambaTensors["network.5"] else { throw MambaJobError("network.5 (the input of stage 4) was not recorded") }
            return .logits(model.stage4AndHead(x, ablation: ablation).data)
        case .cam(let classIndex):
            guard let norm = store.mambaTensors["norm"], let layer = store.mamba.first else { throw MambaJobError("norm was not recorded") }
            do {
                let (map, bias) = try model.classActivationMap(norm: norm, classIndex: classIndex, height: layer.height, width: layer.width)
                return .cam(map: map, bias: bias)
            } catch let e as ModelError { throw MambaJobError(e.description) }
        }
    }

    /// The trace of Mamba layer `index`, from the recorded tensors.
    func trace(_ index: Int) throws -> MambaTrace {
        guard index >= 0 && index < store.mamba.count else { throw MambaJobError("no Mamba layer \(index + 1)") }
        let name = store.mamba[index].name
        do { return try model.trace(layer: name, tensors: store.mambaTensors) } catch let e as ModelError { throw MambaJobError(e.description) }
    }
}
