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
    public func nchw(scale: [Float]? = nil, shift: [Float]? = nil) -> Tensor {
        let c = channels, l = tokens
        var out = [Float](repeating: 0, count: c * l)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<l {
                    for ch in 0..<c {
                        var v = src[p * c + ch]
                        if let scale { v = v * scale[ch] }
                        if let shift { v = v + shift[ch] }
                        dst[ch * l + p] = v
                    }
                }
            }
        }
        return Tensor(shape: [1, c, height, width], data: out)
    }

    /// PyTorch's token layout (1, L, C): the NHWC buffer as it is.
    public func tokenTensor() -> Tensor { Tensor(shape: [1, tokens, channels], data: data) }
}
