import Foundation
import XCTest
import VCEngine
import VCExport
import VCRecording
import VCRender
import VCStyle
import VCTestSupport
@testable import VCTUI

/// Every view the explorer can export (`e`) comes out with the colormap, the scale and the labels
/// the screen shows: the PNG's sidecar is compared with what the screen's own functions chose.
final class ExportConsistencyTests: XCTestCase {
    static let exporter = Exporter(source: ExportSource(analysis: Fixtures.lab, labels: Fixtures.info.labels ?? [],
                                                        provenance: Provenance(imageName: "test.png", model: "seeded small", version: "test")))

    /// Exports the screen's current view with the screen's options; the sidecar of its first PNG.
    func exported(_ s: ExplorerState, file: StaticString = #filePath, line: UInt = #line) throws -> (view: ExportView, sidecar: [String: Any]) {
        let view = try XCTUnwrap(s.currentExportView, "the screen has a view to export", file: file, line: line)
        let dir = try Repository.scratch("consistency")
        let paths = try Self.exporter.export(view: view, to: dir, options: s.exportOptions)
        let json = try XCTUnwrap(paths.first { $0.hasSuffix(".json") }, file: file, line: line)
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        return (view, try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], file: file, line: line))
    }

    func scale(_ sidecar: [String: Any]) -> HeatmapScale? {
        guard let s = sidecar["scale"] as? [String: Any], let lo = s["lo"] as? NSNumber, let hi = s["hi"] as? NSNumber else { return nil }
        return HeatmapScale(lo: lo.floatValue, hi: hi.floatValue)
    }

    /// The screen on `site`'s channel grid (or zoomed on channel 0).
    func showing(_ site: String, zoomed: Bool = false, scope: ScaleScope = .block, colormap: Colormap? = nil) throws -> ExplorerState {
        var s = Fixtures.done()
        s.block = s.rail.block(forSite: site)
        s.siteIndex = try XCTUnwrap(s.blockSites.firstIndex(of: site), site)
        s.zoomed = zoomed
        s.channel = 0
        s.scope = scope
        s.colormapOverride = colormap
        XCTAssertEqual(s.siteName, site)
        return s
    }

    func testChannelViewsMatchTheScreen() throws {
        let sites = ["patch_embed", "network.4.1", "network.6.1.mamba.u", "network.6.2.mamba.decay", "network.6.1.mamba.dir_share", "norm"]
        for site in sites {
            for (scope, cmap) in [(ScaleScope.block, nil), (.global, nil), (.block, Colormap.grey)] as [(ScaleScope, Colormap?)] {
                for zoomed in [false, true] {
                    let s = try showing(site, zoomed: zoomed, scope: scope, colormap: cmap)
                    let (view, sidecar) = try exported(s)
                    XCTAssertEqual(view, zoomed ? .channel(site: site, channel: 0) : .channels(site: site))
                    let what = "\(site) \(scope) \(cmap?.rawValue ?? "auto") zoomed \(zoomed)"
                    XCTAssertEqual(sidecar["colormap"] as? String, s.colormap.rawValue, what)
                    XCTAssertEqual(sidecar["colormap_auto"] as? Bool, cmap == nil, what)
                    let screen = try XCTUnwrap(s.scale(channel: 0), what)
                    let png = try XCTUnwrap(scale(sidecar), what)
                    XCTAssertEqual(png.lo, screen.lo, accuracy: 1e-6 * max(1, abs(screen.lo)), what)
                    XCTAssertEqual(png.hi, screen.hi, accuracy: 1e-6 * max(1, abs(screen.hi)), what)
                }
            }
        }
        // The kinds pick their own rules on both sides.
        XCTAssertEqual(try showing("network.6.2.mamba.decay").colormap, .magma)
        // Shares: centred on 25 % (diverging), out to the share farthest from it.
        let shares = try showing("network.6.1.mamba.dir_share")
        let sc = try XCTUnwrap(shares.scale(channel: 0))
        XCTAssertEqual(shares.colormap, .diverging)
        XCTAssertEqual((sc.lo + sc.hi) / 2, 0.25, accuracy: 1e-6)
        let st = try XCTUnwrap(shares.site).stats
        XCTAssertEqual(sc.hi - 0.25, max(st.max - 0.25, 0.25 - st.min), accuracy: 1e-6)
        XCTAssertEqual(try showing("network.6.1.mamba.u").colormap, .diverging)
    }

    /// The Mamba views: scans, hidden states, attention, shares and CAM, each against the panel
    /// style the screen draws with; and the labels (scan titles, steps, class names) both show.
    func testMambaViewsMatchTheScreen() throws {
        var s = Fixtures.done(200, 60).pressing(.char("m"))   // wide enough for the long scan titles
        let l = try XCTUnwrap(s.mambaLayer)
        for panel in MambaPanel.allCases {
            s = s.computed()
            XCTAssertEqual(s.mamba.panel, panel)
            let (shown, sidecar) = try exported(s)
            let text = view(s).text
            switch panel {
            case .scans:
                XCTAssertEqual(shown, .scans)
                XCTAssertEqual(sidecar["colormap"] as? String, Quantity.scanSteps.colormap(signed: false, override: nil).rawValue)
                // The screen titles each panel with the scan's name, or its short form where narrow.
                for d in 0..<4 {
                    XCTAssertTrue(text.contains(ScanNames.title(d)) || text.contains(ScanNames.shortTitle(d)), "screen shows \(ScanNames.title(d))")
                }
                XCTAssertTrue(text.contains(ScanNames.title(0)))
                // The step on screen and the frame file of the same step carry the same number.
                let stepped = s.pressing(.char("."), .char("."))
                XCTAssertTrue(view(stepped).text.contains("\(ScanNames.step(stepped.mamba.step))/\(l.tokens)"))
                let frame = Self.exporter.fileNames(.scanFrames)[stepped.mamba.step]
                XCTAssertTrue(frame.hasSuffix("scan-frame-\(ScanNames.step(stepped.mamba.step) < 10 ? "0" : "")\(ScanNames.step(stepped.mamba.step)).png"), frame)
            case .hidden:
                XCTAssertEqual(shown, .hidden(layer: l.name))
                let style = s.hiddenNormStyle(l)
                XCTAssertEqual(sidecar["colormap"] as? String, style.colormap.rawValue)
                XCTAssertEqual(scale(sidecar), style.scale, "h_norm_map holds the same values as h_norm")
            case .attention:
                guard case .attention(let layer, let row, let col, let channel) = shown else { return XCTFail("\(shown)") }
                XCTAssertEqual([row, col], [s.mamba.cursor.y, s.mamba.cursor.x])
                let alpha = try Fixtures.lab.attention(layer: layer, row: row, col: col, channel: channel)
                let style = s.attentionStyle(masked: AttentionMask.masked(alpha.data, orders: l.orders, token: row * l.width + col), token: row * l.width + col)
                XCTAssertEqual(sidecar["colormap"] as? String, style.colormap.rawValue)
                let png = try XCTUnwrap(scale(sidecar))
                XCTAssertEqual(png.lo, style.scale.lo, accuracy: 1e-6)
                XCTAssertEqual(png.hi, style.scale.hi, accuracy: 1e-6)
            case .shares:
                XCTAssertEqual(shown, .channels(site: l.name + ".dir_share"))
                let style = s.sharesStyle(l)
                XCTAssertEqual(sidecar["colormap"] as? String, style.colormap.rawValue)
                XCTAssertEqual(scale(sidecar), style.scale)
            case .cam:
                let cls = try XCTUnwrap(s.camClass)
                XCTAssertEqual(shown, .cam(classIndex: cls))
                guard case .cam(let map, _)? = s.cache.output(.cam(classIndex: cls)) else { return XCTFail("CAM computed") }
                let style = s.camStyle(map.data)
                XCTAssertEqual(sidecar["colormap"] as? String, style.colormap.rawValue)
                let png = try XCTUnwrap(scale(sidecar))
                XCTAssertEqual(png.lo, style.scale.lo, accuracy: 1e-6)
                XCTAssertEqual(png.hi, style.scale.hi, accuracy: 1e-6)
                XCTAssertEqual(sidecar["label"] as? String, s.info.label(cls))
                XCTAssertTrue(text.contains("CAM · \(s.info.label(cls))"))
                XCTAssertEqual(sidecar["overlay_alpha"] as? Double, Double(Overlay.alpha) / 256)
            }
            s = s.pressing(.char("v"))
        }
    }

    /// The screen's CAM overlay cell is the PNG's blend of the same two colours.
    func testOverlayBlendIsTheCanvasBlend() {
        var c = Canvas(width: 1, height: 1, background: RGB8(200, 100, 0))
        c.drawHeatmap(Heatmap(width: 1, height: 1, values: [1]), x: 0, y: 0, width: 1, height: 1,
                      scale: HeatmapScale(lo: 0, hi: 1), colormap: .grey, nanColor: .black, alpha: Overlay.alpha)
        XCTAssertEqual(Overlay.blend(RGB8(255, 255, 255), over: RGB8(200, 100, 0)), c[0, 0])
        XCTAssertEqual(Overlay.blend(RGB8(255, 255, 255), over: RGB8(200, 100, 0)), RGB8(230, 185, 140))
    }
}
