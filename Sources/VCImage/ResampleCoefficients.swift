/// The weights of one resampling pass (one axis), computed exactly as Pillow's
/// `precompute_coeffs` + `normalize_coeffs_8bpc` (libImaging/Resample.c) compute them for the
/// bicubic filter, so that the integer passes reproduce Pillow's bytes.
///
/// Output index `i` reads `count[i]` consecutive inputs starting at `first[i]`, with the
/// fixed-point weights `weights[i * taps ..< i * taps + count[i]]` (22 fractional bits).
/// Only the outputs in `outputs` are computed: each output's weights depend on its index alone,
/// so a cropped resize computes a subset and stays identical to resize-then-crop.
struct ResampleCoefficients {
    /// Fractional bits of the weights: 32 - 8 - 2, leaving room for 8-bit values and for the
    /// negative lobes of the kernel pushing a sum above 1.
    static let precisionBits: Int32 = 22

    let outputs: Range<Int>
    /// Stride of `weights` per output: the most inputs any output may read.
    let taps: Int
    let first: [Int]
    let count: [Int]
    let weights: [Int32]

    /// Inputs read by any of the computed outputs.
    var inputSpan: Range<Int> {
        guard let low = first.first else { return 0 ..< 0 }
        return low ..< zip(first, count).map { $0 + $1 }.max()!
    }

    /// The Keys cubic convolution kernel with a = -0.5, written as Pillow writes it (the same
    /// operations in the same order give the same doubles).
    @inline(__always)
    static func bicubic(_ t: Double) -> Double {
        let a = -0.5
        let x = t < 0 ? -t : t
        if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0.0
    }

    static let bicubicSupport = 2.0

    /// Weights for resampling `inputSize` samples to `outputSize`, for the outputs in `outputs`.
    init(inputSize: Int, outputSize: Int, outputs: Range<Int>) {
        precondition(inputSize > 0 && outputSize > 0)
        precondition(outputs.lowerBound >= 0 && outputs.upperBound <= outputSize)
        // Pillow passes the box edges as floats; for whole images they are 0 and inputSize,
        // exact in a float up to 2^24, far beyond ImageLimits.
        let scale = Double(inputSize) / Double(outputSize)
        // When shrinking, the kernel is stretched by the shrink factor: that is the antialiasing.
        let filterScale = max(scale, 1.0)
        let support = Self.bicubicSupport * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        let inverseScale = 1.0 / filterScale
        let fixedOne = Double(1 << Self.precisionBits)

        var first = [Int](), count = [Int]()
        first.reserveCapacity(outputs.count)
        count.reserveCapacity(outputs.count)
        var weights = [Int32](repeating: 0, count: outputs.count * taps)
        var raw = [Double](repeating: 0, count: taps)
        for (slot, output) in outputs.enumerated() {
            let center = (Double(output) + 0.5) * scale
            // Int(Double) truncates toward zero, like C's (int) cast that Pillow uses to round.
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), inputSize)
            let n = high - low
            var total = 0.0
            for k in 0 ..< n {
                let w = Self.bicubic((Double(k + low) - center + 0.5) * inverseScale)
                raw[k] = w
                total += w
            }
            for k in 0 ..< n {
                let normalised = total != 0.0 ? raw[k] / total : raw[k]
                // Round half away from zero, then truncate: Pillow's normalize_coeffs_8bpc.
                let fixed = normalised < 0 ? -0.5 + normalised * fixedOne
                                           : 0.5 + normalised * fixedOne
                weights[slot * taps + k] = Int32(fixed)
            }
            first.append(low)
            count.append(n)
        }
        self.outputs = outputs
        self.taps = taps
        self.first = first
        self.count = count
        self.weights = weights
    }
}
