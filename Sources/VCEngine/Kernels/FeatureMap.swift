import CKernels
/// A channels-last (NHWC, batch 1) activation: `data[(i * width + j) * channels + c]`.
///
/// Channels-last makes 1×1 convolutions a single GEMM, lets depthwise convolutions, norms and the
/// selective scan run over contiguous channels, and keeps a token's features together.
public struct FeatureMap: Sendable {
    public var height: Int
    public var width: Int
    public var channels: Int
    public var data: [Float]

    public init(height: Int, width: Int, channels: Int, data: [Float]) {
        precondition(data.count == height * width * channels)
        self.height = height; self.width = width; self.channels = channels; self.data = data
    }

    public init(height: Int, width: Int, channels: Int) {
        self.init(height: height, width: width, channels: channels,
                  data: [Float](repeating: 0, count: height * width * channels))
    }

    /// A map whose every value the caller is about to overwrite (GEMM outputs): skipping the
    /// zero fill saves a full pass over memory.
    init(uninitializedHeight height: Int, width: Int, channels: Int) {
        let n = height * width * channels
        self.init(height: height, width: width, channels: channels,
                  data: [Float](unsafeUninitializedCapacity: n) { _, count in count = n })
    }

    public var tokens: Int { height * width }

    /// From a PyTorch (1, C, H, W) or (C, H, W) tensor.
    public init(nchw t: Tensor) {
        let s = t.shape.count == 4 ? Array(t.shape.dropFirst()) : t.shape
        precondition(s.count == 3, "FeatureMap(nchw:) needs (1,C,H,W) or (C,H,W), got \(t.shape)")
        let c = s[0], h = s[1], w = s[2]
        var out = [Float](repeating: 0, count: c * h * w)
        t.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<c { for p in 0..<(h * w) { dst[p * c + ch] = src[ch * h * w + p] } }
            }
        }
        self.init(height: h, width: w, channels: c, data: out)
    }

    /// To PyTorch's (1, C, H, W), optionally mapping each value through a per-channel affine
    /// `x * scale[c] + shift[c]` (used to show pre-/post-BatchNorm views of one buffer).
    ///
    /// `vck_nchw` (C): 16 × 16 tiles transposed in registers, the map applied on the way (two
    /// roundings, as `nchwReference`, the plain loop it is tested against); split over the
    /// engine's threads in 32 × 32 blocks, since observers copy every activation they ask for.
    public func nchw(scale: [Float]? = nil, shift: [Float]? = nil) -> Tensor {
        let c = channels, l = tokens
        let ones = scale ?? [Float](repeating: 1, count: c), zeros = shift ?? [Float](repeating: 0, count: c)
        let out = [Float](unsafeUninitializedCapacity: c * l) { dst, count in
            data.withUnsafeBufferPointer { srcBuf in ones.withUnsafeBufferPointer { scBuf in zeros.withUnsafeBufferPointer { shBuf in
                nonisolated(unsafe) let src = srcBuf.baseAddress!, sc = scBuf.baseAddress!, sh = shBuf.baseAddress!
                nonisolated(unsafe) let dstBase = dst.baseAddress!
                let tile = 32
                let channelTiles = (c + tile - 1) / tile, tokenTiles = (l + tile - 1) / tile
                func convert(_ tokens: Range<Int>, _ channels: Range<Int>) {
                    vck_nchw(src, l, c, sc, sh, dstBase, tokens.lowerBound * tile, min(tokens.upperBound * tile, l),
                             channels.lowerBound * tile, min(channels.upperBound * tile, c))
                }
                // Observers get every block output this way: split over the engine's threads, so
                // watching a forward pass does not serialise it, along whichever of tokens and
                // channels has more tiles. (By channel tiles only, stage 1's 64 channels made two
                // chunks: a worker that started late held the region up, the pool counted stalls
                // and backed off, and observing B on two threads cost +28–51% against +12% on one.)
                if tokenTiles >= channelTiles {
                    Parallel.rows(tokenTiles, flops: Double(c * l * 8)) { convert($0, 0..<channelTiles) }
                } else {
                    Parallel.rows(channelTiles, flops: Double(c * l * 8)) { convert(0..<tokenTiles, $0) }
                }
            } } }
            count = c * l
        }
        return Tensor(shape: [1, c, height, width], data: out)
    }

    /// The plain loop `nchw` is tested against.
    func nchwReference(scale: [Float]? = nil, shift: [Float]? = nil) -> Tensor {
        let c = channels, l = tokens
        var out = [Float](repeating: .nan, count: c * l)
        for p in 0..<l { for ch in 0..<c {
            let s = scale?[ch] ?? 1, t = shift?[ch] ?? 0
            out[ch * l + p] = data[p * c + ch] * s + t
        } }
        return Tensor(shape: [1, c, height, width], data: out)
    }

    /// PyTorch's token layout (1, L, C): the NHWC buffer as it is.
    public func tokenTensor() -> Tensor { Tensor(shape: [1, tokens, channels], data: data) }
}
