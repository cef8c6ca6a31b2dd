import VCTensor

/// An activation seen as a stack of 2-D maps, one per channel, stored channel-major.
///
/// How each layout of docs/sites.md becomes maps:
///   (1, C, H, W)   C maps of H×W (conv-style sites, and Mamba quantities put on the grid);
///   (1, L, F)      F maps on the token grid (`grid`, h·w = L), token p = i·w + j;
///   (1, N), other  one map: the values row-major, wrapped at ⌈√N⌉ columns, tail padded with NaN.
public struct ChannelMaps: Sendable {
    public let shape: [Int]
    public let channels: Int
    public let height: Int
    public let width: Int
    /// channels · height · width values: map c occupies [c·h·w, (c+1)·h·w).
    public let values: [Float]
    /// How the tensor was read, for the screen: "C×H×W", "tokens on h×w grid", "flat".
    public let layout: Layout

    public enum Layout: Sendable, Equatable { case maps, tokens, flat }

    public var pixelsPerMap: Int { height * width }

    /// `grid` is the stage-4 token grid (h, w) used for (1, L, F) tensors; nil when unknown.
    public init(_ tensor: Tensor, grid: (Int, Int)? = nil) {
        let s = tensor.shape
        shape = s
        if s.count == 4 && s[0] == 1 {
            channels = s[1]; height = s[2]; width = s[3]
            values = tensor.data
            layout = .maps
        } else if s.count == 3 && s[0] == 1, let g = grid, g.0 * g.1 == s[1] {
            let l = s[1], f = s[2]
            channels = f; height = g.0; width = g.1
            var out = [Float](repeating: 0, count: l * f)
            tensor.data.withUnsafeBufferPointer { src in
                for p in 0..<l { for c in 0..<f { out[c * l + p] = src[p * f + c] } }   // (L, F) -> (F, L)
            }
            values = out
            layout = .tokens
        } else {
            let n = tensor.count
            let w = Swift.max(1, Int(Double(n).squareRoot().rounded(.up)))
            let h = Swift.max(1, (n + w - 1) / w)
            channels = 1; height = h; width = w
            values = tensor.data + [Float](repeating: Heatmap.noValue, count: h * w - n)
            layout = .flat
        }
    }

    /// The values of channel `c` (row-major h×w).
    public func map(_ c: Int) -> ArraySlice<Float> {
        let n = pixelsPerMap
        return values[(c * n)..<((c + 1) * n)]
    }

    /// Channel `c` as a heatmap.
    public func heatmap(_ c: Int) -> Heatmap { Heatmap(width: width, height: height, values: Array(map(c))) }

    public func value(channel c: Int, y: Int, x: Int) -> Float { values[c * pixelsPerMap + y * width + x] }

    /// Per-channel statistics, in channel order.
    public func channelStats() -> [ChannelStats] { (0..<channels).map { ChannelStats(map($0)) } }
}
