// torch.save files written by torch 2.13 itself: every layout, dtype and view, stored and
// deflated, zip64, CRC off. Values are compared bit for bit with what torch wrote (expected.json).
import XCTest
@testable import VCCheckpoint

final class TorchCheckpointTests: XCTestCase {
    func load(_ name: String, ema: Bool = false) throws -> LoadedCheckpoint {
        try CheckpointLoader.load(path: Fixtures.path(name), ema: ema)
    }

    func checkAgainstExpected(_ name: String, expectedName: String? = nil, ema: Bool = false) throws {
        let ckpt = try load(name, ema: ema)
        let e = Fixtures.expected(expectedName ?? name)
        XCTAssertEqual(ckpt.stateDict.keys, e["keys"] as? [String], "\(name): keys in file order")
        try assertTensors(ckpt.stateDict, e["tensors"] as! [String: Any], name)
        XCTAssertEqual(ckpt.info.format, "pth (zip)")
        XCTAssertEqual(ckpt.info.path, Fixtures.path(name))
        if let used = e["entryUsed"] {
            XCTAssertEqual(ckpt.info.entryUsed, used as? String, "\(name): entryUsed")
        }
    }

    func testTrainingCheckpointPicksModel() throws {
        try checkAgainstExpected("train_ckpt.pth")
    }

    func testTrainingCheckpointInfo() throws {
        let ckpt = try load("train_ckpt.pth")
        let e = Fixtures.expected("train_ckpt.pth")
        XCTAssertEqual(ckpt.info.topLevelKeys, e["topLevelKeys"] as? [String])
        XCTAssertEqual(ckpt.info.topLevelKeys, ["model", "model_ema", "optimizer", "lr_scheduler", "epoch", "scaler", "args"])
        XCTAssertEqual(ckpt.info.epoch, 7)
        XCTAssertTrue(ckpt.info.hasEMA)
        let expectedArgs = (e["args"] as! [[String]]).map { ($0[0], $0[1]) }
        XCTAssertEqual(ckpt.info.args.map(\.0), expectedArgs.map(\.0))
        XCTAssertEqual(ckpt.info.args.map(\.1), expectedArgs.map(\.1))
        // The Namespace attributes come out as Python reprs.
        XCTAssertEqual(ckpt.info.args.first { $0.0 == "betas" }?.1, "(0.9, 0.999)")
        XCTAssertEqual(ckpt.info.args.first { $0.0 == "clip_grad" }?.1, "None")
    }

    func testTrainingCheckpointEMA() throws {
        try checkAgainstExpected("train_ckpt.pth", expectedName: "train_ckpt.pth#ema", ema: true)
        // The EMA weights are really a different state dict from the model's.
        let model = try load("train_ckpt.pth").stateDict["head.weight"]!.floats()
        let ema = try load("train_ckpt.pth", ema: true).stateDict["head.weight"]!.floats()
        XCTAssertNotEqual(ema, model)
    }

    func testDeflatedEntries() throws {
        try checkAgainstExpected("train_ckpt_deflated.pth")
        try checkAgainstExpected("train_ckpt_deflated.pth", expectedName: "train_ckpt.pth#ema", ema: true)
    }

    func testStateDictLayout() throws {
        try checkAgainstExpected("state_dict_layout.pth")
        let info = try load("state_dict_layout.pth").info
        XCTAssertEqual(info.topLevelKeys, ["state_dict", "meta"])
        XCTAssertNil(info.epoch)
        XCTAssertFalse(info.hasEMA)
        XCTAssertEqual(info.args.count, 0)
    }

    func testBareStateDictUnderCustomTopFolder() throws {
        // torch names the top folder after the file: mymodel/data.pkl.
        try checkAgainstExpected("mymodel.pth")
        let ckpt = try load("mymodel.pth")
        XCTAssertNil(ckpt.info.entryUsed)
        XCTAssertEqual(ckpt.stateDict["scalar"]!.shape, [])
        XCTAssertEqual(try ckpt.stateDict["scalar"]!.floats(), [3.5])
        XCTAssertEqual(ckpt.stateDict["empty"]!.shape, [0, 4])
        XCTAssertEqual(try ckpt.stateDict["empty"]!.floats(), [])
        XCTAssertEqual(try ckpt.stateDict["unicode.é"]!.floats(), [1, -2])
    }

    func testAllDtypes() throws {
        try checkAgainstExpected("dtypes.pth")
        let sd = try load("dtypes.pth").stateDict
        XCTAssertEqual(sd["f16"]!.dtype, .f16)
        XCTAssertEqual(sd["bf16"]!.dtype, .bf16)
        XCTAssertEqual(sd["bool"]!.dtype, .bool)
        XCTAssertEqual(try sd["i64"]!.floats()[2], 1_099_511_627_776)
        XCTAssertEqual(try sd["u8"]!.floats(), [0, 255, 128])
    }

    func testNonContiguousViews() throws {
        try checkAgainstExpected("views.pth")
        let sd = try load("views.pth").stateDict
        // Spot checks in plain numbers: base is arange(48).reshape(6, 8).
        XCTAssertEqual(try sd["slice_offset"]!.floats(), [19, 20, 21, 22, 27, 28, 29, 30, 35, 36, 37, 38])
        XCTAssertEqual(Array(try sd["transposed"]!.floats().prefix(7)), [0, 8, 16, 24, 32, 40, 1])
        XCTAssertEqual(try sd["expanded"]!.floats(), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
        XCTAssertEqual(try sd["scalar_view"]!.floats(), [9])
        XCTAssertEqual(try sd["param"]!.floats(), [0.25, -0.5])
    }

    func testSharedStoragesShareBytes() throws {
        let sd = try load("views.pth").stateDict
        // base, transposed, slice_offset, every_other, row and scalar_view are views of one storage.
        XCTAssertTrue(sd["base"]!.storage === sd["transposed"]!.storage)
        XCTAssertTrue(sd["base"]!.storage === sd["row"]!.storage)
        XCTAssertFalse(sd["base"]!.storage === sd["expanded"]!.storage)
    }

    func testZip64Archive() throws {
        try checkAgainstExpected("zip64.pth")
    }

    func testCRCOffArchive() throws {
        try checkAgainstExpected("crc_off.pth")
    }

    func testAssembledHugeMemoIndices() throws {
        try checkAgainstExpected("huge_memo_ok.pth")
    }

    func testNestedPlainDataAroundModel() throws {
        try checkAgainstExpected("nested.pth")
        let info = try load("nested.pth").info
        let e = Fixtures.expected("nested.pth")
        XCTAssertEqual(info.topLevelKeys, e["topLevelKeys"] as? [String])
        XCTAssertEqual(info.epoch, 12)
        XCTAssertEqual(info.args.map(\.0), ["lr", "layers", "opt"])
        XCTAssertEqual(info.args.map(\.1), ["0.5", "[2, 2]", "'adamw'"])
    }

    func testUnknownClassInUnneededEntryIsInert() throws {
        try checkAgainstExpected("opaque_unneeded.pth")
    }

    func testEMARequestedButAbsent() {
        assertCheckpointError(.notFound, mentions: ["model_ema", "nested.pth", "'model'"]) {
            try load("nested.pth", ema: true)
        }
    }

    func testFormatIsSniffedNotTakenFromName() throws {
        // The same bytes under a misleading extension still load as a torch checkpoint.
        let copy = Fixtures.temporary("really_a_pth.safetensors")
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: Fixtures.path("views.pth"), toPath: copy)
        let ckpt = try CheckpointLoader.load(path: copy)
        XCTAssertEqual(ckpt.info.format, "pth (zip)")
        XCTAssertEqual(try ckpt.stateDict["row"]!.floats(), (32..<40).map(Float.init))
    }

    func testConcurrentReadsOfOneStorage() throws {
        // Many threads resolving the same deflated storage at once get the same values.
        let sd = try load("train_ckpt_deflated.pth").stateDict
        let expected = try sd["conv.weight"]!.floats()
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 16)
        results.initialize(repeating: false)
        defer { results.deallocate() }
        let fresh = try load("train_ckpt_deflated.pth").stateDict["conv.weight"]!
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            out[i] = (try? fresh.floats()) == expected
        }
        XCTAssertTrue(results.allSatisfy { $0 })
    }
}
