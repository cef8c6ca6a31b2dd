import Foundation

/// Softmax of logits in double precision: exp(x_i − max x) / Σ_j exp(x_j − max x), the max taken
/// out first so nothing overflows. Empty logits give no probabilities.
public func softmax(_ logits: [Float]) -> [Double] {
    guard let top = logits.max() else { return [] }
    let m = Double(top)
    let e = logits.map { exp(Double($0) - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

/// The `k` largest values with their indices, largest first; ties go to the lower index, so the
/// order is the same on every run and in every view.
public func topK(_ values: [Float], _ k: Int) -> [(index: Int, probability: Float)] {
    let idx = values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
    return idx.prefix(max(0, k)).map { ($0, values[$0]) }
}
