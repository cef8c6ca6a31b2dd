import XCTest
import VCTensor
@testable import VCRender

/// VCRender: the pure tensor-to-colour functions shared by the explorer and the PNG export.
final class RenderTests: XCTestCase {
    func close(_ c: RGB8, _ ref: (Double, Double, Double), within tol: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Double(c.r), ref.0 * 255, accuracy: tol, "r", file: file, line: line)
        XCTAssertEqual(Double(c.g), ref.1 * 255, accuracy: tol, "g", file: file, line: line)
        XCTAssertEqual(Double(c.b), ref.2 * 255, accuracy: tol, "b", file: file, line: line)
    }

    /// Entries of matplotlib's 256-entry tables that are not anchors: interpolation stays within 5/255.
    func testViridisAndMagmaFollowMatplotlib() {
        let viridis: [(Int, (Double, Double, Double))] = [
            (7, (0.276022, 0.044167, 0.370164)), (64, (0.229739, 0.322361, 0.545706)), (128, (0.127568, 0.566949, 0.550556)),
            (192, (0.369214, 0.788888, 0.382914)), (247, (0.916242, 0.896091, 0.100717))]
        let magma: [(Int, (Double, Double, Double))] = [
            (7, (0.011465, 0.009828, 0.06075)), (64, (0.316654, 0.07169, 0.48538)), (128, (0.716387, 0.214982, 0.47529)),
            (192, (0.9867, 0.535582, 0.38221)), (247, (0.989815, 0.934329, 0.690198))]
        for (i, ref) in viridis { close(Colormap.viridis.lut[i], ref, within: 5.5) }
        for (i, ref) in magma { close(Colormap.magma.lut[i], ref, within: 5.5) }
        // Anchors are exact (up to 8-bit rounding).
        close(Colormap.viridis.lut[0], (0.267004, 0.004874, 0.329415), within: 0.5)
        close(Colormap.viridis.lut[255], (0.993248, 0.906157, 0.143936), within: 0.5)
        close(Colormap.magma.lut[255], (0.987053, 0.991438, 0.749504), within: 0.5)
        for m in Colormap.allCases { XCTAssertEqual(m.lut.count, 256) }
    }

    func testGreyAndDivergingTables() {
        XCTAssertEqual(Colormap.grey.lut[0], RGB8(0, 0, 0))
        XCTAssertEqual(Colormap.grey.lut[200], RGB8(200, 200, 200))
        let d = Colormap.diverging.lut
        XCTAssertGreaterThan(d[0].b, d[0].r, "negative end is blue")
        XCTAssertGreaterThan(d[255].r, d[255].b, "positive end is red")
        for i in [127, 128] { XCTAssertGreaterThan(min(d[i].r, d[i].g, d[i].b), 240, "zero is near white") }
        XCTAssertTrue(Colormap.diverging.isDiverging)
        XCTAssertFalse(Colormap.viridis.isDiverging)
    }

    func testIndexClampsAndTreatsNaN() {
        XCTAssertEqual(Colormap.index(-3), 0)
        XCTAssertEqual(Colormap.index(0), 0)
        XCTAssertEqual(Colormap.index(0.5), 128)
        XCTAssertEqual(Colormap.index(1), 255)
        XCTAssertEqual(Colormap.index(7), 255)
        XCTAssertEqual(Colormap.index(.nan), 0)
        XCTAssertEqual(Colormap.index(.infinity), 255)
    }

    func testStatisticsSkipNonFiniteAndMergeExactly() {
        let a: [Float] = [1, 2, 3, .nan, 4], b: [Float] = [-2, 10, .infinity]
        let sa = ChannelStats(a), sb = ChannelStats(b), all = ChannelStats(a + b)
        XCTAssertEqual(sa.count, 4); XCTAssertEqual(sa.nonFinite, 1)
        XCTAssertEqual(sa.mean, 2.5); XCTAssertEqual(sa.variance, 1.25, accuracy: 1e-6)
        XCTAssertEqual(sa.min, 1); XCTAssertEqual(sa.max, 4)
        let m = ChannelStats.merged([sa, sb])
        XCTAssertEqual(m.count, all.count); XCTAssertEqual(m.nonFinite, 2)
        XCTAssertEqual(m.mean, all.mean, accuracy: 1e-5)
        XCTAssertEqual(m.variance, all.variance, accuracy: 1e-4)
        XCTAssertEqual(m.min, -2); XCTAssertEqual(m.max, 10)
        XCTAssertTrue(m.isSigned); XCTAssertFalse(sa.isSigned)
        let empty = ChannelStats([Float.nan])
        XCTAssertEqual(empty.count, 0); XCTAssertEqual(empty.nonFinite, 1); XCTAssertEqual(empty.mean, 0)
        XCTAssertEqual(ChannelStats([Float]()), .empty)
    }

    func testScales() {
        let s = ChannelStats([-1, 0.5, 3])
        XCTAssertEqual(HeatmapScale(s, symmetric: false), HeatmapScale(lo: -1, hi: 3))
        XCTAssertEqual(HeatmapScale(s, symmetric: true), HeatmapScale(lo: -3, hi: 3))
        XCTAssertEqual(HeatmapScale(s, symmetric: true).zeroPosition, 0.5)
        XCTAssertEqual(HeatmapScale(s, symmetric: false).zeroPosition, 0.25)
        XCTAssertNil(HeatmapScale(ChannelStats([1, 2]), symmetric: false).zeroPosition)
        // A constant map still normalises to the middle.
        let c = HeatmapScale(ChannelStats([2, 2]), symmetric: false)
        XCTAssertEqual(c.normalised(2), 0.5)
        XCTAssertEqual(HeatmapScale(ChannelStats([0, 0]), symmetric: true), HeatmapScale(lo: -1, hi: 1))
        XCTAssertEqual(ScaleScope.channel.next, .block); XCTAssertEqual(ScaleScope.global.next, .channel)
        let ch = ChannelStats([1]), bl = ChannelStats([2]), gl = ChannelStats([3])
        XCTAssertEqual(ScaleScope.block.stats(channel: ch, block: bl, global: gl), bl)
        XCTAssertEqual(ScaleScope.global.stats(channel: ch, block: bl, global: gl), gl)
    }

    func testSortOrders() {
        let stats = [ChannelStats([1, 1]), ChannelStats([0, 4]), ChannelStats([3, 3]), ChannelStats([Float.nan]), ChannelStats([2, 2])]
        XCTAssertEqual(SortKey.index.order(stats), [0, 1, 2, 3, 4])
        XCTAssertEqual(SortKey.mean.order(stats), [2, 1, 4, 0, 3])   // means 1, 2, 3, –, 2: tie 1/4 by index
        XCTAssertEqual(SortKey.max.order(stats), [1, 2, 4, 0, 3])
        XCTAssertEqual(SortKey.variance.order(stats), [1, 0, 2, 4, 3])
        XCTAssertEqual(SortKey.allCases.map(\.next), [.mean, .max, .variance, .index])
    }

    func testBoxResampling() {
        let h = Heatmap(width: 4, height: 2, values: [0, 2, 4, 6, 8, 10, 12, Heatmap.noValue])
        let down = h.resampled(width: 2, height: 1)
        XCTAssertEqual(down.values, [5, 22.0 / 3])   // padding ignored
        // A NaN of the activation is not averaged away: its footprint shows it.
        let nan = Heatmap(width: 4, height: 2, values: [0, 2, 4, 6, 8, 10, 12, .nan]).resampled(width: 2, height: 1)
        XCTAssertEqual(nan.values[0], 5)
        XCTAssertTrue(nan.values[1].isNaN && !Heatmap.isNoValue(nan.values[1]))
        let up = Heatmap(width: 2, height: 1, values: [1, 2]).resampled(width: 4, height: 2)
        XCTAssertEqual(up.values, [1, 1, 2, 2, 1, 1, 2, 2])
        XCTAssertEqual(h.resampled(width: 4, height: 2), h)
        let allPadding = Heatmap(width: 2, height: 1, values: [Heatmap.noValue, Heatmap.noValue]).resampled(width: 1, height: 1)
        XCTAssertTrue(Heatmap.isNoValue(allPadding.values[0]))
    }

    func testHeatmapColoursAndBytes() {
        let h = Heatmap(width: 3, height: 1, values: [-1, 0, Heatmap.noValue])
        let scale = HeatmapScale(lo: -1, hi: 1)
        let rgb = h.rgb(scale: scale, colormap: .grey, nanColor: RGB8(1, 2, 3))
        XCTAssertEqual(rgb, [RGB8(0, 0, 0), RGB8(128, 128, 128), RGB8(1, 2, 3)])
        XCTAssertEqual(h.rgbBytes(scale: scale, colormap: .grey, nanColor: RGB8(1, 2, 3)), [0, 0, 0, 128, 128, 128, 1, 2, 3])
        XCTAssertEqual(h.levels(scale: scale), [0, 128, nil])
        // NaN and ±inf of the activation get their marked colours, not the padding colour.
        let marked = Heatmap(width: 3, height: 1, values: [.nan, .infinity, -.infinity]).rgb(scale: scale, colormap: .grey, nanColor: RGB8(1, 2, 3))
        XCTAssertEqual(marked, [Marked.nan.color, Marked.posInf.color, Marked.negInf.color])
        // Through viridis: the ends of the table, and NaN in the default colour.
        XCTAssertEqual(h.rgb(scale: scale, colormap: .viridis), [Colormap.viridis.lut[0], Colormap.viridis.lut[128], .black])
    }

    func testChannelMapsReadEveryLayout() {
        // (1, C, H, W): channel-major already.
        let m = ChannelMaps(Tensor(shape: [1, 2, 2, 3], data: (0..<12).map(Float.init)))
        XCTAssertEqual([m.channels, m.height, m.width], [2, 2, 3]); XCTAssertEqual(m.layout, .maps)
        XCTAssertEqual(Array(m.map(1)), [6, 7, 8, 9, 10, 11])
        XCTAssertEqual(m.value(channel: 1, y: 1, x: 0), 9)
        // (1, L, F) on a 2×2 grid: token p = i·w + j, feature f -> map f.
        let t = ChannelMaps(Tensor(shape: [1, 4, 2], data: [0, 10, 1, 11, 2, 12, 3, 13]), grid: (2, 2))
        XCTAssertEqual(t.layout, .tokens); XCTAssertEqual(t.channels, 2)
        XCTAssertEqual(Array(t.map(0)), [0, 1, 2, 3]); XCTAssertEqual(Array(t.map(1)), [10, 11, 12, 13])
        // (1, N): one map, wrapped at ⌈√N⌉ columns, padded with NaN.
        let f = ChannelMaps(Tensor(shape: [1, 10], data: (0..<10).map(Float.init)))
        XCTAssertEqual([f.channels, f.height, f.width], [1, 3, 4]); XCTAssertEqual(f.layout, .flat)
        XCTAssertTrue(f.map(0).last!.isNaN)
        XCTAssertEqual(f.channelStats()[0].count, 10)
    }
}
