// VCScenes: procedural scenes of the demo model (see tools/train/SCENES.md)
import Foundation
import VCSeeded

/// The scene generator of vcview's bundled demo model, a port of `tools/train/scenes.py`.
///
/// Both implementations follow `tools/train/SCENES.md`: the same PRNG (so every random parameter
/// and every noise value agrees exactly) and the same formulas (so the pixels agree up to float32
/// rounding of transcendental functions, a few 1/255 steps at most on anti-aliased edges).
public enum SceneGenerator {
    /// Class names in label order; scene `index` shows class `index % 10`.
    public static let classNames: [String] = ["circle", "square", "triangle", "star", "cross",
                                              "ring", "crescent", "arrow", "heart", "hourglass"]
    static let parameterSlots = 48
    static let maxClutter = 4

    // MARK: PRNG (docs/seeded-weights.md; VCSeeded)

    public static func fnv1a64(_ key: String) -> UInt64 { SeededRandom.fnv1a64(key) }

    public static func uniforms(seed: UInt64, key: String, count: Int) -> [Float] {
        SeededRandom.uniforms(seed: seed, key: key, count: count)
    }

    // MARK: Shapes (signed distances in the object's unit frame, negative inside)

    typealias Polygon = [(Float, Float)]

    static func regular(_ n: Int, _ r: Double) -> Polygon {
        (0..<n).map { k in
            let a = Double.pi / 2 + 2 * Double.pi * Double(k) / Double(n)
            return (Float(r * cos(a)), Float(r * sin(a)))
        }
    }

    static func starPolygon(_ points: Int, _ outer: Double, _ inner: Double) -> Polygon {
        (0..<(2 * points)).map { k in
            let r = k % 2 == 0 ? outer : inner
            let a = Double.pi / 2 + Double.pi * Double(k) / Double(points)
            return (Float(r * cos(a)), Float(r * sin(a)))
        }
    }

    static let square: Polygon = [(-0.72, -0.72), (0.72, -0.72), (0.72, 0.72), (-0.72, 0.72)]
    static let triangle = regular(3, 0.98)
    static let star = starPolygon(5, 1.0, 0.42)
    static let cross: Polygon = [(-0.27, -0.92), (0.27, -0.92), (0.27, -0.27), (0.92, -0.27), (0.92, 0.27),
                                 (0.27, 0.27), (0.27, 0.92), (-0.27, 0.92), (-0.27, 0.27), (-0.92, 0.27),
                                 (-0.92, -0.27), (-0.27, -0.27)]
    static let arrow: Polygon = [(-0.95, -0.2), (0.1, -0.2), (0.1, -0.6), (0.95, 0.0), (0.1, 0.6), (0.1, 0.2),
                                 (-0.95, 0.2)]
    static let hourglass: Polygon = [(-0.75, -0.92), (0.75, -0.92), (0.1, 0.0), (0.75, 0.92), (-0.75, 0.92),
                                     (-0.1, 0.0)]

    /// Exact signed distance to a simple polygon (even-odd sign rule).
    static func sdPolygon(_ px: Float, _ py: Float, _ v: Polygon) -> Float {
        var d = (px - v[0].0) * (px - v[0].0) + (py - v[0].1) * (py - v[0].1)
        var s: Float = 1
        let n = v.count
        for i in 0..<n {
            let (vix, viy) = v[i]
            let (vjx, vjy) = v[(i + n - 1) % n]
            let ex = vjx - vix, ey = vjy - viy
            let wx = px - vix, wy = py - viy
            let t = min(max((wx * ex + wy * ey) / (ex * ex + ey * ey), 0), 1)
            let bx = wx - ex * t, by = wy - ey * t
            d = min(d, bx * bx + by * by)
            let c1 = py >= viy, c2 = py < vjy, c3 = ex * wy > ey * wx
            if (c1 && c2 && c3) || (!c1 && !c2 && !c3) { s = -s }
        }
        return s * d.squareRoot()
    }

    /// Inigo Quilez's exact heart, centred and enlarged: q = (|x|, y + 0.8) / 1.5.
    static func sdHeart(_ px: Float, _ py: Float) -> Float {
        let k: Float = 1.5
        let x = abs(px) / k, y = (py + 0.8) / k
        if x + y > 1 {
            return (((x - 0.25) * (x - 0.25) + (y - 0.75) * (y - 0.75)).squareRoot() - Float(2.0.squareRoot() / 4)) * k
        }
        let m = 0.5 * max(x + y, 0)
        let a = x * x + (y - 1) * (y - 1), b = (x - m) * (x - m) + (y - m) * (y - m)
        let sign: Float = x - y > 0 ? 1 : (x - y < 0 ? -1 : 0)
        return min(a, b).squareRoot() * sign * k
    }

    static func shapeDistance(_ label: Int, _ qx: Float, _ qy: Float, aux: Double) -> Float {
        switch label {
        case 0: return (qx * qx + qy * qy).squareRoot() - 0.85
        case 1: return sdPolygon(qx, qy, square)
        case 2: return sdPolygon(qx, qy, triangle)
        case 3: return sdPolygon(qx, qy, star)
        case 4: return sdPolygon(qx, qy, cross)
        case 5:
            let thick = Float(0.14 + 0.08 * aux)
            return abs((qx * qx + qy * qy).squareRoot() - 0.72) - thick
        case 6:
            let off = Float(0.38 + 0.17 * aux)
            let outer = (qx * qx + qy * qy).squareRoot() - 0.9
            let bite = ((qx - off) * (qx - off) + qy * qy).squareRoot() - 0.78
            return max(outer, -bite)
        case 7: return sdPolygon(qx, qy, arrow)
        case 8: return sdHeart(qx, qy)
        default: return sdPolygon(qx, qy, hourglass)
        }
    }

    @inline(__always) static func coverage(_ dPixels: Float) -> Float { min(max(0.5 - dPixels, 0), 1) }

    // MARK: The scene

    /// Scene `index` of the stream `seed`: its label and `size`×`size` RGB pixels (interleaved,
    /// row-major, 3 bytes a pixel).
    public static func render(seed: UInt64, index: Int, size: Int = 224) -> (label: Int, pixels: [UInt8]) {
        let S = size
        let label = index % classNames.count
        let u = uniforms(seed: seed, key: "scene/\(index)", count: parameterSlots)
        func P(_ i: Int) -> Double { Double(u[i]) }
        func colour(_ i: Int, bright: Bool) -> [Float] {
            let lo = bright ? 0.6 : 0.05
            return (0..<3).map { Float(lo + 0.35 * P(i + $0)) }
        }
        let coords = (0..<S).map { (Float($0) + 0.5) / Float(S) }
        var img = [Float](repeating: 0, count: S * S * 3)

        // Background.
        let brightObject = P(1) < 0.5
        let c1 = colour(2, bright: !brightObject), c2 = colour(5, bright: !brightObject)
        let kind = min(Int(P(0) * 5), 4)
        let ang = 2 * Double.pi * P(11)
        let ca = Float(cos(ang)), sa = Float(sin(ang))
        let period = 0.04 + 0.10 * P(12), phase = P(13)
        let freq = Float(2 * Double.pi / period), ph = Float(2 * Double.pi * phase)
        let cell = 0.06 + 0.14 * P(12)
        let G = Int(1.0 / cell) + 2
        let lattice = kind == 4 ? uniforms(seed: seed, key: "grid/\(index)", count: G * G) : []
        for y in 0..<S {
            for x in 0..<S {
                let px = coords[x], py = coords[y]
                let dx = px - 0.5, dy = py - 0.5
                let along = dx * ca + dy * sa
                let across = dx * (-sa) + dy * ca
                var t: Float
                switch kind {
                case 0: t = 0
                case 1: t = min(max(0.5 + along / 0.7, 0), 1)
                case 2: t = 0.5 + 0.5 * sinf(freq * along + ph)
                case 3:
                    let a = (along / Float(period) + Float(phase)).rounded(.down)
                    let b = (across / Float(period)).rounded(.down)
                    let s = a + b
                    t = s - 2 * (s / 2).rounded(.down)
                default:
                    let gx = px / Float(cell), gy = py / Float(cell)
                    let i0 = gx.rounded(.down), j0 = gy.rounded(.down)
                    let fx = gx - i0, fy = gy - j0
                    let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
                    let i = Int(i0), j = Int(j0)
                    let v00 = lattice[j * G + i], v10 = lattice[j * G + i + 1]
                    let v01 = lattice[(j + 1) * G + i], v11 = lattice[(j + 1) * G + i + 1]
                    let top = v00 + (v10 - v00) * sx, bot = v01 + (v11 - v01) * sx
                    t = top + (bot - top) * sy
                }
                let o = (y * S + x) * 3
                for c in 0..<3 { img[o + c] = c1[c] + (c2[c] - c1[c]) * t }
            }
        }

        // Clutter under the object.
        let nClutter = min(Int(P(21) * Double(maxClutter + 1)), maxClutter)
        let lo = brightObject ? 0.6 : 0.05
        for k in 0..<nClutter {
            let b = 22 + 6 * k
            let cx = Float(0.05 + 0.9 * P(b + 1)), cy = Float(0.05 + 0.9 * P(b + 2))
            let isDot = P(b) < 0.5
            let radius = Float(0.01 + 0.015 * P(b + 3))
            let half = Float(0.02 + 0.03 * P(b + 3))
            let a = 2 * Double.pi * P(b + 4)
            let ex = Float(cos(a)), ey = Float(sin(a))
            let grey = Float(lo + 0.35 * P(b + 5))
            for y in 0..<S {
                for x in 0..<S {
                    let qx = coords[x] - cx, qy = coords[y] - cy
                    let d: Float
                    if isDot {
                        d = (qx * qx + qy * qy).squareRoot() - radius
                    } else {
                        let s = min(max(qx * ex + qy * ey, -half), half)
                        d = ((qx - ex * s) * (qx - ex * s) + (qy - ey * s) * (qy - ey * s)).squareRoot() - 0.007
                    }
                    let alpha = coverage(d * Float(S))
                    if alpha > 0 {
                        let o = (y * S + x) * 3
                        for c in 0..<3 { img[o + c] += (grey - img[o + c]) * alpha }
                    }
                }
            }
        }

        // The object.
        let R = 0.16 + 0.12 * P(14)
        let ox = Float(0.5 + 0.24 * (P(15) - 0.5)), oy = Float(0.5 + 0.24 * (P(16) - 0.5))
        let rot = 2 * Double.pi * P(17)
        let stretch = 0.85 + 0.3 * P(19)
        let cr = Float(cos(rot)), sr = Float(sin(rot))
        let sx = Float(R * stretch), sy = Float(R), rf = Float(R)
        let aux = P(18)
        let col = colour(8, bright: brightObject)
        for y in 0..<S {
            for x in 0..<S {
                let wx = coords[x] - ox, wy = coords[y] - oy
                let qx = (wx * cr + wy * sr) / sx
                let qy = (-wx * sr + wy * cr) / sy
                let d = shapeDistance(label, qx, qy, aux: aux) * rf
                let alpha = coverage(d * Float(S))
                if alpha > 0 {
                    let o = (y * S + x) * 3
                    for c in 0..<3 { img[o + c] += (col[c] - img[o + c]) * alpha }
                }
            }
        }

        // Pixel noise and quantisation.
        let sigma = Float(0.02 + 0.06 * P(20))
        let nu = uniforms(seed: seed, key: "noise/\(index)", count: 2 * S * S * 3)
        var pixels = [UInt8](repeating: 0, count: S * S * 3)
        for i in 0..<(S * S * 3) {
            let v = img[i] + sigma * (nu[2 * i] + nu[2 * i + 1] - 1)
            pixels[i] = UInt8((min(max(v, 0), 1) * 255 + 0.5).rounded(.down))
        }
        return (label, pixels)
    }
}
