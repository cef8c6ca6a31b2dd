// Element types of stored tensors, and the exact conversions between them and Float.
//
// Half and bfloat16 are widened with integer bit manipulation rather than the standard
// library's Float16: the bit version is exact by construction (every half and bfloat16 value
// is representable in Float), branch-light, and identical on every platform, including those
// where Float16 is unavailable (macOS on x86_64). The tests compare it against Float16 for all
// 65536 bit patterns on Linux, where Float16 exists.

/// Element type of a tensor in a checkpoint or array file.
public enum DType: String, Sendable, CaseIterable {
    case f32, f16, bf16, f64, i64, i32, i16, i8, u8, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }
}

/// IEEE binary16 bits to Float, exactly (subnormals, infinities and NaN payloads included).
@inline(__always) func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let magnitude = UInt32(h & 0x7fff)
    if magnitude >= 0x7c00 {
        // Infinity or NaN: all-ones exponent, the payload shifted into place.
        return Float(bitPattern: sign | 0x7f80_0000 | ((magnitude & 0x3ff) << 13))
    }
    if magnitude >= 0x0400 {
        // Normal: rebias the exponent from 15 to 127 (add 112 << 23) and widen the mantissa.
        return Float(bitPattern: sign | ((magnitude << 13) &+ 0x3800_0000))
    }
    // Subnormal or zero: the value is magnitude * 2^-24, which Float holds exactly.
    let value = Float(magnitude) * 0x1p-24
    return sign != 0 ? -value : value
}

/// bfloat16 bits to Float: bfloat16 is the top half of a Float.
@inline(__always) func bfloat16ToFloat(_ b: UInt16) -> Float {
    Float(bitPattern: UInt32(b) << 16)
}

/// Float to IEEE binary16 bits, rounding to nearest with ties to even (as numpy and PyTorch do);
/// out-of-range values become infinity, NaN stays NaN (quiet).
func floatToHalf(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xff)
    let mantissa = bits & 0x7f_ffff
    if exponent == 0xff {
        if mantissa == 0 { return sign | 0x7c00 }
        return sign | 0x7e00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    let e = exponent - 127 + 15
    if e >= 0x1f { return sign | 0x7c00 }
    if e <= 0 {
        // Subnormal half (or zero): shift the mantissa with its implicit bit into place.
        if e < -10 { return sign }
        let m = mantissa | 0x80_0000
        let shift = UInt32(14 - e)
        var half = m >> shift
        let rest = m & ((1 << shift) - 1)
        let halfway = UInt32(1) << (shift - 1)
        if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }
        return sign | UInt16(half)
    }
    var half = (UInt32(e) << 10) | (mantissa >> 13)
    let rest = mantissa & 0x1fff
    if rest > 0x1000 || (rest == 0x1000 && half & 1 == 1) {
        half += 1  // may carry into the exponent, up to infinity: correct rounding
    }
    return sign | UInt16(half)
}
