import Synchronization
import XCTest
@testable import VCEngine
import VCRecording
import VCRender
@testable import VCTUI

/// The gradient view (`a`): keys, the jobs it asks for (method, site, class), the site fallback,
/// its maps against the engine, failures as messages, every size, monochrome, help.
final class GradientViewTests: XCTestCase {
    /// How many times `testTheGradientModelIsBuiltOnFirstUse`'s gradient model was built.
    static let builds = Atomic<Int>(0)
    static let analysis = AttributionAnalysis(input: SeededWeights.input(seed: 1, height: 224, width: 224)) {
        try VCMambaGradients(model: Fixtures.model, parameters: SeededWeights.parameters(for: Fixtures.config, seed: 1))
    }

    func gradients(_ w: Int = 120, _ h: Int = 40) -> ExplorerState { Fixtures.done(w, h).pressing(.char("a")) }

    func testKeyOpensCyclesAndCloses() {
        let s = Fixtures.done()
        XCTAssertNil(s.gradient)
        XCTAssertEqual(s.gradientMethods, [.gradcam, .layercam, .erf, .saliency, .mambaAttr, .rollout], "the small model has Mamba layers")
        var t = s.pressing(.char("a"))
        XCTAssertEqual(t.gradient?.method, .gradcam)
        XCTAssertFalse(t.showsMamba)
        var seen: [AttributionMethod] = []
        while let g = t.gradient { seen.append(g.method); t = t.pressing(.char("a")) }
        XCTAssertEqual(seen, s.gradientMethods, "a cycles every method, then closes")
        XCTAssertEqual(s.pressing(.char("A")).gradient?.method, .rollout, "A opens at the last")
        XCTAssertNil(s.pressing(.char("a"), .char("A")).gradient, "A before the first closes")
        XCTAssertNil(s.pressing(.char("a"), .escape).gradient)
        // Moving between blocks keeps the view open on the new block.
        let moved = s.pressing(.char("a"), .char("}"))
        XCTAssertEqual(moved.gradient?.method, .gradcam)
        XCTAssertNotEqual(moved.block, s.block)
        // Over the Mamba views: m goes back to them, and they were not disturbed.
        let over = s.pressing(.char("m"), .char("v"), .char("a"))
        XCTAssertFalse(over.showsMamba)
        XCTAssertEqual(over.pressing(.char("v")).mamba.panel, .hidden, "Mamba keys rest under the gradient view")
        let back = over.pressing(.char("m"))
        XCTAssertNil(back.gradient)
        XCTAssertTrue(back.showsMamba)
        XCTAssertEqual(back.mamba.panel, .hidden)
        // From the plain explorer, m closes the gradient view and opens the Mamba views.
        XCTAssertTrue(s.pressing(.char("a"), .char("m")).showsMamba)
    }

    func testJobsFollowMethodSiteAndClass() throws {
        let s = gradients()
        let top = Fixtures.store.top(5).map(\.index)
        XCTAssertEqual(wantedAttributionJobs(s), [AttributionJob(method: .gradcam, site: s.siteName, classIndex: top[0])])
        XCTAssertEqual(s.gradientSite.site, s.siteName)
        XCTAssertNil(s.gradientSite.note)
        let second = s.pressing(.char("n"))
        XCTAssertEqual(wantedAttributionJobs(second).first?.classIndex, top[1])
        XCTAssertEqual(s.pressing(.char("N")).gradient?.rank, 4, "N wraps to the fifth")
        XCTAssertEqual(s.pressing(.char("3")).gradient?.rank, 2, "digits choose a rank")
        // ERF explains no class: changing the class asks for the same job.
        let erf = s.pressing(.char("a"), .char("a"))
        XCTAssertEqual(erf.gradient?.method, .erf)
        XCTAssertEqual(wantedAttributionJobs(erf), wantedAttributionJobs(erf.pressing(.char("n"))))
        XCTAssertNil(wantedAttributionJobs(erf).first?.classIndex)
        // Saliency starts from the input, the rollouts from the Mamba layers, whatever the site.
        let sal = erf.pressing(.char("a"))
        XCTAssertEqual(wantedAttributionJobs(sal).first?.site, "input")
        XCTAssertEqual(wantedAttributionJobs(sal.pressing(.char("a"))).first?.site, "network.6")
        // Started jobs are not started again; a dropped one is.
        let job = try XCTUnwrap(attributionJobsToStart(s).first)
        let started = update(s, .attributionsStarted([job]))
        XCTAssertTrue(attributionJobsToStart(started).isEmpty)
        XCTAssertEqual(attributionJobsToStart(update(started, .attributionDropped(job))), [job])
        XCTAssertTrue(wantedAttributionJobs(Fixtures.done()).isEmpty, "closed: nothing")
    }

    func testSitesThatAreNoMapFallBack() throws {
        var s = gradients()
        // A token tensor (1, L, F) inside a Mamba layer: its block's output instead.
        let mambaBlock = try XCTUnwrap(s.rail.blocks.firstIndex { $0.kind == .mamba })
        s.block = mambaBlock
        let xproj = try XCTUnwrap(s.blockSites.firstIndex { $0.hasSuffix(".mamba.x_proj") })
        s.siteIndex = xproj
        let (site, note) = s.gradientSite
        XCTAssertEqual(site, s.currentBlock.site)
        let n = try XCTUnwrap(note)
        XCTAssertTrue(n.contains("mamba.x_proj is (1, 49, ") && n.contains("taken at \(site), its block's output"), n)
        XCTAssertTrue(view(s).text.contains("not a (1, C, H, W) map"), "the view says so")
        // The head (token and vector sites): the last stage's output.
        s.block = s.rail.blocks.count - 1
        s.siteIndex = nil
        XCTAssertEqual(s.gradientSite.site, "network.6")
        XCTAssertTrue(s.gradientSite.note?.contains("its stage's output") ?? false)
        XCTAssertEqual(ExplorerState.stageOutput(of: "network.3.proj"), "network.4")
        XCTAssertEqual(ExplorerState.stageOutput(of: "input"), "network.0")
    }

    /// Runs the maps the screen asks for, as the explorer's loop does (synchronously).
    func computed(_ s: ExplorerState) -> ExplorerState {
        var s = s
        let jobs = attributionJobsToStart(s)
        s = update(s, .attributionsStarted(jobs))
        for j in jobs { s = update(s, .attributed(GradientViewTests.analysis.run(j))) }
        return s
    }

    func testMapsAndFormulasOnScreen() throws {
        var s = gradients()
        XCTAssertTrue(view(s).text.contains("computing…"), "before the map arrives")
        XCTAssertTrue(s.pressing(.char("q")).shouldQuit, "q quits while a map is on its way")
        s = computed(s)
        let top = Fixtures.store.top(1)[0].index
        for method in s.gradientMethods {
            XCTAssertEqual(s.gradient?.method, method)
            let map = try XCTUnwrap(s.gradientMap, "\(method)")
            let text = view(s).text
            XCTAssertTrue(text.contains("formula: " + String(map.formula.prefix(30))), "\(method): the formula\n\(text)")
            XCTAssertTrue(text.contains(String(method.explanation.prefix(30))), "\(method): the explanation")
            XCTAssertTrue(map.values.allSatisfy { $0.isFinite && $0 >= 0 }, "\(method): finite, relu'd or absolute")
            XCTAssertGreaterThan(map.values.max()!, 0, "\(method): not all zero")
            switch method {
            case .gradcam, .layercam:
                XCTAssertEqual([map.height, map.width], Array(Fixtures.store.tensors[s.siteName]!.shape.suffix(2)))
                XCTAssertEqual(map.classIndex, top)
                XCTAssertTrue(text.contains("of label\(top) at \(s.siteName)"))
            case .erf, .saliency:
                XCTAssertEqual([map.height, map.width], [224, 224])
                if method == .erf { XCTAssertEqual(map.displayed.max()!, 1, accuracy: 1e-6); XCTAssertTrue(text.contains("(m / max m)^0.2")) }
            case .mambaAttr, .rollout:
                XCTAssertEqual([map.height, map.width], [7, 7])
            case .ig: XCTFail("not in the cycle")
            }
            // The overlay differs from the plain picture (the map is over it), the map panel is drawn.
            let overlay = try XCTUnwrap(s.gradientOverlay)
            XCTAssertNotEqual(overlay.rgb, Fixtures.picture.rgb, "\(method)")
            // Pixel terminals get both panels at the picture's resolution, over their half blocks.
            let images = view(s).images
            XCTAssertEqual(images.map(\.slot), [.input, .gradientOverlay, .gradientMap], "\(method)")
            XCTAssertEqual(images[1].rgb, overlay.rgb)
            XCTAssertEqual(images[1].rect.h, images[2].rect.h)
            XCTAssertNotEqual(images[2].rgb, overlay.rgb, "the map alone")
            s = computed(s.pressing(.char("a")))
        }
        XCTAssertNil(s.gradient)
        // Grad-CAM by hand for the top class: relu(Σ_c mean(G_c)·A_c) with the engine's gradient.
        let gm = try VCMambaGradients(model: Fixtures.model, parameters: SeededWeights.parameters(for: Fixtures.config, seed: 1))
        let site = gradients().siteName
        let rec = RecordingObserver(SitePattern(site))
        _ = try gm.gradient(of: .logit(top), input: SeededWeights.input(seed: 1, height: 224, width: 224), observer: rec)
        let g = try XCTUnwrap(rec[site]), a = try XCTUnwrap(Fixtures.store.tensors[site])
        let c = a.shape[1], l = a.shape[2] * a.shape[3]
        var expected = [Float](repeating: 0, count: l)
        for ch in 0..<c {
            let alpha = (0..<l).reduce(Float(0)) { $0 + g.data[ch * l + $1] } / Float(l)
            for p in 0..<l { expected[p] += alpha * a.data[ch * l + p] }
        }
        let shown = try XCTUnwrap(computed(gradients()).gradientMap)
        for p in 0..<l { XCTAssertEqual(shown.values[p], max(expected[p], 0), accuracy: 1e-5 * max(1, abs(expected[p]))) }
    }

    func testTheGradientModelIsBuiltOnFirstUse() {
        let a = AttributionAnalysis(input: SeededWeights.input(seed: 1, height: 224, width: 224)) {
            GradientViewTests.builds.add(1, ordering: .relaxed)
            return try VCMambaGradients(model: Fixtures.model, parameters: SeededWeights.parameters(for: Fixtures.config, seed: 1))
        }
        XCTAssertFalse(a.isBuilt)
        XCTAssertEqual(GradientViewTests.builds.load(ordering: .relaxed), 0, "nothing is built before a map is asked for")
        let first = a.run(AttributionJob(method: .erf, site: "network.4", classIndex: nil))
        let second = a.run(AttributionJob(method: .saliency, site: "", classIndex: 0))
        XCTAssertEqual(GradientViewTests.builds.load(ordering: .relaxed), 1)
        XCTAssertNotNil(first.modelMilliseconds)
        XCTAssertNil(second.modelMilliseconds)
        // A builder that fails: every job says why, nothing crashes.
        let broken = AttributionAnalysis(input: SeededWeights.input(seed: 1, height: 224, width: 224)) { throw ModelError("weights.pth: gone") }
        let r = broken.run(AttributionJob(method: .gradcam, site: "network.4", classIndex: 0))
        guard case .failure(let e) = r.output else { return XCTFail("expected a failure") }
        XCTAssertEqual(e.description, "no gradient model: weights.pth: gone")
    }

    func testFailuresAreMessages() throws {
        // A site the reverse pass does not reach: the engine's message, in the view.
        var s = gradients()
        let job = try XCTUnwrap(wantedAttributionJobs(s).first)
        s = update(s, .attributed(AttributionResult(job: job, output: .failure(MambaJobError("no site named x before the logits")), milliseconds: 1)))
        var text = view(s).text
        XCTAssertTrue(text.contains("no site named x before the logits"), text)
        XCTAssertTrue(text.contains("no map"))
        XCTAssertTrue(attributionJobsToStart(s).isEmpty, "a failure is kept, not retried")
        // Non-finite logits: no class to explain; ERF (no class) still runs.
        let nan = Recording(order: Fixtures.store.order, tensors: Fixtures.store.tensors, catalogue: Fixtures.rail.sites,
                            logits: Tensor(shape: [1, 10], data: [Float](repeating: .nan, count: 10)))
        let bad = update(Fixtures.running(), .forwardDone(nan, milliseconds: 1)).pressing(.char("a"))
        XCTAssertTrue(wantedAttributionJobs(bad).isEmpty)
        text = view(bad).text
        XCTAssertTrue(text.contains("no class to explain"), text)
        XCTAssertEqual(wantedAttributionJobs(bad.pressing(.char("a"), .char("a"))).first?.method, .erf)
        // A map holding NaN is drawn with its marks and counted in the legend.
        var e = bad.pressing(.char("a"), .char("a"))
        let erfJob = try XCTUnwrap(wantedAttributionJobs(e).first)
        var values = [Float](repeating: 1, count: 224 * 224)
        values[5] = .nan
        let map = AttributionMap(method: .erf, values: values, height: 224, width: 224, site: erfJob.site, classIndex: nil, formula: "f")
        e = update(e, .attributed(AttributionResult(job: erfJob, output: .success(map), milliseconds: 1)))
        XCTAssertTrue(view(e).text.contains("1 non-finite"), view(e).text)
    }

    func testEverySizeAndMonochrome() {
        let sizes = [Size(width: 200, height: 60), Size(width: 120, height: 40), Size(width: 100, height: 30), Size(width: 80, height: 24),
                     Size(width: 60, height: 20), Size(width: 44, height: 14)]
        for size in sizes {
            var s = computed(update(gradients(), .resize(size)))
            for method in s.gradientMethods {
                let f = view(s)
                XCTAssertTrue(f.row(size.height - 1).contains("? help"), "\(size) \(method)")
                XCTAssertTrue(f.text.contains("gradients · "), "\(size) \(method): header")
                if size.height >= 20 { XCTAssertTrue(f.text.contains("formula: "), "\(size) \(method)\n\(f.text)") }
                let screen = GradientScreen(s)
                XCTAssertGreaterThan(screen.overlay.w, 4)
                if let plain = screen.plain { XCTAssertLessThanOrEqual(plain.maxX, screen.area.maxX, "\(size)") }
                XCTAssertLessThanOrEqual(screen.text.maxY, screen.area.maxY)
                s = computed(s.pressing(.char("a")))
            }
        }
        // Monochrome: the map cells keep levels (the glyph ramp), the current method is reversed.
        let f = view(computed(gradients(80, 24)))
        let screen = GradientScreen(computed(gradients(80, 24)))
        let plain = screen.plain!
        let mono = f.cells.map(Quantize.monochrome)
        let cells = (plain.y + 1..<plain.maxY - 1).flatMap { y in (plain.x + 1..<plain.maxX - 1).map { mono[y * f.width + $0] } }
        XCTAssertGreaterThan(Set(cells.map(\.ch)).count, 1, "the map is visible without colour")
        XCTAssertTrue((0..<f.width).contains { mono[screen.tabs.y * f.width + $0].style.contains(.reverse) }, "the method in reverse video")
    }

    func testExportMouseAndHelp() {
        let s = gradients()
        XCTAssertTrue(s.pressing(.char("e")).exportStatus?.contains("no PNG export yet") ?? false)
        let layout = Layout(s)
        let clicked = update(s, .mouse(MouseEvent(x: layout.main.x + 5, y: layout.main.y + 5, kind: .press)))
        XCTAssertEqual(clicked.channel, s.channel)
        XCTAssertFalse(clicked.zoomed, "clicks on the gradient view do not reach the hidden grid")
        let text = view(s.pressing(.char("?"))).text
        XCTAssertTrue(text.contains("a  A") && text.contains("gradient view of this site"), text)
    }
}
