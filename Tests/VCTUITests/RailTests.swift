import XCTest
import VCEngine
import VCRecording
@testable import VCTUI

final class RailTests: XCTestCase {
    func testSmallModelRail() {
        let r = Fixtures.rail
        XCTAssertEqual(r.groups.map(\.name), ["stem", "S1", "S2", "S3", "S4·FFN", "S4·Mamba×2", "head"])
        XCTAssertEqual(r.blocks.map(\.site), ["patch_embed", "network.0.0", "network.1", "network.2.0", "network.3", "network.4.0", "network.4.1",
                                              "network.5", "network.6.0", "network.6.1", "network.6.2", "norm"])
        XCTAssertEqual(r.blocks.map(\.label)[8...10], ["FFN 1/1", "Mamba 1/2", "Mamba 2/2"])
        XCTAssertEqual(r.grid, [7, 7])
        XCTAssertEqual(r.blocks[5].expectedShape, [1, 24, 14, 14])
        XCTAssertEqual(r.blocks[11].expectedShape, [1, 49, 32])
        XCTAssertEqual(r.entryBlock(ofGroup: 2), 3, "a stage jump skips the downsample")
    }

    func testVCMambaSRail() {
        let r = Rail(config: .S, inputHeight: 224, inputWidth: 224)
        XCTAssertEqual(r.groups.map(\.name), ["stem", "S1", "S2", "S3", "S4·FFN", "S4·Mamba×4", "head"])
        XCTAssertEqual(r.groups.map(\.blocks.count), [1, 4, 5, 13, 5, 4, 1])
        XCTAssertEqual(r.blocks[r.groups[5].blocks.lowerBound].site, "network.6.4")
        XCTAssertEqual(shapeText(r.blocks[r.groups[3].blocks.upperBound - 1].expectedShape), "144×14×14")
    }

    func testSitesFindTheirBlock() {
        let r = Fixtures.rail
        XCTAssertEqual(r.block(forSite: "input"), 0)
        XCTAssertEqual(r.block(forSite: "patch_embed.3"), 0)
        XCTAssertEqual(r.block(forSite: "network.1.proj"), 2)
        XCTAssertEqual(r.block(forSite: "network.0"), 1, "a stage output belongs to its last block")
        XCTAssertEqual(r.block(forSite: "network.4"), 6)
        XCTAssertEqual(r.block(forSite: "pos_embed"), 9, "pos_embed is the first Mamba layer's input")
        XCTAssertEqual(r.block(forSite: "network.6.2.mamba.y.3"), 10)
        XCTAssertEqual(r.block(forSite: "logits"), 11)
    }

    func testEveryRecordedSiteIsReachableOnce() {
        let store = Fixtures.store
        let listed = store.blockSites.flatMap { $0 }
        XCTAssertEqual(listed.count, store.order.count)
        XCTAssertEqual(Set(listed), Set(store.order))
        for (i, b) in Fixtures.rail.blocks.enumerated() { XCTAssertTrue(store.blockSites[i].contains(b.site), b.site) }
        XCTAssertTrue(store.blockSites[9].contains("network.6.1.mamba.y.4"))
        XCTAssertEqual(store.probabilities.count, 10)
        XCTAssertEqual(store.probabilities.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertGreaterThanOrEqual(store.top(5)[0].probability, store.top(5)[1].probability)
    }
}
