/// Median-cut colour quantisation (Heckbert 1982) to at most 256 colours: sixel's colour
/// registers in the terminal, a GIF's colour table in the exports.
///
/// Colours are counted at 5 bits per channel (32768 bins). The box of bins with the widest channel
/// range (weighted by how many pixels it holds) is split at the pixel median of that channel,
/// until there are `maxColors` boxes or none can be split; each palette entry is the mean colour
/// of its box's pixels. Each pixel then takes the nearest palette entry (squared RGB distance).
public struct PaletteQuantizer: Sendable {
    /// The palette, RGB.
    public private(set) var palette: [RGB8] = []
    /// For each pixel, its palette index.
    public private(set) var indices: [UInt8] = []

    public init(rgb: [UInt8], maxColors: Int) {
        let n = rgb.count / 3
        let limit = max(1, min(256, maxColors))
        var count = [Int](repeating: 0, count: 32768)
        var sum = [Int](repeating: 0, count: 32768 * 3)
        for p in 0..<n {
            let r = Int(rgb[3 * p]), g = Int(rgb[3 * p + 1]), b = Int(rgb[3 * p + 2])
            let k = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)
            count[k] += 1; sum[3 * k] += r; sum[3 * k + 1] += g; sum[3 * k + 2] += b
        }
        var boxes: [Box] = []
        let occupied = (0..<32768).filter { count[$0] > 0 }
        if !occupied.isEmpty { boxes.append(Box(keys: occupied, count: count)) }
        while boxes.count < limit {
            // The box to split: widest channel range times its pixel count.
            guard let best = boxes.indices.filter({ boxes[$0].keys.count > 1 }).max(by: { boxes[$0].score < boxes[$1].score }) else { break }
            let shift = boxes[best].shift
            let sorted = boxes[best].keys.sorted { ($0 >> shift) & 31 < ($1 >> shift) & 31 }
            let total = boxes[best].pixels
            var acc = 0, cut = 1
            for (i, k) in sorted.enumerated() {
                acc += count[k]
                if acc * 2 >= total { cut = min(max(1, i + 1), sorted.count - 1); break }
            }
            boxes[best] = Box(keys: Array(sorted[..<cut]), count: count)
            boxes.append(Box(keys: Array(sorted[cut...]), count: count))
        }
        palette = boxes.map { box in
            var r = 0, g = 0, b = 0, c = 0
            for k in box.keys { r += sum[3 * k]; g += sum[3 * k + 1]; b += sum[3 * k + 2]; c += count[k] }
            return RGB8(UInt8((r + c / 2) / c), UInt8((g + c / 2) / c), UInt8((b + c / 2) / c))
        }
        // Nearest entry per bin, computed once per bin that occurs.
        var nearest = [Int16](repeating: -1, count: 32768)
        indices = [UInt8](repeating: 0, count: n)
        for p in 0..<n {
            let r = Int(rgb[3 * p]), g = Int(rgb[3 * p + 1]), b = Int(rgb[3 * p + 2])
            let k = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)
            if nearest[k] < 0 {
                let cr = (r >> 3) * 8 + 4, cg = (g >> 3) * 8 + 4, cb = (b >> 3) * 8 + 4
                var bi = 0, bd = Int.max
                for (i, e) in palette.enumerated() {
                    let dr = cr - Int(e.r), dg = cg - Int(e.g), db = cb - Int(e.b)
                    let d = dr * dr + dg * dg + db * db
                    if d < bd { bd = d; bi = i }
                }
                nearest[k] = Int16(bi)
            }
            indices[p] = UInt8(nearest[k])
        }
    }

    /// A box of 5-bit colour bins: its pixel count, and the channel it is widest in.
    private struct Box {
        let keys: [Int]
        let pixels: Int
        /// Bit offset of the widest channel in a bin key (10 red, 5 green, 0 blue).
        let shift: Int
        let score: Int

        init(keys: [Int], count: [Int]) {
            var rl = 31, rh = 0, gl = 31, gh = 0, bl = 31, bh = 0, pixels = 0
            for k in keys {
                let r = k >> 10, g = (k >> 5) & 31, b = k & 31
                rl = min(rl, r); rh = max(rh, r); gl = min(gl, g); gh = max(gh, g); bl = min(bl, b); bh = max(bh, b)
                pixels += count[k]
            }
            let rr = rh - rl, gr = gh - gl, br = bh - bl
            let widest = max(rr, gr, br)
            self.keys = keys
            self.pixels = pixels
            shift = widest == rr ? 10 : widest == gr ? 5 : 0
            score = (widest + 1) * pixels
        }
    }
}
