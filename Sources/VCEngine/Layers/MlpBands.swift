import CKernels
import Glibc

/// The MLP evaluated a band of rows at a time, for the large maps of stages 1 and 2.
///
/// Layer by layer, the MLP writes its 4C-wide hidden map (3.2 MB for VCMamba-B's stage 1) to
/// memory after fc1, reads and writes it again in the depthwise convolution and reads it once more
/// in fc2, each pass after the map has left the cache. Here each thread walks its rows in bands of a
/// few rows: fc1 (with BN + GELU) for the band's rows, the 3×3 depthwise convolution (with BN +
/// GELU) for them, and fc2 (with BN and the layer scale) added into the residual stream, so the
/// band's hidden rows are produced and consumed while they are in L2. The depthwise convolution
/// needs one hidden row above and below each band: the two rows at the bottom of a band's buffer
/// are moved to its top for the next band instead of being computed again.
///
/// The same kernels in the same order per element as the layer-by-layer path (`hidden`, then
/// `addInto`), so the results are bit-identical (tested); used only when no observer wants any of
/// the MLP's own sites.
extension Mlp {
    /// Whether `addIntoByBands` applies: a 3×3 middle convolution and a hidden map of at least 1 MB.
    func bandsPay(height: Int, width: Int) -> Bool {
        mid.kernel == 3 && height >= 4 && height * width * fc1.conv.outChannels * 4 >= 1 << 20
    }

    /// residual += gain ⊙ mlp(input), band by band (see above). `input` and `residual` are
    /// distinct maps of the same size.
    func addIntoByBands(_ residual: inout FeatureMap, from input: FeatureMap, gain: [Float]?) {
        let h = input.height, w = input.width, c = input.channels, hd = fc1.conv.outChannels
        precondition(residual.height == h && residual.width == w && residual.channels == c)
        // Two band buffers of (R + 2) rows of hidden values, R between 2 and 8, within what ~896 KB
        // of L2 leaves beside fc1's and fc2's weights (reused by every band). For B's stage 2
        // (512 KB of weights) a fixed 768 KB for the buffers gave 4-row bands and the stage ran
        // 0.34 ms slower than with 2-row ones; stage 1 (128 KB of weights) keeps its 4–5 rows.
        let weightBytes = 2 * c * hd * 4
        let band = max(2, min(8, max(0, (896 << 10) - weightBytes) / (2 * w * hd * 4) - 2))
        // One chunk of rows per thread (each chunk computes one extra hidden row at its top edge,
        // so more chunks would cost more fc1 work); the cost model may keep it on one thread.
        let flops = Double(2 * h * w * (2 * c * hd + 9 * hd))
        let threads = Parallel.pays(flops) ? min(EngineThreads.current, max(1, h / band)) : 1
        let fc1Epilogue = GemmEpilogue(scale: fc1.bn.scale, shift: fc1.shift, act: .gelu)
        vck_tally_gelu(2 * h * w * hd)   // the model's count: the halo rows a thread recomputes are left out
        input.data.withUnsafeBufferPointer { inBuf in residual.data.withUnsafeMutableBufferPointer { resBuf in
        mid.weight.withUnsafeBufferPointer { mwBuf in mid.bias.withUnsafeBufferPointer { mbBuf in
        midNorm.scale.withUnsafeBufferPointer { msBuf in midNorm.shift.withUnsafeBufferPointer { mtBuf in
            nonisolated(unsafe) let x = inBuf.baseAddress!, res = resBuf.baseAddress!
            nonisolated(unsafe) let mw = mwBuf.baseAddress!, mb = mbBuf.baseAddress!, ms = msBuf.baseAddress!, mt = mtBuf.baseAddress!
            Parallel.forEach(threads, flops: flops) { t in
                let rows = (h * t / threads)..<(h * (t + 1) / threads)
                let rowFloats = w * hd
                let h1 = UnsafeMutablePointer<Float>.allocate(capacity: (band + 2) * rowFloats)
                let h2 = UnsafeMutablePointer<Float>.allocate(capacity: (band + 2) * rowFloats)
                let acc = UnsafeMutablePointer<Float>.allocate(capacity: band * w * c)
                let dwScratch = UnsafeMutableRawPointer.allocate(byteCount: max(1, vck_depthwise_scratch(w, hd, 3, band)) * 4, alignment: 64)
                defer { h1.deallocate(); h2.deallocate(); acc.deallocate(); dwScratch.deallocate() }
                // Image rows held in h1: buffer row 0 is image row `held.lowerBound`.
                var held = 0..<0
                var r0 = rows.lowerBound
                while r0 < rows.upperBound {
                    let r1 = min(r0 + band, rows.upperBound)
                    let need = max(r0 - 1, 0)..<min(r1 + 1, h)
                    // Keep the held rows the band still needs (the previous band's last two).
                    let kept = held.contains(need.lowerBound) ? held.upperBound - need.lowerBound : 0
                    if kept > 0 && need.lowerBound > held.lowerBound {
                        memmove(h1, h1 + (need.lowerBound - held.lowerBound) * rowFloats, kept * rowFloats * 4)
                    }
                    let fresh = (need.lowerBound + kept)..<need.upperBound
                    let at = fresh.lowerBound - need.lowerBound
                    fc1.conv.weight.product(x + fresh.lowerBound * w * c, lda: c, h1 + at * rowFloats, ldc: hd,
                                            rows: fresh.count * w, epilogue: fc1Epilogue, threads: 1)
                    held = need
                    // Output rows r0..<r1 are buffer rows o0..<o1; rows outside the buffer read as
                    // zero, which is the padding exactly when the buffer ends at the image's edge.
                    let o0 = r0 - need.lowerBound, o1 = r1 - need.lowerBound
                    vck_tally_macs((o1 - o0) * w * hd * 9)
                    vck_depthwise(h1, need.count, w, hd, 3, mw, mb, ms, mt, EpilogueActivation.gelu.rawValue,
                                  h2, o0, o1, 0, hd, dwScratch.assumingMemoryBound(to: Float.self))
                    fc2.conv.weight.product(h2 + o0 * rowFloats, lda: hd, acc, ldc: c, rows: (r1 - r0) * w,
                                            epilogue: GemmEpilogue(scale: fc2.bn.scale, shift: fc2.shift,
                                                                   residual: res + r0 * w * c, ldr: c, gain: gain),
                                            threads: 1)
                    r0 = r1
                }
            }
        } } } } } }
    }
}
