import VCRender

extension FrameImage {
    /// The zoomed channel as pixels: each map value a k×k block (k brings the map to about 256
    /// pixels, so the terminal's scaling stays sharp), no-value cells dark grey, and the cursor's
    /// value ringed in black or white, whichever contrasts with its colour. `marks` are the
    /// cells the view drew over the map (the cursor's ◆), which the pixels show in their place.
    static func zoom(_ map: Heatmap, scale: HeatmapScale, colormap: Colormap, cursor: (y: Int, x: Int),
                     rect: Rect, marks: [Rect]) -> FrameImage {
        let k = max(1, 256 / max(1, max(map.width, map.height)))
        let w = map.width * k, h = map.height * k
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        func put(_ x: Int, _ y: Int, _ c: RGB8) {
            let i = (y * w + x) * 3
            rgb[i] = c.r; rgb[i + 1] = c.g; rgb[i + 2] = c.b
        }
        for my in 0..<map.height {
            for mx in 0..<map.width {
                let v = map[my, mx]
                let c = v.isNaN ? RGB8(40, 40, 40) : colormap.lut[Colormap.index(scale.normalised(v))]
                for dy in 0..<k { for dx in 0..<k { put(mx * k + dx, my * k + dy, c) } }
            }
        }
        if cursor.y >= 0, cursor.y < map.height, cursor.x >= 0, cursor.x < map.width {
            let v = map[cursor.y, cursor.x]
            let under = v.isNaN ? RGB8(40, 40, 40) : colormap.lut[Colormap.index(scale.normalised(v))]
            let ring = under.luma > 0.5 ? RGB8.black : RGB8.white
            let t = max(1, k / 8)
            for dy in 0..<k { for dx in 0..<k where dx < t || dy < t || dx >= k - t || dy >= k - t {
                put(cursor.x * k + dx, cursor.y * k + dy, ring)
            } }
        }
        var im = FrameImage(slot: .zoom, rect: rect, width: w, height: h, rgb: rgb)
        im.marks = marks
        return im
    }
}
