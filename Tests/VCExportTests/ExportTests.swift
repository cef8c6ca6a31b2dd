import Foundation
import XCTest
import VCCheckpoint
import VCEngine
import VCImage
import VCRender
import VCStyle
@testable import VCExport

/// Exports of the tiny fixture model on the demo photo at 160×160 (stage-4 grid 5×5), decoded
/// again with libpng and checked pixel by pixel against the tensors.
final class ExportTests: XCTestCase {
    let site = "network.4.1"

    func testChannelSheetMaximaAreTheTopColour() throws {
        let dir = try Paths.scratch("sheet")
        let ex = TinyRun.exporter()
        let opts = ExportOptions(colormap: .viridis, scope: .channel)
        let paths = try ex.export(view: .channels(site: site), to: dir, options: opts)
        XCTAssertEqual(paths.map { ($0 as NSString).lastPathComponent },
                       ["chelsea__network.4.1__channels.png", "chelsea__network.4.1__channels.json"])
        let w = try Written(paths[0])
        XCTAssertEqual(w.colorType, 2, "RGB")
        XCTAssertEqual(w.bitDepth, 8)
        XCTAssertEqual(w.sidecar["png"].flatMap { $0 as? [String: Any] }?["width"] as? Int, w.image.width)
        XCTAssertEqual(w.sidecar["png"].flatMap { $0 as? [String: Any] }?["height"] as? Int, w.image.height)

        let t = try XCTUnwrap(TinyRun.source.tensors[site])
        let (c, h, wd) = (t.shape[1], t.shape[2], t.shape[3])
        XCTAssertEqual(w.tiles.count, c)
        let k = try XCTUnwrap(w.sidecar["upscale"] as? Int)
        XCTAssertEqual(k, 112 / max(h, wd), "default tile ≈ 112 px")
        let lut = Colormap.viridis.lut
        for tile in w.tiles {
            let ch = try XCTUnwrap(tile["channel"] as? Int)
            let r = try Written.rect(tile)
            XCTAssertEqual(r.width, wd * k); XCTAssertEqual(r.height, h * k)
            let values = Array(t.data[(ch * h * wd)..<((ch + 1) * h * wd)])
            let hi = values.indices.max { values[$0] < values[$1] }!
            let lo = values.indices.min { values[$0] < values[$1] }!
            // Every pixel of the value's K×K block.
            for (p, colour) in [(hi, lut[255]), (lo, lut[0])] {
                for dy in [0, k - 1] { for dx in [0, k - 1] {
                    XCTAssertEqual(w.pixel(r.x + (p % wd) * k + dx, r.y + (p / wd) * k + dy), colour, "channel \(ch) pixel \(p)")
                } }
            }
            XCTAssertEqual(number(tile["max"]), values.max()!)
            XCTAssertEqual(number(tile["lo"]), values.min()!)
            XCTAssertEqual(number(tile["hi"]), values.max()!)
        }
        XCTAssertEqual(w.scale["scope"] as? String, "channel")
        // The colour bar's ends are the colormap's ends.
        let bar = try w.rect("colorbar")
        XCTAssertEqual(w.pixel(bar.x, bar.y + bar.height / 2), lut[0])
        XCTAssertEqual(w.pixel(bar.x + bar.width - 1, bar.y + bar.height / 2), lut[255])
        XCTAssertNotEqual(w.pixel(bar.x - 1, bar.y + bar.height / 2), lut[0])
        XCTAssertTrue(ex.missingGlyphs.isEmpty, "characters without a glyph: \(ex.missingGlyphs)")
    }

    /// Block scope (the TUI's default): one range for the site, equal to its min and max; the
    /// colour bar's ends are the colours of those values.
    func testBlockScaleMatchesSiteRangeAndBarEnds() throws {
        let dir = try Paths.scratch("block")
        let paths = try TinyRun.exporter().export(view: .channels(site: site), to: dir, options: ExportOptions(colormap: .magma))
        let w = try Written(paths[0])
        let t = try XCTUnwrap(TinyRun.source.tensors[site])
        let (mn, mx) = (t.data.min()!, t.data.max()!)
        XCTAssertEqual(number(w.scale["lo"]), mn)
        XCTAssertEqual(number(w.scale["hi"]), mx)
        XCTAssertEqual(number(w.sidecar["min"]), mn)
        XCTAssertEqual(number(w.sidecar["max"]), mx)
        XCTAssertEqual(w.sidecar["colormap"] as? String, "magma")
        XCTAssertEqual(w.sidecar["colormap_auto"] as? Bool, false)
        // Where is the site's maximum? Its pixel is the top colour, the minimum's the bottom one.
        let hw = t.shape[2] * t.shape[3], wd = t.shape[3], k = w.sidecar["upscale"] as! Int
        let lut = Colormap.magma.lut
        for (i, colour) in [(t.data.firstIndex(of: mx)!, lut[255]), (t.data.firstIndex(of: mn)!, lut[0])] {
            let tile = try XCTUnwrap(w.tiles.first { $0["channel"] as? Int == i / hw })
            let r = try Written.rect(tile)
            XCTAssertEqual(w.pixel(r.x + (i % hw % wd) * k, r.y + (i % hw / wd) * k), colour)
        }
        let bar = try w.rect("colorbar")
        XCTAssertEqual(w.pixel(bar.x, bar.y), Colormap.magma.lut[0])
        XCTAssertEqual(w.pixel(bar.x + bar.width - 1, bar.y), Colormap.magma.lut[255])
    }

    /// The automatic colormap and the scale follow the TUI: signed activations get the diverging map,
    /// symmetric about zero; global takes the range of every recorded activation.
    func testAutoColormapSymmetricAndGlobal() throws {
        let dir = try Paths.scratch("auto")
        let ex = TinyRun.exporter()
        let t = try XCTUnwrap(TinyRun.source.tensors[site])
        XCTAssertTrue(t.data.min()! < 0 && t.data.max()! > 0)
        var w = try Written(ex.export(view: .channels(site: site), to: dir)[0])
        XCTAssertEqual(w.sidecar["colormap"] as? String, "diverging")
        XCTAssertEqual(w.sidecar["colormap_auto"] as? Bool, true)
        let m = max(-t.data.min()!, t.data.max()!)
        XCTAssertEqual(number(w.scale["lo"]), -m)
        XCTAssertEqual(number(w.scale["hi"]), m)
        XCTAssertEqual(w.scale["symmetric"] as? Bool, true)

        // Global without a clip is min…max of every recorded value (the clip: RobustScaleExportTests).
        w = try Written(ex.export(view: .channels(site: site), to: dir, options: ExportOptions(colormap: .grey, scope: .global, clip: .none))[0])
        var lo = Float.infinity, hi = -Float.infinity
        for (_, t) in TinyRun.source.tensors { for v in t.data where v.isFinite { lo = min(lo, v); hi = max(hi, v) } }
        XCTAssertEqual(w.scale["scope"] as? String, "global")
        XCTAssertEqual(number(w.scale["lo"]), lo)
        XCTAssertEqual(number(w.scale["hi"]), hi)
        // Non-negative sites stay on viridis.
        w = try Written(ex.export(view: .channels(site: "network.4.1.mlp.act.1"), to: dir)[0])
        XCTAssertEqual(w.sidecar["colormap"] as? String, TinyRun.source.tensors["network.4.1.mlp.act.1"]!.data.min()! < 0 ? "diverging" : "viridis")
        w = try Written(ex.export(view: .channels(site: "network.6.1.mamba.dt"), to: dir)[0])
        XCTAssertEqual(w.sidecar["colormap"] as? String, "viridis", "Δ is positive")
    }

    func testSingleChannelAndUpscale() throws {
        let dir = try Paths.scratch("channel")
        let t = try XCTUnwrap(TinyRun.source.tensors[site])
        let h = t.shape[2], wd = t.shape[3], c = 5
        for (k, expected) in [(nil as Int?, 224 / max(h, wd)), (3, 3)] {
            let paths = try TinyRun.exporter().export(view: .channel(site: site, channel: c), to: dir,
                                                      options: ExportOptions(colormap: .viridis, scope: .channel, upscale: k))
            XCTAssertTrue(paths[0].hasSuffix("chelsea__network.4.1__channel-5.png"))
            let w = try Written(paths[0])
            XCTAssertEqual(w.sidecar["upscale"] as? Int, expected)
            let body = try w.rect("body")
            XCTAssertEqual(body.width, wd * expected); XCTAssertEqual(body.height, h * expected)
            let at = try XCTUnwrap(w.sidecar["max_at"] as? [Int])
            let values = Array(t.data[(c * h * wd)..<((c + 1) * h * wd)])
            XCTAssertEqual(values[at[0] * wd + at[1]], values.max()!)
            XCTAssertEqual(w.pixel(body.x + at[1] * expected, body.y + at[0] * expected), Colormap.viridis.lut[255])
            let mi = try XCTUnwrap(w.sidecar["min_at"] as? [Int])
            XCTAssertEqual(w.pixel(body.x + mi[1] * expected + expected - 1, body.y + mi[0] * expected), Colormap.viridis.lut[0])
        }
    }

    func testSidecarProvenanceAndRaw() throws {
        let dir = try Paths.scratch("sidecar")
        let paths = try TinyRun.exporter().export(view: .channels(site: "network.6.1.mamba.y"), to: dir, options: ExportOptions(raw: true))
        XCTAssertEqual(paths.map { ($0 as NSString).pathExtension }, ["png", "json", "npy"])
        let w = try Written(paths[0])
        XCTAssertEqual(w.sidecar["vcview"] as? String, "test")
        XCTAssertEqual(w.sidecar["site"] as? String, "network.6.1.mamba.y")
        XCTAssertEqual(w.sidecar["view"] as? String, "channels")
        XCTAssertEqual(w.sidecar["file"] as? String, "chelsea__network.6.1.mamba.y__channels.png")
        XCTAssertEqual(w.sidecar["raw"] as? String, "chelsea__network.6.1.mamba.y__channels.npy")
        let t = try XCTUnwrap(TinyRun.source.tensors["network.6.1.mamba.y"])
        XCTAssertEqual(w.sidecar["shape"] as? [Int], t.shape)
        let image = try XCTUnwrap(w.sidecar["image"] as? [String: Any])
        XCTAssertEqual(image["name"] as? String, "chelsea.png")
        XCTAssertEqual(image["sha256"] as? String, SHA256.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: Paths.photo)))))
        XCTAssertEqual(image["input_size"] as? [Int], [160, 160])
        let ckpt = try XCTUnwrap(w.sidecar["checkpoint"] as? [String: Any])
        XCTAssertEqual(ckpt["name"] as? String, "weights.safetensors")
        XCTAssertEqual(ckpt["sha256"] as? String, "b4b58baa2d7ed1b35af4879657cbfd3c51a7b79350bfb6c4ba939f2be7eb578c")
        let raw = try Npy.read(path: paths[2])
        XCTAssertEqual(raw.shape, t.shape)
        XCTAssertEqual(raw.values, t.data)
        // Nothing in a sidecar changes from run to run.
        let text = try String(contentsOfFile: paths[1], encoding: .utf8)
        XCTAssertFalse(text.contains("time"))
    }

    func testMambaViews() throws {
        let dir = try Paths.scratch("mamba")
        let ex = TinyRun.exporter()
        let layer = try XCTUnwrap(TinyRun.model.mambaLayers.last)
        // Hidden states: three PNGs.
        let hidden = try ex.export(view: .hidden(layer: layer), to: dir).filter { $0.hasSuffix(".png") }
        XCTAssertEqual(hidden.map { ($0 as NSString).lastPathComponent }, ex.fileNames(.hidden(layer: layer)))
        let maps = try Written(hidden[0])
        XCTAssertEqual(maps.sidecar["site"] as? String, "\(layer).h_norm_map")
        XCTAssertEqual(maps.tiles.count, 4)
        let hm = try XCTUnwrap(TinyRun.source.tensors["\(layer).h_norm_map"])
        XCTAssertEqual(number(maps.scale["hi"]), hm.data.max()!)
        let curves = try Written(hidden[1])
        XCTAssertEqual(curves.sidecar["view"] as? String, "hidden-curves")
        XCTAssertEqual(curves.sidecar["shape"] as? [Int], [4, 25])
        let states = try Written(hidden[2])
        XCTAssertEqual(states.tiles.count, 4 * 16)

        // Attention: the query token is boxed; tokens a scan has not read are grey.
        let a = try Written(ex.export(view: .attention(layer: layer, row: 2, col: 2), to: dir)[0])
        XCTAssertEqual(a.sidecar["token"] as? [Int], [2, 2])
        XCTAssertEqual(a.sidecar["colormap"] as? String, "diverging", "attention is signed: diverging, as on screen")
        let k = try XCTUnwrap(a.sidecar["upscale"] as? Int)
        let orders = ScanOrders(height: 5, width: 5)
        for (d, tile) in a.tiles.enumerated() {
            let r = try Written.rect(tile)
            let step = orders.inverse[d][12]
            for p in 0..<25 where p != 12 && abs(p / 5 - 2) > 1 || abs(p % 5 - 2) > 1 {
                let colour = a.pixel(r.x + (p % 5) * k + k / 2, r.y + (p / 5) * k + k / 2)
                XCTAssertEqual(colour == RGB8(214, 214, 214), orders.inverse[d][p] > step, "direction \(d + 1) token \(p)")
            }
            XCTAssertEqual(a.pixel(r.x + 2 * k, r.y + 2 * k), RGB8(214, 39, 40), "query box")
        }

        // One channel of the attention: its own file, the trace's numbers.
        let one = try ex.export(view: .attention(layer: layer, row: 1, col: 3, channel: 7), to: dir, options: ExportOptions(raw: true))
        XCTAssertTrue(one[0].hasSuffix("__attention-r1-c3-ch7.png"))
        let alpha = try Npy.read(path: one[2]).values
        let expected = try ex.trace(layer).attentionMap(row: 1, col: 3, channel: 7).data
        for i in 0..<alpha.count where !alpha[i].isNaN { XCTAssertEqual(alpha[i], expected[i]) }
        XCTAssertThrowsError(try ex.export(view: .attention(layer: layer, row: 1, col: 3, channel: 10_000), to: dir))

        // Decay in magma, shares centred on 25 % (diverging), as on screen.
        let decay = try Written(ex.export(view: .channels(site: "\(layer).decay"), to: dir)[0])
        XCTAssertEqual(decay.sidecar["colormap"] as? String, "magma")
        XCTAssertEqual(decay.tiles.count, 16)
        let shares = try Written(ex.export(view: .channels(site: "\(layer).dir_share"), to: dir)[0])
        XCTAssertEqual(shares.sidecar["colormap"] as? String, "diverging")
        XCTAssertEqual((number(shares.scale["lo"]) + number(shares.scale["hi"])) / 2, 0.25, accuracy: 1e-6)
        XCTAssertLessThan(number(shares.scale["hi"]), 1)
        XCTAssertEqual(shares.tiles.count, 4)

        // Scans: every cell has its step's colour (viridis), start to end.
        let s = try Written(ex.export(view: .scans, to: dir)[0])
        let layout = try XCTUnwrap(s.sidecar["layout"] as? [String: Any])
        let panels = try XCTUnwrap(layout["panels"] as? [[String: Any]])
        let cell = try XCTUnwrap(s.sidecar["cell"] as? Int)
        for d in 0..<4 {
            let r = try Written.rect(panels[d])
            for t in [0, 7, 24] {
                let p = orders.orders[d][t]
                XCTAssertEqual(s.pixel(r.x + (p % 5) * cell + cell - 3, r.y + (p / 5) * cell + cell - 3),
                               Colormap.viridis.lut[Colormap.index(Float(t) / 24)], "scan \(d + 1) step \(t)")
            }
        }
        // Scan frames: one per step, the current token boxed in red; steps count 1…L in the file
        // name, the title and the sidecar, as on screen (frames[7] is step index 7, step 8).
        let frames = try ex.export(view: .scanFrames, to: dir).filter { $0.hasSuffix(".png") }
        XCTAssertEqual(frames.count, 25)
        XCTAssertTrue(frames[0].hasSuffix("chelsea__network.6__scan-frame-01.png"))
        XCTAssertTrue(frames[24].hasSuffix("chelsea__network.6__scan-frame-25.png"))
        XCTAssertTrue(frames[7].hasSuffix("chelsea__network.6__scan-frame-08.png"))
        let f = try Written(frames[7])
        XCTAssertEqual(f.sidecar["step"] as? Int, 8)
        let fp = try XCTUnwrap((f.sidecar["layout"] as? [String: Any])?["panels"] as? [[String: Any]])
        for d in 0..<4 {
            let r = try Written.rect(fp[d]), p = orders.orders[d][7], q = orders.orders[d][8]
            XCTAssertEqual(f.pixel(r.x + (p % 5) * cell, r.y + (p / 5) * cell + cell / 2), RGB8(214, 39, 40))
            XCTAssertEqual(f.pixel(r.x + (q % 5) * cell + cell - 3, r.y + (q / 5) * cell + cell - 3), RGB8(214, 214, 214), "not read yet")
        }
        XCTAssertTrue(ex.missingGlyphs.isEmpty, "characters without a glyph: \(ex.missingGlyphs)")
    }

    /// The CAM overlay is the picture blended with the CAM's colours (55 %, as on screen), at the
    /// picture's own resolution.
    func testCAMOverlay() throws {
        let dir = try Paths.scratch("cam")
        let ex = TinyRun.exporter()
        let top = try ex.views(["cam"], topK: 2)
        XCTAssertEqual(top.count, 2)
        guard case .cam(let cls) = top[0] else { return XCTFail("\(top)") }
        let w = try Written(ex.export(view: top[0], to: dir, options: ExportOptions(colormap: .viridis))[0])
        XCTAssertEqual(w.sidecar["rank"] as? Int, 1)
        XCTAssertEqual(w.sidecar["class"] as? Int, cls)
        let layout = try XCTUnwrap(w.sidecar["layout"] as? [String: Any])
        let y0 = try XCTUnwrap(layout["panels_y"] as? Int)
        let panels = try XCTUnwrap(layout["panels"] as? [[String: Any]])
        XCTAssertEqual(panels.map { $0["width"] as? Int }, [160, 160, 160])
        let pic = try XCTUnwrap(TinyRun.source.inputPicture)
        let cam = try TinyRun.model.classActivationMap(norm: TinyRun.source.tensors["norm"]!, classIndex: cls, height: 5, width: 5).map
        let scale = HeatmapScale(lo: number(w.scale["lo"]), hi: number(w.scale["hi"]))
        XCTAssertEqual(scale.lo, cam.data.min()!)
        XCTAssertEqual(scale.hi, cam.data.max()!)
        let xs = panels.map { $0["x"] as! Int }
        for (x, y) in [(0, 0), (31, 31), (32, 32), (100, 77), (159, 159)] {
            let i = (y * pic.width + x) * 3, p = RGB8(pic.rgb[i], pic.rgb[i + 1], pic.rgb[i + 2])
            XCTAssertEqual(w.pixel(xs[0] + x, y0 + y), p)
            let c = Colormap.viridis.lut[Colormap.index(scale.normalised(cam.data[(y / 32) * 5 + x / 32]))]
            XCTAssertEqual(w.pixel(xs[1] + x, y0 + y), c)
            func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Int(a) * 141 + Int(b) * 115 + 128) >> 8) }
            XCTAssertEqual(w.pixel(xs[2] + x, y0 + y), RGB8(mix(c.r, p.r), mix(c.g, p.g), mix(c.b, p.b)))
        }
    }

    func testViewSelectors() throws {
        let ex = TinyRun.exporter()
        XCTAssertEqual(ViewSelector.split("stages, attention:1,2,attention:0,3:network.6.2,cam"),
                       ["stages", "attention:1,2", "attention:0,3:network.6.2", "cam"])
        XCTAssertEqual(try ex.views(["stages"]), ["patch_embed", "network.0", "network.2", "network.4", "network.6"].map { .channels(site: $0) })
        let blocks = try ex.views(["blocks"])
        XCTAssertEqual(blocks.first, .channels(site: "patch_embed"))
        XCTAssertEqual(blocks.last, .channels(site: "norm"))
        XCTAssertTrue(blocks.contains(.channels(site: "network.3")))
        XCTAssertTrue(blocks.contains(.channels(site: "network.6.2")))
        XCTAssertEqual(try ex.views(["attention:1,2,attention:0,3:network.6.2"]),
                       [.attention(layer: "network.6.1.mamba", row: 1, col: 2), .attention(layer: "network.6.2.mamba", row: 1, col: 2),
                        .attention(layer: "network.6.2.mamba", row: 0, col: 3)])
        XCTAssertEqual(try ex.views(["attention"]).first, .attention(layer: "network.6.1.mamba", row: 2, col: 2))
        XCTAssertEqual(try ex.views(["channel:network.4.1:3", "channel:network.4.1:3"]), [.channel(site: "network.4.1", channel: 3)])
        XCTAssertEqual(try ex.views(["hidden:network.6.2"]), [.hidden(layer: "network.6.2.mamba")])
        XCTAssertEqual(try ex.views(["decay:network.6.2.mamba", "shares:network.6.2"]),
                       [.channels(site: "network.6.2.mamba.decay"), .channels(site: "network.6.2.mamba.dir_share")])
        XCTAssertEqual(try ex.views(["sites:network.6.1.mamba.y.*"]), (1...4).map { .channels(site: "network.6.1.mamba.y.\($0)") })
        XCTAssertEqual(try ex.views(["cam:7"]), [.cam(classIndex: 7)])
        let all = ex.allViews()
        XCTAssertTrue(all.contains(.scans) && all.contains(.scanAnimation))
        XCTAssertFalse(all.contains(.scanFrames), "one GIF instead of a PNG per step; scan-frames by name")
        XCTAssertEqual(Set(all).count, all.count, "no duplicates")
        for bad in ["bogus", "channel:network.4.1:99", "channel:nosuch:0", "attention:9,9", "attention:x", "hidden:network.6.0",
                    "cam:10", "sites:nothing.*", "scans:1"] {
            XCTAssertThrowsError(try ex.views([bad]), bad) { XCTAssertTrue("\($0)".count > 10) }
        }
    }

    func testFileNamesAreSanitised() {
        XCTAssertEqual(Exporter.sanitise("network.4.1"), "network.4.1")
        XCTAssertEqual(Exporter.sanitise("a b/c__d"), "a-b-c_d")
        XCTAssertEqual(Exporter.sanitise("..hidden"), "hidden")
        let src = TinyRun.source
        let odd = ExportSource(analysis: src.analysis,
                               provenance: Provenance(imageName: "my photo (1).JPG", model: "m", version: "v"))
        XCTAssertEqual(Exporter(source: odd).fileNames(.channels(site: "network.4.1")), ["my-photo--1-__network.4.1__channels.png"])
    }

    /// A raw input tensor (no picture): the CAM overlay uses the un-normalised input.
    func testInputTensorWithoutPicture() throws {
        let arr = try Npy.read(path: Paths.tinyInput)
        let shape = arr.shape.count == 3 ? [1] + arr.shape : arr.shape
        let src = try ExportSource.run(model: TinyRun.model, input: Tensor(shape: shape, data: arr.values), picture: nil,
                                       provenance: Provenance(imageName: "input.npy", model: "tiny", version: "test"))
        let dir = try Paths.scratch("tensor")
        let paths = try Exporter(source: src).export(view: .cam(classIndex: 0), to: dir)
        XCTAssertTrue(paths[0].hasSuffix("input__head__cam-class-0.png"))
        let w = try Written(paths[0])
        XCTAssertEqual((w.sidecar["image"] as? [String: Any])?["sha256"] as? String, nil)
    }

    /// Every view of the tiny model, twice (serially, then on 3 threads): byte-identical files, in seconds.
    func testAllViewsTwiceAreByteIdentical() throws {
        var listings: [[String: Data]] = []
        for run in 0..<2 {
            let dir = try Paths.scratch("all\(run)")
            let start = Date()
            let ex = Exporter(source: TinyRun.source)
            let views = ex.allViews()
            var reported = 0
            let paths = try ex.export(views: views, to: dir, options: ExportOptions(raw: true), threads: run == 0 ? 1 : 3) { p in
                reported += 1
                XCTAssertEqual(p.done, reported); XCTAssertEqual(p.total, views.count)
            }
            let seconds = Date().timeIntervalSince(start)
            XCTAssertLessThan(seconds, 30, "all views of the tiny model")
            print("all views of the tiny model (\(run == 0 ? 1 : 3) threads): \(views.count) views, \(paths.filter { $0.hasSuffix(".png") }.count) PNGs in \(String(format: "%.2f", seconds)) s")
            XCTAssertEqual(reported, views.count)
            XCTAssertTrue(ex.missingGlyphs.isEmpty, "characters without a glyph: \(ex.missingGlyphs)")
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            XCTAssertEqual(Set(names), Set(paths.map { ($0 as NSString).lastPathComponent }))
            XCTAssertEqual(paths.count, Set(paths).count, "no file written twice")
            var files: [String: Data] = [:]
            for n in names { files[n] = try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(n))) }
            for png in names where png.hasSuffix(".png") {
                let w = try Written((dir as NSString).appendingPathComponent(png))
                XCTAssertEqual(w.colorType, 2); XCTAssertEqual(w.bitDepth, 8)
            }
            listings.append(files)
        }
        XCTAssertEqual(listings[0].keys.sorted(), listings[1].keys.sorted())
        for (name, data) in listings[0] { XCTAssertEqual(data, listings[1][name], "\(name) differs between runs") }
        XCTAssertGreaterThan(listings[0].keys.filter { $0.hasSuffix(".png") }.count, 25)
        XCTAssertEqual(listings[0].keys.filter { $0.hasSuffix(".gif") }, ["chelsea__network.6__scan-animation.gif"], "the scan animation: one GIF")
    }
}
