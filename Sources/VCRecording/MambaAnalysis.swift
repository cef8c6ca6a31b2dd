import Dispatch
import Foundation
import VCEngine

/// The Mamba layers' derived quantities of one recorded run: implicit attention, the parity
/// residual, ablations (stage 4 and the head only, from the recorded `network.5`) and class
/// activation maps. The explorer runs its jobs on a background queue and posts the results as
/// events; the export calls the same functions; tests call them directly.
///
/// A layer's trace (its scan inputs, gathered once from the recording) is kept, behind a lock,
/// so one analysis may be shared between threads and between the screen and an export.
public final class MambaAnalysis: @unchecked Sendable {
    public let model: VCMambaModel
    public let recording: Recording
    private let lock = NSLock()
    private var traces: [String: MambaTrace] = [:]

    public init(model: VCMambaModel, recording: Recording) {
        self.model = model; self.recording = recording
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
            return .attention(try attention(layer: try layerName(layer), row: row, col: col, channel: channel))
        case .residual(let layer):
            let trace = try self.trace(layer: try layerName(layer))
            return .residual((0..<4).map { trace.rebuiltOutput(direction: $0).relativeError })
        case .ablation(let ablation):
            guard let x = recording.tensors["network.5"] else { throw MambaJobError("network.5 (the input of stage 4) was not recorded") }
            return .logits(model.stage4AndHead(x, ablation: ablation).data)
        case .cam(let classIndex):
            let (map, bias) = try classActivationMap(classIndex: classIndex)
            return .cam(map: map, bias: bias)
        }
    }

    /// `network.6.K.mamba` of layer `index` (into the recording's Mamba layers).
    func layerName(_ index: Int) throws -> String {
        guard index >= 0 && index < recording.mamba.count else { throw MambaJobError("no Mamba layer \(index + 1)") }
        return recording.mamba[index].name
    }

    /// The trace of Mamba layer `layer` (`network.6.K.mamba`), from the recorded tensors; built
    /// once.
    public func trace(layer: String) throws -> MambaTrace {
        if let t = locked({ traces[layer] }) { return t }
        for s in VCMambaModel.traceSites(layer) where recording.tensors[s] == nil {
            throw MambaJobError("site \(s) was not recorded")
        }
        let t: MambaTrace
        do { t = try model.trace(layer: layer, tensors: recording.tensors, orders: recording.scanOrders) } catch let e as ModelError { throw MambaJobError(e.description) }
        locked { traces[layer] = t }
        return t
    }

    /// (4, h, w): α of the token at (row, col) over the tokens each scan has read, per scan; the
    /// mean over the E channels, or one channel. Zero for tokens a scan has not read yet.
    public func attention(layer: String, row: Int, col: Int, channel: Int?) throws -> Tensor {
        let trace = try self.trace(layer: layer)
        guard row >= 0, row < trace.height, col >= 0, col < trace.width else { throw MambaJobError("token (\(row), \(col)) is off the \(trace.height)×\(trace.width) grid") }
        if let c = channel, c < 0 || c >= trace.inner { throw MambaJobError("channel \(c) is out of range (E = \(trace.inner))") }
        return trace.attentionMap(row: row, col: col, channel: channel)
    }

    /// The exact class activation map of class `classIndex` on the grid, and the bias that makes
    /// its mean the logit.
    public func classActivationMap(classIndex: Int) throws -> (map: Tensor, bias: Float) {
        guard let norm = recording.tensors["norm"] else { throw MambaJobError("norm was not recorded") }
        let g = recording.grid
        do { return try model.classActivationMap(norm: norm, classIndex: classIndex, height: g.height, width: g.width) }
        catch let e as ModelError { throw MambaJobError(e.description) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}
