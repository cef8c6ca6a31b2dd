import XCTest
import VCEngine
import VCRender
import VCStyle

/// VCStyle's scale rules (issue 15): each assertion fails if its rule is removed.
final class StyleRuleTests: XCTestCase {
    /// 1…1000: nearest-rank percentiles are exact from the kept ends.
    func testTailsPercentilesAreNearestRank() {
        let v = (1...1000).map(Float.init).shuffled()
        let t = Tails(v + [.nan, .infinity])
        XCTAssertEqual(t.count, 1000)
        XCTAssertEqual(t.upper(99.5), 995)
        XCTAssertEqual(t.upper(99), 990)
        XCTAssertEqual(t.lower(0.5), 5)
        XCTAssertEqual(t.lower(1), 10)
        XCTAssertEqual(Tails(v.map { -$0 }).upper(99.5, magnitude: true), 995)
    }

    /// A photo-like activation: 999 values in ±1 and one at 3491. auto clips at p99.5 and says so.
    func testPercentileClipOfAnOutlier() {
        var v = (0..<999).map { Float($0 % 200) / 100 }   // 0…1.99
        v.append(3491)
        let r = ScaleRule.robust(of: v, colormap: .viridis, clip: .auto)
        XCTAssertEqual(r.scale.lo, 0)   // p0.5 is the minimum: the low end is not clipped
        // 1000 values: p99.5 is the 995th, 1.98 (1.99 four times above it, then 3491).
        XCTAssertEqual(r.scale.hi, 1.98, accuracy: 1e-6)
        XCTAssertNil(r.clip?.lo)
        XCTAssertEqual(r.clip?.hi ?? 0, 1.98, accuracy: 1e-6)
        XCTAssertEqual(r.clip?.text { String(format: "%g", $0) }, "clipped at p99.5: 1.98; max 3491")
        XCTAssertEqual(ScaleRule.robust(of: v, colormap: .viridis, clip: .none).scale, HeatmapScale(lo: 0, hi: 3491))
        // Diverging: ±p99.5 of |v|.
        let d = ScaleRule.robust(of: v.map { $0 - 1 }, colormap: .diverging, clip: .p995)
        XCTAssertEqual(d.scale.hi, -d.scale.lo)
        XCTAssertLessThan(d.scale.hi, 2)
        XCTAssertEqual(d.clip?.magnitude, true)
    }

    /// Without outliers auto leaves the range alone (p99 and p99.5 still clip on request).
    func testAutoDoesNotClipATameDistribution() {
        let v = (0..<1000).map { Float($0) }
        XCTAssertNil(ScaleRule.robust(of: v, colormap: .viridis, clip: .auto).clip)
        XCTAssertEqual(ScaleRule.robust(of: v, colormap: .viridis, clip: .auto).scale, HeatmapScale(lo: 0, hi: 999))
        let p = ScaleRule.robust(of: v, colormap: .viridis, clip: .p99)
        XCTAssertEqual(p.scale, HeatmapScale(lo: 9, hi: 989))
        XCTAssertEqual(p.clip?.name, "p1–p99")
    }

    /// The query's own weight is left out of the attention range, in every scan.
    func testAttentionDiagonalExcluded() {
        let l = 4
        var a = [Float](repeating: 0.1, count: 4 * l)
        for d in 0..<4 { a[d * l + 2] = 0.9; a[d * l + 0] = 0.2 }
        let ranged = AttentionSelf.excluded.rangeValues(a, token: 2)
        XCTAssertEqual(ScaleRule.range(of: ranged, colormap: .viridis), HeatmapScale(lo: 0.1, hi: 0.2))
        XCTAssertEqual(ScaleRule.range(of: AttentionSelf.included.rangeValues(a, token: 2), colormap: .viridis), HeatmapScale(lo: 0.1, hi: 0.9))
        XCTAssertEqual(AttentionSelf.excluded.note, "own weight excluded from the range")
    }

    /// Shares as points against 25 %, and their scale centred on 25 %.
    func testShareDifference() {
        XCTAssertEqual(ShareDifference.points(0.33), 8, accuracy: 1e-4)
        XCTAssertEqual(ShareDifference.label(ShareDifference.points(0.33)), "+8 pt vs 25%")
        XCTAssertEqual(ShareDifference.label(-3.5), "-3.5 pt vs 25%")
        let st = ChannelStats([0.22, 0.25, 0.31])
        let s = ScaleRule.fixedRange(.directionShare, scope: .block, colormap: .diverging, block: st)
        XCTAssertEqual(s?.lo ?? 0, 0.19, accuracy: 1e-6)
        XCTAssertEqual(s?.hi ?? 0, 0.31, accuracy: 1e-6)
        XCTAssertEqual(Quantity.site(.directionShare).colormap(signed: false, override: nil), .diverging)
        XCTAssertNil(ScaleRule.fixedRange(.directionShare, scope: .channel, colormap: .diverging, block: st))
    }

    /// Decay 0.0734…0.0787: narrow, said; 0…1 is not.
    func testNarrowRangeDetection() {
        let f: (Float) -> String = { String(format: "%.4f", $0) }
        XCTAssertEqual(ScaleRule.narrowRangeNote(HeatmapScale(lo: 0.0734, hi: 0.0787), format: f), "narrow range: 0.0734–0.0787, stretched")
        XCTAssertNil(ScaleRule.narrowRangeNote(HeatmapScale(lo: 0, hi: 1), format: f))
        XCTAssertNil(ScaleRule.narrowRangeNote(HeatmapScale(lo: -0.01, hi: 0.01), format: f))
    }

    /// A CAM positive everywhere is sequential; a signed one diverging; its legend states the sign.
    func testCAMColormapFollowsTheSign() {
        XCTAssertEqual(Quantity.classActivation.colormap(signed: false, override: nil), .viridis)
        XCTAssertEqual(Quantity.classActivation.colormap(signed: true, override: nil), .diverging)
        XCTAssertEqual(Quantity.classActivation.legendNote, "w·z_p, logit share, + for the class")
    }
}
