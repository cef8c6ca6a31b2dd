import Foundation
import XCTest
import VCTestSupport
@testable import VCEngine

/// The site catalogue against what the engine really records, and against docs/sites.md.
final class SiteCatalogueTests: XCTestCase {
    static let config = VCMambaConfig(depths: [1, 1, 2, 3], widths: [8, 16, 24, 32], nMamba: 2, numClasses: 10, resolution: 224)

    /// Every site of a forward pass, in order and with its shape, is the catalogue's; at a size
    /// whose grid is not square, and with the hidden states asked for by name.
    func testCatalogueIsWhatTheForwardPassRecords() throws {
        let model = try VCMambaModel(parameters: SeededWeights.parameters(for: Self.config, seed: 1))
        for (h, w) in [(224, 224), (160, 200)] {
            let rec = RecordingObserver(SitePattern("*,*.h"))
            _ = try model.forward(SeededWeights.input(seed: 1, height: h, width: w), observer: rec)
            let sites = SiteCatalogue(config: model.config, inputHeight: h, inputWidth: w)
            XCTAssertEqual(rec.order, sites.sites.map(\.name), "\(h)×\(w)")
            for name in rec.order { XCTAssertEqual(rec[name]?.shape, sites[name]?.shape, name) }
            XCTAssertEqual(sites.mambaLayers, model.mambaLayers)
            XCTAssertEqual(sites.grid, [VCMambaModel.grid(height: h, width: w).0, VCMambaModel.grid(height: h, width: w).1])
        }
    }

    func testBlocksKindsAndWords() {
        let s = SiteCatalogue(config: Self.config, inputHeight: 224, inputWidth: 224)
        XCTAssertEqual(s.blocks.map(\.label), ["stem", "FFN 1/1", "down 1→2", "FFN 1/1", "down 2→3", "FFN 1/2", "FFN 2/2",
                                              "down 3→4", "FFN 1/1", "Mamba 1/2", "Mamba 2/2", "head"])
        XCTAssertEqual(s.block(of: "input"), 0)
        XCTAssertEqual(s.block(of: "network.0"), 1, "a stage output belongs to its last block")
        XCTAssertEqual(s.block(of: "pos_embed"), 9, "pos_embed is the first Mamba layer's input")
        XCTAssertEqual(s.block(of: "network.6.2.mamba.attn"), 10, "an unlisted name goes by its prefix")
        XCTAssertEqual(s.block(of: "cam"), 11)
        XCTAssertEqual(s.kind(of: "network.6.1.mamba.decay"), .decay)
        XCTAssertEqual(s.kind(of: "network.6.1.mamba.dir_share"), .directionShare)
        XCTAssertEqual(s.kind(of: "network.6.1.mamba.h_norm_n"), .hiddenNorm)
        XCTAssertEqual(s.kind(of: "norm"), .tokens)
        XCTAssertEqual(s["network.6.2.mamba.decay"]?.shape, [16, 7, 7])
        XCTAssertEqual(s.describe("network.4.1.mlp.fc1"), "stage 3 block 2/2 · mlp.fc1")
        XCTAssertEqual(s.describe("network.6.2.mamba.u"), "stage 4 Mamba layer 2/2 · mamba.u")
        XCTAssertEqual(s.describe("network.3"), "downsample 2→3")
        XCTAssertEqual(s.describe("network.6.1.mamba.decay"), "decay exp(Δ·A) per state n, mean over channels")
    }

    /// docs/sites.md names every site the catalogue has (by the part after its block's name).
    func testDocsListEverySite() throws {
        let doc = try String(contentsOfFile: Repository.path("docs/sites.md"), encoding: .utf8)
        let s = SiteCatalogue(config: Self.config, inputHeight: 224, inputWidth: 224)
        for site in s.sites {
            let block = s.blocks[site.block].site
            var tail = site.name.hasPrefix(block + ".") ? String(site.name.dropFirst(block.count + 1)) : site.name
            if site.name.hasPrefix("patch_embed.") { tail = "patch_embed.0" }
            if let last = tail.split(separator: ".").last, Int(last) != nil, tail.contains("y.") { tail = "y.1" }
            if site.name == block || (site.name.hasPrefix("network.") && site.name.split(separator: ".").count == 2) { continue }
            // The tables abbreviate a row's further names to their last parts (`.in_conv.1`, `.C`).
            let parts = tail.split(separator: ".").map(String.init)
            let named = doc.contains(tail + "`") || (1...parts.count).contains { k in doc.contains("`." + parts.suffix(k).joined(separator: ".") + "`") }
            XCTAssertTrue(named, "docs/sites.md does not name \(site.name) (looked for …\(tail)`)")
        }
    }
}
