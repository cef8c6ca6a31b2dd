import VCRender

/// DEC sixel graphics: the picture as bands six pixels high, one pass per palette colour per
/// band, each pass a run of characters 0x3F + (six bits, top pixel lowest), run-length coded
/// with `!n`. The palette comes from `PaletteQuantizer`.
enum SixelEncoder {
    /// The DCS sequence for `width`×`height` RGB pixels with at most `colors` registers.
    static func encode(rgb: [UInt8], width: Int, height: Int, colors: Int = 256) -> String {
        let q = PaletteQuantizer(rgb: rgb, maxColors: colors)
        var out = [UInt8]()
        out.reserveCapacity(width * height / 2)
        func put(_ s: String) { out += Array(s.utf8) }
        // P2 = 1: bits that are 0 leave the pixel alone (each colour pass adds its own pixels);
        // raster attributes: 1:1 aspect, the image's size.
        put("\u{1B}P0;1;0q\"1;1;\(width);\(height)")
        for (i, c) in q.palette.enumerated() {
            put("#\(i);2;\(Int(c.r) * 100 / 255);\(Int(c.g) * 100 / 255);\(Int(c.b) * 100 / 255)")
        }
        let colorCount = q.palette.count
        var bits = [UInt8](repeating: 0, count: max(1, colorCount) * width)
        var used = [Bool](repeating: false, count: max(1, colorCount))
        for y0 in stride(from: 0, to: height, by: 6) {
            for i in 0..<bits.count { bits[i] = 0 }
            for i in 0..<used.count { used[i] = false }
            for dy in 0..<min(6, height - y0) {
                let row = (y0 + dy) * width
                for x in 0..<width {
                    let c = Int(q.indices[row + x])
                    bits[c * width + x] |= 1 << dy
                    used[c] = true
                }
            }
            var first = true
            for c in 0..<colorCount where used[c] {
                if !first { out.append(UInt8(ascii: "$")) }
                first = false
                put("#\(c)")
                var x = 0
                while x < width {
                    let v = bits[c * width + x]
                    var run = 1
                    while x + run < width && bits[c * width + x + run] == v { run += 1 }
                    let ch = 0x3F + v
                    if run > 3 { put("!\(run)"); out.append(ch) } else { for _ in 0..<run { out.append(ch) } }
                    x += run
                }
            }
            out.append(UInt8(ascii: "-"))
        }
        put("\u{1B}\\")
        return String(decoding: out, as: UTF8.self)
    }
}
