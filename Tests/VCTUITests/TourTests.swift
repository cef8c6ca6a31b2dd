import XCTest
import VCEngine
import VCRecording
@testable import VCTUI

/// The tour without a terminal: its steps, keys, autoplay and narration.
final class TourTests: XCTestCase {
    func tour(_ w: Int = 120, _ h: Int = 40) -> ExplorerState {
        var s = Fixtures.done(w, h)
        s.startTour()
        return s
    }

    func testStepsOpenTheirViews() {
        var s = tour()
        var seen: [String] = []
        for step in TourStep.allCases {
            XCTAssertEqual(s.tour?.step, step)
            switch step {
            case .input: XCTAssertEqual(s.siteName, "input")
            case .stem: XCTAssertEqual(s.siteName, "patch_embed")
            case .local: XCTAssertEqual(s.currentBlock.site, "network.0.0")
            case .handover: XCTAssertEqual(s.siteName, "pos_embed")
            case .scans: XCTAssertTrue(s.showsMamba && s.mamba.panel == .scans && s.mamba.playing)
            case .hidden: XCTAssertTrue(s.showsMamba && s.mamba.panel == .hidden && s.mamba.playing)
            case .attention: XCTAssertEqual(s.mamba.panel, .attention); XCTAssertEqual(s.mamba.cursor, MapPoint(y: 3, x: 3))
            case .shares: XCTAssertEqual(s.mamba.panel, .shares)
            case .cam: XCTAssertEqual(s.mamba.panel, .cam)
            case .prediction: XCTAssertFalse(s.showsMamba); XCTAssertEqual(s.siteName, "logits")
            case .ablation: XCTAssertEqual(s.mamba.ablation, MambaAblation(rasterScan: true)); XCTAssertTrue(s.showsMamba)
            }
            if step != .ablation { XCTAssertTrue(s.mamba.ablation.isIdentity, "\(step)") }
            let text = view(s.computed()).text
            XCTAssertTrue(text.contains("tour \(step.rawValue + 1)/11 · \(step.title)"), text)
            seen.append(step.title)
            s = s.pressing(.char(" "))
        }
        XCTAssertEqual(s.tour?.index, 10, "stays on the last step")
        XCTAssertEqual(seen.count, 11)
    }

    func testKeys() {
        let s = tour()
        XCTAssertEqual(s.pressing(.right).tour?.index, 1)
        XCTAssertEqual(s.pressing(.down, .pageDown).tour?.index, 2)
        XCTAssertEqual(s.pressing(.char(" "), .char(" "), .char("b")).tour?.index, 1)
        XCTAssertEqual(s.pressing(.char(" "), .left).tour?.index, 0)
        XCTAssertEqual(s.pressing(.char("b")).tour?.index, 0, "clamped at the first step")
        XCTAssertEqual(s.pressing(.char(" "), .char(" "), .home).tour?.index, 0)
        XCTAssertTrue(s.pressing(.char("q")).shouldQuit)
        // Explorer keys still work inside a step: the scan can be stepped, the view changed.
        let scans = s.pressing(.char(" "), .char(" "), .char(" "), .char(" "))
        XCTAssertEqual(scans.tour?.step, .scans)
        XCTAssertEqual(scans.pressing(.char(".")).mamba.step, 1)
        XCTAssertEqual(scans.pressing(.char("v")).mamba.panel, .hidden)
        // Help lists the tour's keys.
        let help = view(s.pressing(.char("?"))).text
        XCTAssertTrue(help.contains("next step of the tour") && help.contains("autoplay"))
        // A click on the narration goes on.
        let r = Layout(s).narration!
        XCTAssertEqual(update(s, .mouse(MouseEvent(x: r.x + 5, y: r.y + 2, kind: .press))).tour?.index, 1)
    }

    func testAutoplay() {
        var s = tour().pressing(.char("a"))
        XCTAssertEqual(s.tour?.autoplay, true)
        XCTAssertNotNil(s.frameInterval)
        s = update(s, .frame(milliseconds: 11_000))
        XCTAssertEqual(s.tour?.index, 0)
        XCTAssertTrue(view(s).text.contains("autoplay ▶ next in 1 s"))
        s = update(s, .frame(milliseconds: 1_000))
        XCTAssertEqual(s.tour?.index, 1)
        for _ in 0..<40 { s = update(s, .frame(milliseconds: 1_000)) }
        XCTAssertEqual(s.tour?.index, 4)
        for _ in 0..<200 { s = update(s, .frame(milliseconds: 1_000)) }
        XCTAssertEqual(s.tour?.index, 10, "stops on the last step")
        XCTAssertEqual(s.tour?.autoplay, false)
        XCTAssertFalse(tour().pressing(.char("a"), .char("a")).tour!.autoplay)
    }

    func testNarrationQuotesTheModel() {
        let s = tour()
        XCTAssertTrue(s.narration.contains("1×3×224×224"))
        let stem = s.pressing(.char(" ")).narration
        XCTAssertTrue(stem.contains("3 → 4 channels") && stem.contains("8×56×56"), stem)
        let local = s.pressing(.char(" "), .char(" ")).narration
        XCTAssertTrue(local.contains("S3: 2 at 24×14×14"), local)
        let hand = s.pressing(.char(" "), .char(" "), .char(" ")).narration
        XCTAssertTrue(hand.contains("a 7×7 grid of 49 tokens with 32 channels") && hand.contains("2 Mamba layers"), hand)
        var attention = s
        for _ in 0..<6 { attention = attention.pressing(.char(" ")) }
        XCTAssertTrue(attention.narration.contains("(computing)"))
        let computed = attention.computed().narration
        XCTAssertTrue(computed.contains("matches the engine's scan to"), computed)
        var prediction = s
        for _ in 0..<9 { prediction = prediction.pressing(.char(" ")) }
        let top = Fixtures.store.top(1)[0]
        XCTAssertTrue(prediction.narration.contains("The model's answer: label\(top.index) (\(pctText(top.probability)))"), prediction.narration)
        let ablation = prediction.pressing(.char(" ")).computed().narration
        XCTAssertTrue(ablation.contains("recomputed in"), ablation)
    }

    func testLayoutReservesTheNarration() {
        for size in [Size(width: 120, height: 40), Size(width: 80, height: 24), Size(width: 60, height: 20), Size(width: 44, height: 14)] {
            var s = tour(size.width, size.height)
            for _ in 0..<11 {
                let f = view(s.computed())
                XCTAssertTrue(f.row(size.height - 1).contains("? help"), "\(size)")
                XCTAssertTrue(f.text.contains("tour \(s.tour!.index + 1)/11"), "\(size): \(f.text)")
                s = s.pressing(.char(" "))
            }
        }
        // The box is as tall as the text (its lines and two borders), at most 11 rows at 120×40.
        let t = tour()
        let l = Layout(t)
        let lines = wrap(t.narration, width: 116).count
        XCTAssertEqual(l.narration, Rect(x: 0, y: 39 - min(11, lines + 2), w: 120, h: min(11, lines + 2)))
        XCTAssertEqual(l.hint.y, 39)
        XCTAssertLessThanOrEqual(l.legend.maxY, l.narration!.y)
    }
}
