import Dispatch
import Foundation
import VCEngine

/// The gradient maps of one input (Grad-CAM, LayerCAM, saliency, ERF, rollout, Mamba-Attr), for
/// the explorer's gradient view. The gradient model holds a second, plain copy of the weights
/// (`VCMambaGradients`), so it is built only when the first map is asked for, by the closure the
/// session gives (the command line re-reads the checkpoint); a failure to build it is kept and
/// becomes every job's message.
public final class AttributionAnalysis: @unchecked Sendable {
    public let input: Tensor
    private let makeGradients: @Sendable () throws -> VCMambaGradients
    private let lock = NSLock()
    private var built: Result<VCMambaGradients, MambaJobError>? = nil

    /// `input`: the (1, 3, H, W) tensor the recorded forward pass ran on.
    public init(input: Tensor, gradients: @escaping @Sendable () throws -> VCMambaGradients) {
        self.input = input
        makeGradients = gradients
    }

    /// Whether the gradient model exists yet.
    public var isBuilt: Bool { lock.lock(); defer { lock.unlock() }; return built != nil }

    /// Runs one job, timing it (and the gradient model's construction, when this job needed it).
    public func run(_ job: AttributionJob) -> AttributionResult {
        lock.lock(); defer { lock.unlock() }
        var modelMilliseconds: Double? = nil
        if built == nil {
            let t0 = DispatchTime.now().uptimeNanoseconds
            do { built = .success(try makeGradients()) } catch {
                built = .failure(MambaJobError("no gradient model: \(error)"))
            }
            modelMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let output: Result<AttributionMap, MambaJobError>
        switch built! {
        case .failure(let e): output = .failure(e)
        case .success(let gm):
            do {
                guard !job.method.needsClass || job.classIndex != nil else { throw MambaJobError("\(job.method.rawValue) needs a class") }
                output = .success(try Attribution.compute(job.method, gradients: gm, input: input, classIndex: job.classIndex ?? 0, site: job.site))
            } catch {
                output = .failure(MambaJobError("\(error)"))
            }
        }
        return AttributionResult(job: job, output: output, milliseconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6,
                                 modelMilliseconds: modelMilliseconds)
    }
}
