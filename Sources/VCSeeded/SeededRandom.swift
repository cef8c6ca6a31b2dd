/// The seeded generator of docs/seeded-weights.md: uniforms from (seed, key, index) by integer
/// arithmetic and one exact float conversion, so Swift and Python produce the same bits.
///
/// Shared by the seeded weights and inputs of `VCEngine` (`tools/reference/seeded.py` is their
/// Python side) and the demo model's scenes in `VCScenes` (`tools/train/scenes.py`).
public enum SeededRandom {
    public static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// FNV-1a-64 of the UTF-8 bytes of `key`.
    public static func fnv1a64(_ key: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }

    /// The `count` uniforms u_i in [0, 1) of (seed, key): splitmix64's finaliser over a counter,
    /// top 24 bits, an exact float32 multiple of 2^-24.
    public static func uniforms(seed: UInt64, key: String, count: Int) -> [Float] {
        let base = fnv1a64(key) ^ (seed &* golden)
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var x = base &+ UInt64(i + 1) &* golden
            x ^= x >> 30; x = x &* 0xBF58_476D_1CE4_E5B9
            x ^= x >> 27; x = x &* 0x94D0_49BB_1331_11EB
            x ^= x >> 31
            out[i] = Float(x >> 40) * 0x1p-24
        }
        return out
    }
}
